// The request pipeline, end to end in process: a real Gateway over fakes - the in-memory store,
// FakeProvider, FakeInvoker, a fake clock - and tokens signed here with the published key. Each
// test walks one path of the pipeline: 401, 403, 400, lists filtered to what the caller may see,
// the admin, function tokens, and the audit log that records every decision.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <sstream>

#include "faasgate/api/gateway.hpp"
#include "faasgate/core/base64.hpp"
#include "faasgate/http_client/fake_http_client.hpp"
#include "faasgate/iam/loader.hpp"
#include "faasgate/invoke/fake_invoker.hpp"
#include "faasgate/jose/jwt.hpp"
#include "faasgate/platform/local_platform.hpp"
#include "faasgate/provider/fake_provider.hpp"
#include "faasgate/queue/memory_queue.hpp"
#include "faasgate/store/memory_store.hpp"

namespace faasgate::api {
namespace {

constexpr const char* kIss = "http://127.0.0.1:8080";
const core::Instant kNow = core::from_unix(1'800'000'000);

// dev-reader may list and get one function, dev:a; dev-admin everything in dev, except invoking
// dev:private.
constexpr std::string_view kPolicies = R"(apiVersion: iam.openfaas.com/v1
kind: Policy
metadata: {name: dev-reader, namespace: openfaas}
spec:
  statement:
  - {sid: read-a, effect: Allow, action: ["Function:List", "Function:Get"], resource: ["dev:a"]}
---
apiVersion: iam.openfaas.com/v1
kind: Policy
metadata: {name: dev-admin, namespace: openfaas}
spec:
  statement:
  - {sid: all, effect: Allow, action: ["Function:*", "Secret:*", "Namespace:*"], resource: ["dev:*"]}
  - {sid: no-private, effect: Deny, action: ["Function:Invoke"], resource: ["dev:private"]}
)";

std::string basic(std::string_view user_password) {
  return "Basic " + core::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(user_password.data()),
                                                  user_password.size()));
}

// A MemoryQueue whose enqueue() can be made to fail as a JetStream queue does when its server is
// away, or for a call beyond its server's max_payload.
class SwitchableQueue final : public queue::Queue {
 public:
  std::optional<queue::QueueErrc> fail_enqueue;
  queue::Result<void> enqueue(const queue::AsyncCall& call, const queue::QueueLimits& limits) override {
    if (fail_enqueue) return core::fail(queue::QueueError{*fail_enqueue, "the async queue's NATS server is unavailable"});
    return q_.enqueue(call, limits);
  }
  queue::Result<std::vector<queue::AsyncCall>> lease_calls(std::size_t max, core::Instant now,
                                                           std::chrono::seconds lease) override {
    return q_.lease_calls(max, now, lease);
  }
  queue::Result<void> record_result(const queue::AsyncCall& call) override { return q_.record_result(call); }
  queue::Result<void> retry_later(const std::string& id, core::Instant when) override { return q_.retry_later(id, when); }
  queue::Result<void> extend_lease(const std::string& id, core::Instant now, std::chrono::seconds lease) override {
    return q_.extend_lease(id, now, lease);
  }
  queue::Result<void> complete(const std::string& id) override { return q_.complete(id); }
  queue::Result<std::size_t> depth() override { return q_.depth(); }
  queue::Result<void> release_leases() override { return q_.release_leases(); }
  queue::Result<void> reclaim_space() override { return q_.reclaim_space(); }

 private:
  queue::MemoryQueue q_;
};

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() {
    auto loaded = iam::load_yaml(kPolicies, "policies.yaml");
    EXPECT_TRUE(loaded.has_value());
    auto engine = iam::Engine::compile(std::move(loaded->objects));
    EXPECT_TRUE(engine.has_value());
    auto state = std::make_shared<GatewayState>();
    state->generation = 1;
    state->exchange.engine = *engine;
    state->published_keys = jose::KeySet{{key_.public_key()}};
    state_.store(std::move(state));
    char dir[] = "/tmp/faasgate-pipeline-XXXXXX";
    dir_ = ::mkdtemp(dir);
    audit_ = std::make_unique<AuditLog>(AuditOptions{(dir_ / "audit.log").string(), "", core::Secret(""), 10}, outbound_);
    gateway_ = std::make_unique<Gateway>(GatewayOptions{kIss},
                                         GatewayServices{state_, exchange_, auth_, platform_, invoker_, queue_, nullptr,
                                                         metrics_, blocking_, clock_, audit_.get()});
    EXPECT_TRUE(store_.create_namespace({"dev", {{"openfaas", "1"}}, {}}).has_value());
  }
  ~PipelineTest() override {
    gateway_.reset();
    blocking_.join();
    audit_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Reply call(http::verb method, std::string target, std::string authorization = "", std::string body = "") {
    Request request{method, target, 11};
    if (!authorization.empty()) request.set(http::field::authorization, authorization);
    request.body() = std::move(body);
    request.prepare_payload();
    boost::asio::io_context io;
    std::optional<Reply> out;
    const RequestInfo info{};
    boost::asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { out = co_await gateway_->handle(std::move(request), info); },
        boost::asio::detached);
    io.run();
    return std::move(*out);
  }

  // An access token of this gateway for `policies`; a function token when `function` is set.
  std::string token(std::vector<std::string> policies, std::optional<boost::json::object> function = std::nullopt,
                    long long lifetime = 600) {
    const long long t = core::to_unix(clock_.now());
    boost::json::array policy;
    for (auto& p : policies) policy.emplace_back(p);
    boost::json::object claims{{"iss", kIss},     {"aud", kIss},        {"sub", "fed:ci"},
                               {"iat", t},        {"exp", t + lifetime}, {"jti", "j" + std::to_string(++tokens_)},
                               {"fed:iss", "https://idp.example"},       {"policy", policy}};
    if (function) {
      claims["scope"] = "function";
      claims["function"] = *function;
    }
    return "Bearer " + *key_.sign(claims);
  }

  void deploy_as_admin(const std::string& ns, const std::string& name, bool jwt_auth = false) {
    boost::json::object body{{"service", name}, {"namespace", ns}, {"image", "x"}, {"envProcess", "cat"}};
    if (jwt_auth) body["annotations"] = boost::json::object{{"com.openfaas.iam/jwt-auth", "true"}};
    auto reply = call(http::verb::post, "/system/functions", admin_, boost::json::serialize(body));
    ASSERT_EQ(reply.response.result(), http::status::accepted) << reply.response.body();
    invoker_.add(ns, name);
  }

  std::vector<boost::json::object> audit_lines() {
    std::ifstream in(dir_ / "audit.log");
    std::vector<boost::json::object> out;
    for (std::string line; std::getline(in, line);) out.push_back(boost::json::parse(line).as_object());
    return out;
  }

  jose::Signer key_ = jose::Signer::generate();
  int tokens_ = 0;
  std::filesystem::path dir_;
  boost::asio::thread_pool blocking_{1};
  store::MemoryStore store_;
  SwitchableQueue queue_;
  provider::FakeProvider provider_;
  platform::LocalPlatform platform_{store_, provider_};
  invoke::FakeInvoker invoker_;
  Metrics metrics_;
  StateHolder state_;
  oauth::TokenExchange exchange_{kIss};
  access::Authenticator auth_{core::Secret("pw"), kIss};
  core::FakeClock clock_{kNow};
  http_client::FakeHttpClient outbound_;  // the audit log has no webhook here
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Gateway> gateway_;
  const std::string admin_ = basic("admin:pw");
};

// Never a 202 for a call that was not stored: a queue whose server is away is 503 with a
// Retry-After, a call its server cannot hold 413; nothing is queued either way.
TEST_F(PipelineTest, AsyncCallsTheQueueCannotStoreAre503Or413NotAccepted) {
  deploy_as_admin("dev", "open");
  queue_.fail_enqueue = queue::QueueErrc::unavailable;
  auto away = call(http::verb::post, "/async-function/open.dev", "", "x");
  EXPECT_EQ(away.response.result(), http::status::service_unavailable) << away.response.body();
  EXPECT_EQ(away.response[http::field::retry_after], "2");
  EXPECT_NE(away.response.body().find("unavailable"), std::string::npos);
  queue_.fail_enqueue = queue::QueueErrc::too_large;
  EXPECT_EQ(call(http::verb::post, "/async-function/open.dev", "", "x").response.result(), http::status::payload_too_large);
  EXPECT_EQ(*queue_.depth(), 0u);
  queue_.fail_enqueue.reset();
  EXPECT_EQ(call(http::verb::post, "/async-function/open.dev", "", "x").response.result(), http::status::accepted);
  EXPECT_EQ(*queue_.depth(), 1u);
}

TEST_F(PipelineTest, NoOrBadCredentialsAre401) {
  auto none = call(http::verb::get, "/system/functions");
  EXPECT_EQ(none.response.result(), http::status::unauthorized);
  EXPECT_FALSE(none.response[http::field::www_authenticate].empty());
  EXPECT_EQ(call(http::verb::get, "/system/functions", basic("admin:nope")).response.result(),
            http::status::unauthorized);
  EXPECT_EQ(call(http::verb::get, "/system/functions", "Bearer not.a.token").response.result(),
            http::status::unauthorized);
  // Expired: past exp and its leeway, on the fake clock.
  const auto t = token({"dev-admin"}, std::nullopt, 60);
  EXPECT_EQ(call(http::verb::get, "/system/functions?namespace=dev", t).response.result(), http::status::ok);
  clock_.advance(std::chrono::hours(1));
  EXPECT_EQ(call(http::verb::get, "/system/functions?namespace=dev", t).response.result(), http::status::unauthorized);
}

TEST_F(PipelineTest, WhatThePoliciesDoNotAllowIs403AndNothingHappens) {
  const auto t = token({"dev-reader"});
  EXPECT_EQ(call(http::verb::get, "/system/functions?namespace=prod", t).response.result(), http::status::forbidden);
  auto refused =
      call(http::verb::post, "/system/functions", t, R"({"service":"a","namespace":"dev","image":"x","envProcess":"cat"})");
  EXPECT_EQ(refused.response.result(), http::status::forbidden);
  EXPECT_NE(refused.response.body().find("Function:Create on dev:a"), std::string::npos) << refused.response.body();
  EXPECT_FALSE(provider_.applied("dev", "a"));
  EXPECT_EQ(call(http::verb::get, "/system/info", t).response.result(), http::status::forbidden);
  // The admin's own route: no IAM grant reaches it.
  EXPECT_EQ(call(http::verb::post, "/system/iam/explain", token({"dev-admin"}), "{}").response.result(),
            http::status::forbidden);
}

TEST_F(PipelineTest, WhatThePoliciesAllowIsDoneThroughTheProvider) {
  const auto t = token({"dev-admin"});
  auto deployed = call(http::verb::post, "/system/functions", t,
                       R"({"service":"a","namespace":"dev","image":"x","envProcess":"cat"})");
  ASSERT_EQ(deployed.response.result(), http::status::accepted) << deployed.response.body();
  ASSERT_TRUE(provider_.applied("dev", "a"));
  EXPECT_EQ(call(http::verb::post, "/system/scale-function/a", t, R"({"namespace":"dev","replicas":3})")
                .response.result(),
            http::status::accepted);
  EXPECT_EQ(provider_.available_replicas("dev", "a"), 3u);
  auto got = call(http::verb::get, "/system/function/a?namespace=dev", t);
  ASSERT_EQ(got.response.result(), http::status::ok);
  EXPECT_EQ(boost::json::parse(got.response.body()).at("availableReplicas").as_int64(), 3);
}

TEST_F(PipelineTest, BadRequestsAre400BeforeAnyDecision) {
  const auto t = token({"dev-admin"});
  EXPECT_EQ(call(http::verb::post, "/system/functions", t, "{not json").response.result(), http::status::bad_request);
  EXPECT_EQ(call(http::verb::post, "/system/functions", t, R"({"service":"a","namespace":"dev/x"})").response.result(),
            http::status::bad_request);
  EXPECT_EQ(call(http::verb::get, "/system/functions?namespace=%zz", t).response.result(), http::status::bad_request);
  EXPECT_EQ(call(http::verb::get, "/system/functions?namespace=%00", admin_).response.result(),
            http::status::bad_request);
  // A secret to create needs a value; the same body deletes.
  EXPECT_EQ(call(http::verb::post, "/system/secrets", t, R"({"name":"s","namespace":"dev"})").response.result(),
            http::status::bad_request);
  EXPECT_EQ(call(http::verb::post, "/system/secrets", t, R"({"name":"s","namespace":"dev","value":"v"})")
                .response.result(),
            http::status::created);
  EXPECT_EQ(call(http::verb::delete_, "/system/secrets", t, R"({"name":"s","namespace":"dev"})").response.result(),
            http::status::accepted);
}

TEST_F(PipelineTest, ListsShowOnlyWhatTheCallerMaySee) {
  deploy_as_admin("dev", "a");
  deploy_as_admin("dev", "b");
  auto listed = call(http::verb::get, "/system/functions?namespace=dev", token({"dev-reader"}));
  ASSERT_EQ(listed.response.result(), http::status::ok);
  auto names = boost::json::parse(listed.response.body()).as_array();
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0].at("name").as_string(), "a");
  EXPECT_EQ(boost::json::parse(call(http::verb::get, "/system/functions?namespace=dev", admin_).response.body())
                .as_array()
                .size(),
            2u);
  EXPECT_EQ(call(http::verb::get, "/system/function/b?namespace=dev", token({"dev-reader"})).response.result(),
            http::status::forbidden);
}

TEST_F(PipelineTest, TheAdminMayDoEverything) {
  EXPECT_EQ(call(http::verb::get, "/system/info", admin_).response.result(), http::status::ok);
  EXPECT_EQ(call(http::verb::post, "/system/namespace/", admin_, R"({"name":"prod"})").response.result(),
            http::status::created);
  deploy_as_admin("prod", "x");
  EXPECT_TRUE(provider_.applied("prod", "x"));
  auto explained = call(http::verb::post, "/system/iam/explain", admin_,
                        R"({"claims":{"policy":["dev-reader"]},"action":"Function:Get","resource":"dev:a"})");
  EXPECT_EQ(explained.response.result(), http::status::ok) << explained.response.body();
}

TEST_F(PipelineTest, AFunctionTokenOnlyInvokesAndEveryInvocationDecisionIsAudited) {
  deploy_as_admin("dev", "guarded", /*jwt_auth=*/true);
  deploy_as_admin("dev", "private", /*jwt_auth=*/true);
  deploy_as_admin("dev", "open");
  const auto function_token = token({"dev-admin"}, boost::json::object{{"audience", boost::json::array{}}});

  EXPECT_EQ(call(http::verb::get, "/function/open.dev").response.result(), http::status::ok);
  EXPECT_EQ(call(http::verb::get, "/function/guarded.dev").response.result(), http::status::unauthorized);
  EXPECT_EQ(call(http::verb::get, "/function/guarded.dev", token({"dev-admin"})).response.result(),
            http::status::unauthorized);  // an API token is not a function token
  EXPECT_EQ(call(http::verb::get, "/function/guarded.dev", admin_).response.result(), http::status::unauthorized);
  auto invoked = call(http::verb::post, "/function/guarded.dev/x", function_token, "hi");
  ASSERT_EQ(invoked.response.result(), http::status::ok) << invoked.response.body();
  EXPECT_EQ(invoked.response.body(), "guarded.dev /x hi\n");
  EXPECT_EQ(call(http::verb::get, "/function/private.dev", function_token).response.result(), http::status::forbidden);
  // On the REST API a function token is nothing.
  EXPECT_EQ(call(http::verb::get, "/system/functions?namespace=dev", function_token).response.result(),
            http::status::forbidden);
  EXPECT_EQ(invoker_.calls().size(), 2u);  // open and the allowed guarded call: nothing else ran

  std::vector<std::tuple<std::string, std::string, bool, std::int64_t>> invocations;
  for (const auto& line : audit_lines()) {
    if (line.at("action").as_string() != "Function:Invoke") continue;
    invocations.emplace_back(std::string(line.at("resource").as_string()), std::string(line.at("actor").as_string()),
                             line.at("decision").as_string() == "allow", line.at("status").as_int64());
  }
  using Row = std::tuple<std::string, std::string, bool, std::int64_t>;
  EXPECT_EQ(invocations, (std::vector<Row>{{"dev:guarded", "", false, 401},
                                           {"dev:guarded", "fed:ci", false, 401},
                                           {"dev:guarded", "admin", false, 401},
                                           {"dev:guarded", "fed:ci", true, 200},
                                           {"dev:private", "fed:ci", false, 403}}));
}

}  // namespace
}  // namespace faasgate::api
