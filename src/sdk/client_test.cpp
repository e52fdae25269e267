#include "faasgate/sdk/client.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "fake_transport.hpp"

namespace faasgate::sdk {
namespace {

using testing::answer;
using testing::FakeTransport;

// A ClientAuth whose value changes each time the API rejects it, as a TokenAuth's does.
class CountingAuth final : public ClientAuth {
 public:
  Result<core::Secret> authorization() override { return core::Secret("Bearer token-" + std::to_string(generation_)); }
  bool rejected(const core::Secret& a) override {
    ++rejections_;
    if (a.reveal() == "Bearer token-" + std::to_string(generation_)) ++generation_;
    return true;
  }
  int rejections_ = 0;
  int generation_ = 0;
};

const std::string* header(const HttpRequest& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (h.name == name) return &h.value;
  return nullptr;
}

struct ClientTest : ::testing::Test {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>(
      [this](const HttpRequest& r) -> Result<HttpResponse> { return handler(r); });
  std::function<Result<HttpResponse>(const HttpRequest&)> handler = [](const HttpRequest&) -> Result<HttpResponse> {
    return answer(202, "");
  };
  std::shared_ptr<CountingAuth> auth = std::make_shared<CountingAuth>();
  std::vector<std::string> debug_lines;

  Client client(bool debug = false) {
    ClientOptions o;
    o.transport = transport;
    o.auth = auth;
    o.debug = debug;
    o.debug_log = [this](std::string_view line) { debug_lines.emplace_back(line); };
    return Client("http://127.0.0.1:8080/", o);
  }
  HttpRequest last() const { return transport->requests().back(); }
};

TEST_F(ClientTest, EachCallSendsTheRouteTheUpstreamGatewayServes) {
  auto c = client();
  model::FunctionDeployment d;
  d.service = "echo";
  d.namespace_ = "dev";
  d.env_process = "cat";
  ASSERT_TRUE(c.deploy(d).has_value());
  EXPECT_EQ(last().method, "POST");
  EXPECT_EQ(last().url, "http://127.0.0.1:8080/system/functions");
  EXPECT_EQ(boost::json::parse(last().body).at("service"), "echo");
  EXPECT_EQ(*header(last(), "Content-Type"), "application/json");
  EXPECT_EQ(*header(last(), "Authorization"), "Bearer token-0");

  ASSERT_TRUE(c.update(d).has_value());
  EXPECT_EQ(last().method, "PUT");

  ASSERT_TRUE(c.scale("echo", "dev", 3).has_value());
  EXPECT_EQ(last().url, "http://127.0.0.1:8080/system/scale-function/echo?namespace=dev");
  auto scale = boost::json::parse(last().body);
  EXPECT_EQ(scale.at("serviceName"), "echo");
  EXPECT_EQ(scale.at("replicas"), 3);

  ASSERT_TRUE(c.delete_function("echo", "dev").has_value());
  EXPECT_EQ(last().method, "DELETE");
  EXPECT_EQ(boost::json::parse(last().body).at("functionName"), "echo");

  ASSERT_TRUE(c.create_namespace(model::Namespace{"team-a", {}, {}}).has_value());
  EXPECT_EQ(last().url, "http://127.0.0.1:8080/system/namespace/");
  auto ns = boost::json::parse(last().body);
  EXPECT_EQ(ns.at("name"), "team-a");
  EXPECT_EQ(ns.at("labels").at("openfaas"), "1");
  EXPECT_EQ(ns.at("annotations").at("openfaas"), "1");

  ASSERT_TRUE(c.delete_namespace("team-a").has_value());
  EXPECT_EQ(last().url, "http://127.0.0.1:8080/system/namespace/team-a");

  ASSERT_TRUE(c.create_secret(SecretValue{"db", "dev", core::Secret("s3cret")}).has_value());
  EXPECT_EQ(last().url, "http://127.0.0.1:8080/system/secrets");
  EXPECT_EQ(last().body.find("s3cret"), std::string::npos) << "sent as base64 rawValue";
  EXPECT_EQ(boost::json::parse(last().body).at("rawValue"), "czNjcmV0");
  ASSERT_TRUE(c.delete_secret("db", "dev").has_value());
  EXPECT_EQ(last().method, "DELETE");
}

TEST_F(ClientTest, ListsAndGetsParseTheAnswers) {
  handler = [](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.url.ends_with("/system/namespaces")) return answer(200, R"(["openfaas-fn","dev"])");
    if (r.url.find("/system/functions?") != std::string::npos)
      return answer(200, R"([{"name":"echo","namespace":"dev","replicas":1,"availableReplicas":1,"invocationCount":4}])");
    if (r.url.find("/system/secrets?") != std::string::npos) return answer(200, R"([{"name":"db","namespace":"dev"}])");
    if (r.url.ends_with("/system/info"))
      return answer(200, R"({"provider":{"provider":"faasgate","orchestration":"embedded",
                                          "version":{"release":"0.1.0","sha":"abc","commit_message":"m"}},
                             "version":{"release":"0.1.0","sha":"abc","commit_message":"m"},"arch":"x86_64"})");
    return answer(404, "not found");
  };
  auto c = client();
  auto namespaces = c.namespaces();
  ASSERT_TRUE(namespaces.has_value()) << namespaces.error().describe();
  EXPECT_EQ(namespaces->size(), 2u);
  auto functions = c.functions("dev");
  ASSERT_TRUE(functions.has_value()) << functions.error().describe();
  EXPECT_EQ(last().url, "http://127.0.0.1:8080/system/functions?namespace=dev");
  ASSERT_EQ(functions->size(), 1u);
  EXPECT_EQ((*functions)[0].invocation_count, 4u);
  auto secrets = c.secrets("dev");
  ASSERT_TRUE(secrets.has_value());
  EXPECT_EQ((*secrets)[0].name, "db");
  auto info = c.info();
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->provider, "faasgate");
  EXPECT_EQ(info->sha, "abc");
  EXPECT_EQ(info->provider_version, "0.1.0");
  EXPECT_EQ(info->arch, "x86_64");
}

TEST_F(ClientTest, ErrorsAreTypedAndCarryTheBody) {
  int status = 404;
  handler = [&](const HttpRequest&) -> Result<HttpResponse> { return answer(status, "function not found"); };
  auto c = client();
  struct Case {
    int status;
    ErrorKind kind;
  } cases[] = {{400, ErrorKind::bad_request},
               {403, ErrorKind::forbidden},
               {404, ErrorKind::not_found},
               {409, ErrorKind::conflict},
               {500, ErrorKind::unexpected_status},
               {502, ErrorKind::unexpected_status}};
  for (const auto& k : cases) {
    status = k.status;
    auto got = c.function("echo", "dev");
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().kind, k.kind) << k.status;
    EXPECT_EQ(got.error().status, k.status);
    EXPECT_EQ(got.error().body, "function not found");
  }
  handler = [](const HttpRequest&) -> Result<HttpResponse> { return answer(200, "[not json"); };
  auto bad = c.functions("dev");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ErrorKind::bad_response);
  handler = [](const HttpRequest&) -> Result<HttpResponse> {
    return core::fail(Error{ErrorKind::transport, "connection refused"});
  };
  auto down = c.namespaces();
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().kind, ErrorKind::transport);
  EXPECT_NE(down.error().message.find("list namespaces"), std::string::npos) << down.error().message;
}

TEST_F(ClientTest, A401IsRetriedOnceWithTheNextToken) {
  handler = [](const HttpRequest& r) -> Result<HttpResponse> {
    return *header(r, "Authorization") == "Bearer token-0" ? answer(401, "expired") : answer(200, R"(["dev"])");
  };
  auto c = client();
  auto got = c.namespaces();
  ASSERT_TRUE(got.has_value()) << got.error().describe();
  EXPECT_EQ(transport->count(), 2u);
  EXPECT_EQ(auth->rejections_, 1);

  // A token the gateway keeps refusing is tried twice, not forever, and the error is typed.
  handler = [](const HttpRequest&) -> Result<HttpResponse> { return answer(401, "revoked"); };
  auto refused = c.namespaces();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::unauthorized);
  EXPECT_EQ(transport->count(), 4u);
}

TEST_F(ClientTest, NamesCannotStepOutOfTheirPathSegment) {
  auto c = client();
  (void)c.function("a/../../healthz", "dev&namespace=prod");
  EXPECT_EQ(last().url, "http://127.0.0.1:8080/system/function/a%2F..%2F..%2Fhealthz?namespace=dev%26namespace%3Dprod");
}

TEST_F(ClientTest, LogsArriveLineByLineAndTheCallerCanStop) {
  handler = [](const HttpRequest&) -> Result<HttpResponse> {
    return answer(200,
                  R"({"name":"echo","namespace":"dev","instance":"1","timestamp":"2026-12-01T00:00:00Z","text":"one"})"
                  "\n"
                  R"({"name":"echo","namespace":"dev","instance":"1","timestamp":"2026-12-01T00:00:01Z","text":"two"})"
                  "\n"
                  R"({"name":"echo","namespace":"dev","instance":"1","timestamp":"2026-12-01T00:00:02Z","text":"three"})");
  };
  auto c = client();
  std::vector<std::string> texts;
  LogsRequest request;
  request.name = "echo";
  request.namespace_ = "dev";
  request.tail = 10;
  request.follow = true;
  auto all = c.logs(request, [&](const LogLine& l) {
    texts.push_back(l.text);
    return true;
  });
  ASSERT_TRUE(all.has_value()) << all.error().describe();
  EXPECT_EQ(texts, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(last().url, "http://127.0.0.1:8080/system/logs?name=echo&namespace=dev&tail=10&follow=true");

  texts.clear();
  auto first = c.logs(request, [&](const LogLine& l) {
    texts.push_back(l.text);
    return false;
  });
  EXPECT_TRUE(first.has_value());
  EXPECT_EQ(texts, (std::vector<std::string>{"one"}));

  std::stop_source stop;
  stop.request_stop();
  auto cancelled = c.logs(request, [](const LogLine&) { return true; }, stop.get_token());
  ASSERT_FALSE(cancelled.has_value());
  EXPECT_EQ(cancelled.error().kind, ErrorKind::cancelled);

  handler = [](const HttpRequest&) -> Result<HttpResponse> { return answer(200, "{\"text\":\"ok\"}\nnot json\n"); };
  auto broken = c.logs(request, [](const LogLine&) { return true; });
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().kind, ErrorKind::bad_response);
}

TEST_F(ClientTest, InvokeReturnsTheFunctionsAnswerWhateverItsStatus) {
  handler = [](const HttpRequest&) -> Result<HttpResponse> { return answer(500, "boom", {{"x-call-id", "1"}}); };
  auto c = client();
  InvokeRequest request;
  request.name = "echo";
  request.namespace_ = "dev";
  request.path = "hooks/1";
  request.query = "a=b";
  request.body = "hi";
  auto got = c.invoke(request);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, 500);
  EXPECT_EQ(got->body, "boom");
  EXPECT_EQ(*got->header("X-Call-Id"), "1");
  EXPECT_EQ(last().url, "http://127.0.0.1:8080/function/echo.dev/hooks/1?a=b");
  EXPECT_EQ(header(last(), "Authorization"), nullptr) << "an invocation carries no API credentials";

  request.async = true;
  request.callback_url = "http://127.0.0.1:9/cb";
  (void)c.invoke(request);
  EXPECT_EQ(last().url, "http://127.0.0.1:8080/async-function/echo.dev/hooks/1?a=b");
  EXPECT_EQ(*header(last(), "X-Callback-Url"), "http://127.0.0.1:9/cb");

  request.authenticate = true;
  auto no_token_auth = c.invoke(request);
  ASSERT_FALSE(no_token_auth.has_value()) << "the client's auth is not a TokenAuth";
  EXPECT_EQ(no_token_auth.error().kind, ErrorKind::token_source);
}

TEST_F(ClientTest, TheDebugLogRedactsTheAuthorizationAndNeverShowsABody) {
  auto c = client(/*debug=*/true);
  ASSERT_TRUE(c.create_secret(SecretValue{"db", "dev", core::Secret("s3cret")}).has_value());
  ASSERT_EQ(debug_lines.size(), 1u);
  EXPECT_NE(debug_lines[0].find("POST http://127.0.0.1:8080/system/secrets"), std::string::npos);
  EXPECT_NE(debug_lines[0].find("Authorization: [redacted]"), std::string::npos);
  EXPECT_EQ(debug_lines[0].find("token-0"), std::string::npos);
  EXPECT_EQ(debug_lines[0].find("czNjcmV0"), std::string::npos);
  EXPECT_NE(debug_lines[0].find("-> 202"), std::string::npos);
}

}  // namespace
}  // namespace faasgate::sdk
