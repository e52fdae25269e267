// Discovery and the connector's shell over sdk::testing::FakeTransport: no network.
#include "faasgate/cron_connector/discovery.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "faasgate/cron_connector/connector.hpp"
#include "fake_transport.hpp"

namespace faasgate::cron_connector {
namespace {

using namespace std::chrono_literals;
using sdk::testing::answer;
using sdk::testing::FakeTransport;

std::string cron_function_json(const std::string& name, const std::string& schedule, bool jwt_auth = false) {
  return R"({"name": ")" + name + R"(", "image": "x", "annotations": {"topic": "cron-function", "schedule": ")" +
         schedule + "\"" + (jwt_auth ? R"(, "com.openfaas.iam/jwt-auth": "true")" : "") + "}}";
}

// A gateway's answers, changed by the test between rounds.
struct FakeGateway {
  std::mutex mutex;
  sdk::Result<sdk::HttpResponse> namespaces = answer(200, R"(["dev","staging"])");
  std::map<std::string, sdk::Result<sdk::HttpResponse>> functions;
  std::vector<sdk::HttpRequest> invocations;
  int invoke_status = 200;

  sdk::Result<sdk::HttpResponse> handle(const sdk::HttpRequest& r) {
    std::lock_guard lock(mutex);
    const auto path = r.url.substr(r.url.find('/', std::string("http://").size()));
    if (path == "/system/namespaces") return namespaces;
    if (path.starts_with("/system/functions?namespace=")) {
      auto it = functions.find(path.substr(std::string("/system/functions?namespace=").size()));
      if (it == functions.end()) return answer(200, "[]");
      return it->second;
    }
    if (path.starts_with("/function/") || path.starts_with("/async-function/")) {
      invocations.push_back(r);
      return answer(invoke_status, "hello");
    }
    return answer(404, "not found");
  }
  void set_functions(const std::string& ns, sdk::Result<sdk::HttpResponse> a) {
    std::lock_guard lock(mutex);
    functions.insert_or_assign(ns, std::move(a));
  }
  void set_namespaces(sdk::Result<sdk::HttpResponse> a) {
    std::lock_guard lock(mutex);
    namespaces = std::move(a);
  }
  std::vector<sdk::HttpRequest> invoked() {
    std::lock_guard lock(mutex);
    return invocations;
  }
};

sdk::Error transport_error() { return sdk::Error{sdk::ErrorKind::transport, "connection refused"}; }

struct DiscoveryTest : ::testing::Test {
  FakeGateway gateway;
  std::shared_ptr<FakeTransport> transport =
      std::make_shared<FakeTransport>([this](const sdk::HttpRequest& r) { return gateway.handle(r); });
  std::shared_ptr<sdk::Client> client = [this] {
    sdk::ClientOptions o;
    o.transport = transport;
    return std::make_shared<sdk::Client>("http://127.0.0.1:8080", o);
  }();
  Discovery discovery{*client, cron::system_zones()};

  void SetUp() override {
    gateway.set_functions("dev", answer(200, "[" + cron_function_json("nodeinfo", "* * * * *") + "]"));
    gateway.set_functions("staging", answer(200, "[" + cron_function_json("report", "@every 5s") + "]"));
  }
  std::vector<std::string> scheduled(const DiscoveryRound& r) {
    std::vector<std::string> out;
    for (const auto& [key, e] : r.desired.entries) out.push_back(key.qualified());
    return out;
  }
};

TEST_F(DiscoveryTest, ListsNamespacesThenTheirFunctions) {
  auto r = discovery.round();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(scheduled(r), (std::vector<std::string>{"nodeinfo.dev", "report.staging"}));
  auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:8080/system/namespaces");
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:8080/system/functions?namespace=dev");
  EXPECT_EQ(requests[2].url, "http://127.0.0.1:8080/system/functions?namespace=staging");
}

TEST_F(DiscoveryTest, AFailingNamespaceListKeepsTheLastGoodSet) {
  ASSERT_TRUE(discovery.round().ok);
  for (auto failure : {sdk::Result<sdk::HttpResponse>(core::fail(transport_error())),
                       sdk::Result<sdk::HttpResponse>(answer(503, "unavailable")),
                       sdk::Result<sdk::HttpResponse>(answer(500, "boom"))}) {
    gateway.set_namespaces(failure);
    auto r = discovery.round();
    EXPECT_FALSE(r.ok);
    ASSERT_TRUE(r.error);
  }
  // Back: the same set, from the new lists.
  gateway.set_namespaces(answer(200, R"(["dev","staging"])"));
  auto r = discovery.round();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(scheduled(r), (std::vector<std::string>{"nodeinfo.dev", "report.staging"}));
}

TEST_F(DiscoveryTest, ANamespacesFailingFunctionListKeepsItsLastGoodList) {
  ASSERT_TRUE(discovery.round().ok);
  gateway.set_functions("dev", core::fail(sdk::Error{sdk::ErrorKind::timeout, "timed out"}));
  gateway.set_functions("staging", answer(502, "bad gateway"));
  auto r = discovery.round();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(scheduled(r), (std::vector<std::string>{"nodeinfo.dev", "report.staging"}));
  ASSERT_EQ(r.kept.size(), 2u);
  EXPECT_EQ(r.kept[0].first, "dev");
  EXPECT_EQ(r.kept[0].second.kind, sdk::ErrorKind::timeout);
}

TEST_F(DiscoveryTest, ANamespaceThatAnswers403Or404IsUnscheduled) {
  ASSERT_TRUE(discovery.round().ok);
  gateway.set_functions("staging", answer(403, "forbidden: Function:List on staging:* is not allowed"));
  auto r = discovery.round();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(scheduled(r), std::vector<std::string>{"nodeinfo.dev"});
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_EQ(r.refused[0].first, "staging");
  gateway.set_functions("dev", answer(404, "namespace not found"));
  r = discovery.round();
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(scheduled(r).empty());
  // And a later failure does not bring them back from an older list.
  gateway.set_functions("dev", answer(500, "boom"));
  r = discovery.round();
  EXPECT_TRUE(scheduled(r).empty());
}

TEST_F(DiscoveryTest, ANamespaceThatDisappearedIsUnscheduled) {
  ASSERT_TRUE(discovery.round().ok);
  gateway.set_namespaces(answer(200, R"(["dev"])"));
  auto r = discovery.round();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(scheduled(r), std::vector<std::string>{"nodeinfo.dev"});
  EXPECT_EQ(r.vanished, std::vector<std::string>{"staging"});
  // Its function list is not even asked for.
  EXPECT_EQ(transport->requests().back().url, "http://127.0.0.1:8080/system/functions?namespace=dev");
}

TEST_F(DiscoveryTest, ANamespaceList403MeansNothingToSchedule) {
  ASSERT_TRUE(discovery.round().ok);
  gateway.set_namespaces(answer(403, "forbidden"));
  auto r = discovery.round();
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(scheduled(r).empty());
  EXPECT_EQ(r.vanished.size(), 2u);
}

TEST_F(DiscoveryTest, AnEmptyNamespaceAndAnAnswerThatIsNotJson) {
  gateway.set_functions("dev", answer(200, "[]"));
  gateway.set_functions("staging", answer(200, "<html>"));
  auto r = discovery.round();
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(scheduled(r).empty());
  ASSERT_EQ(r.kept.size(), 1u);
  EXPECT_EQ(r.kept[0].second.kind, sdk::ErrorKind::bad_response);
}

TEST(DiscoveryDelay, DoublesFromHalfASecondCappedAtTheInterval) {
  EXPECT_EQ(discovery_delay(0, 10s), 10s);
  EXPECT_EQ(discovery_delay(1, 10s), 500ms);
  EXPECT_EQ(discovery_delay(2, 10s), 1s);
  EXPECT_EQ(discovery_delay(3, 10s), 2s);
  EXPECT_EQ(discovery_delay(5, 10s), 8s);
  EXPECT_EQ(discovery_delay(6, 10s), 10s);
  EXPECT_EQ(discovery_delay(1000, 10s), 10s);
  EXPECT_EQ(discovery_delay(1, 200ms), 200ms);
}

TEST(Invocation, TheUpstreamRequestPlusATimeoutAndAFunctionTokenWhenAsked) {
  Config c;
  c.gateway_url = "http://gw";
  c.content_type = "application/json";
  c.invoke_timeout = 7s;
  ScheduleEntry e;
  e.key = {"nodeinfo", "dev"};
  auto r = invocation_for(c, e);
  EXPECT_EQ(r.name, "nodeinfo");
  EXPECT_EQ(r.namespace_, "dev");
  EXPECT_EQ(r.method, "POST");
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(r.async);
  EXPECT_FALSE(r.authenticate);
  EXPECT_EQ(r.timeout, 7s);
  ASSERT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[0].name, "X-Topic");
  EXPECT_EQ(r.headers[0].value, "cron-function");
  EXPECT_EQ(r.headers[1].name, "X-Connector");
  EXPECT_EQ(r.headers[1].value, "cron-connector");
  EXPECT_EQ(r.headers[2].name, "Content-Type");
  EXPECT_EQ(r.headers[2].value, "application/json");
  e.jwt_auth = true;
  c.asynchronous = true;
  r = invocation_for(c, e);
  EXPECT_TRUE(r.async);
  EXPECT_TRUE(r.authenticate);
  c.auth = AuthMode::basic;  // no IAM, no function token to be had
  EXPECT_FALSE(invocation_for(c, e).authenticate);
}

// The whole shell over the fake: discovery, scheduling, the pool and unscheduling, in real time.
TEST_F(DiscoveryTest, TheConnectorInvokesOnScheduleAndForgetsANamespaceThatIsGone) {
  gateway.set_functions("dev", answer(200, "[" + cron_function_json("tick", "@every 1s") + "]"));
  gateway.set_functions("staging", answer(200, "[" + cron_function_json("tock", "@every 1s") + "]"));
  Config c;
  c.gateway_url = "http://127.0.0.1:8080";
  c.rebuild_interval = 200ms;
  c.max_inflight = 2;
  Metrics metrics;
  Connector connector(c, client, metrics);
  std::stop_source stop;
  std::jthread runner([&] { connector.run(stop.get_token()); });

  auto count = [&](std::string_view fn) {
    std::size_t n = 0;
    for (const auto& r : gateway.invoked()) n += r.url.ends_with(fn);
    return n;
  };
  auto wait_for = [](auto predicate) {
    for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
      if (predicate()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  };
  ASSERT_TRUE(wait_for([&] { return count("/function/tick.dev") >= 2 && count("/function/tock.staging") >= 2; }));
  const auto first = gateway.invoked().front();
  EXPECT_EQ(first.method, "POST");
  EXPECT_TRUE(first.body.empty());
  EXPECT_EQ(metrics.counts({"tick", "dev"}).failures, 0u);
  EXPECT_GE(metrics.counts({"tick", "dev"}).fires, 2u);

  gateway.set_namespaces(answer(200, R"(["dev"])"));
  ASSERT_TRUE(wait_for([&] { return connector.scheduled() == 1; }));
  const auto after = count("/function/tock.staging");
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(count("/function/tock.staging"), after);
  EXPECT_GT(count("/function/tick.dev"), 2u);
  EXPECT_NE(metrics.render().find("cron_connector_scheduled_functions 1\n"), std::string::npos);

  gateway.invoke_status = 500;
  ASSERT_TRUE(wait_for([&] { return metrics.counts({"tick", "dev"}).failures >= 1; }));
  stop.request_stop();
}

}  // namespace
}  // namespace faasgate::cron_connector
