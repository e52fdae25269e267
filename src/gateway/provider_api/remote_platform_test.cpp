// RemotePlatform over FakeHttpClient, driven by answers as faas-netes and faasd write them
// (testdata/README.md): the requests it sends and how it reads what comes back.
#include "faasgate/provider_api/remote_platform.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "faasgate/core/files.hpp"
#include "faasgate/http_client/fake_http_client.hpp"

namespace faasgate::provider_api {
namespace {

using Rule = platform::Platform::TokenRule;


constexpr const char* kBase = "http://127.0.0.1:8081";

std::string fixture(const std::string& name) {
  auto text = core::read_file(std::string(PROVIDER_TESTDATA) + "/" + name, 1 << 20);
  EXPECT_TRUE(text) << name;
  return text ? *text : std::string();
}

ProviderConfig test_config() {
  ProviderConfig c;
  c.address = *parse_provider_url(kBase);
  c.user = "admin";
  c.password = core::Secret("s3cret-provider-password");
  return c;
}

struct RemotePlatformTest : ::testing::Test {
  http_client::FakeHttpClient http;
  core::FakeClock clock{core::from_unix(1'700'000'000)};
  RemotePlatform platform{http, test_config(), clock};

  void answer(const std::string& path, long status, std::string body) {
    http.set(std::string(kBase) + path, http_client::Response{status, std::move(body), std::nullopt});
  }
  http_client::Request last() const { return http.requests().back(); }
  static std::string header(const http_client::Request& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }
  static boost::json::object body_of(const http_client::Request& r) { return boost::json::parse(r.body).as_object(); }
};

TEST(ProviderUrl, PlainHttpWithoutCredentials) {
  auto a = parse_provider_url("http://127.0.0.1:8081/");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->base, "http://127.0.0.1:8081");
  EXPECT_EQ(a->display, "127.0.0.1:8081");
  auto named = parse_provider_url("http://faasd-provider:8081/prefix/");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->base, "http://faasd-provider:8081/prefix");
  EXPECT_EQ(parse_provider_url("http://gateway.example")->port, 80);
  EXPECT_FALSE(parse_provider_url("http://admin:pw@127.0.0.1:8081"));
  EXPECT_FALSE(parse_provider_url("https://127.0.0.1:8081"));
  EXPECT_FALSE(parse_provider_url("ftp://127.0.0.1"));
  EXPECT_FALSE(parse_provider_url("http://127.0.0.1:8081/?x=1"));
  EXPECT_FALSE(parse_provider_url("127.0.0.1:8081"));
  EXPECT_FALSE(parse_provider_url("http://127.0.0.1:99999"));
  auto refused = parse_provider_url("http://admin:pw@127.0.0.1:8081");
  EXPECT_EQ(refused.error().find("pw"), std::string::npos);
}

TEST_F(RemotePlatformTest, ListsFaasNetesFunctionsWithTheGatewaysCredentials) {
  answer("/system/functions?namespace=openfaas-fn", 200, fixture("functions-faas-netes.json"));
  auto all = platform.list("openfaas-fn");
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 2u);  // "intruder" says it is in another namespace: left out
  const auto& figlet = (*all)[0];
  EXPECT_EQ(figlet.deployment.service, "figlet");
  EXPECT_EQ(figlet.invocation_count, 1337u);
  EXPECT_EQ(figlet.deployment.replicas, 2u);
  EXPECT_EQ(figlet.available_replicas, 1u);
  EXPECT_EQ(core::to_unix(figlet.created_at), 1714558830);
  EXPECT_EQ(figlet.deployment.limits->memory, "128Mi");
  EXPECT_EQ(figlet.deployment.limits->other.at("nvidia.com/gpu"), "1");  // passed through as faas-netes wrote it
  ASSERT_TRUE(figlet.usage.has_value());
  EXPECT_DOUBLE_EQ(figlet.usage->cpu, 0.25);
  EXPECT_DOUBLE_EQ(figlet.usage->total_memory_bytes, 7581696.5);
  EXPECT_TRUE(figlet.deployment.secrets.empty());
  const auto request = last();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(header(request, "Authorization"), "Basic YWRtaW46czNjcmV0LXByb3ZpZGVyLXBhc3N3b3Jk");
  EXPECT_FALSE(request.plain_http_only_to_loopback);
  answer("/system/functions?namespace=openfaas-fn", 200, fixture("functions-null.json"));
  EXPECT_TRUE(platform.list("openfaas-fn")->empty());
}

TEST_F(RemotePlatformTest, GetsAFaasdFunctionAndAddsTheCallsItAnswered) {
  answer("/system/function/figlet?namespace=openfaas-fn", 200, fixture("function-faasd.json"));
  platform.record_invocation("openfaas-fn", "figlet");
  platform.record_invocation("openfaas-fn", "figlet");
  auto figlet = platform.get("openfaas-fn", "figlet");
  ASSERT_TRUE(figlet) << figlet.error().message;
  EXPECT_EQ(figlet->invocation_count, 44u);  // 42.5 from faasd, then 2 here
  EXPECT_EQ(core::to_unix(figlet->created_at), 1714551630);  // +02:00 applied
  EXPECT_EQ(figlet->deployment.env_vars.at("write_timeout"), "10s");
}

TEST_F(RemotePlatformTest, NamesAreEscapedIntoTheirSegmentAndQuery) {
  (void)platform.get("x&namespace=kube-system", "a/../b");
  EXPECT_EQ(last().url, std::string(kBase) + "/system/function/a%2F..%2Fb?namespace=x%26namespace%3Dkube-system");
  (void)platform.scale("openfaas-fn", "a?b#c", 1);
  EXPECT_EQ(last().url, std::string(kBase) + "/system/scale-function/a%3Fb%23c");
  const auto before = http.calls();
  auto dots = platform.get("openfaas-fn", "..");
  ASSERT_FALSE(dots);
  EXPECT_EQ(dots.error().code, platform::Errc::invalid);
  EXPECT_FALSE(platform.delete_namespace("."));
  EXPECT_EQ(http.calls(), before);  // never sent
}

TEST_F(RemotePlatformTest, WritesFunctionsAsTheProviderApiTakesThem) {
  answer("/system/functions", 202, "");
  model::FunctionDeployment fn;
  fn.service = "figlet";
  fn.image = "ghcr.io/openfaas/figlet:latest";
  fn.namespace_ = "staging";
  fn.annotations["com.openfaas.iam/jwt-auth"] = "true";
  ASSERT_TRUE(platform.deploy(fn, clock.now()));
  auto sent = last();
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(header(sent, "Content-Type"), "application/json");
  auto body = body_of(sent);
  EXPECT_EQ(body.at("service").as_string(), "figlet");
  EXPECT_EQ(body.at("image").as_string(), "ghcr.io/openfaas/figlet:latest");
  EXPECT_EQ(body.at("namespace").as_string(), "staging");
  ASSERT_TRUE(platform.update(fn));
  EXPECT_EQ(last().method, "PUT");
  ASSERT_TRUE(platform.remove("staging", "figlet"));
  EXPECT_EQ(last().method, "DELETE");
  EXPECT_EQ(body_of(last()), (boost::json::object{{"functionName", "figlet"}, {"namespace", "staging"}}));

  answer("/system/scale-function/figlet", 202, "");
  ASSERT_TRUE(platform.scale("staging", "figlet", 3));
  EXPECT_EQ(body_of(last()),
            (boost::json::object{{"serviceName", "figlet"}, {"replicas", 3}, {"namespace", "staging"}}));
}

TEST_F(RemotePlatformTest, SecretsGoAsRawValueAndComeBackAsNames) {
  answer("/system/secrets", 202, "");
  ASSERT_TRUE(platform.create_secret({"db", "openfaas-fn"}, core::Secret("pa\nss")));
  auto body = body_of(last());
  EXPECT_EQ(body.at("rawValue").as_string(), "cGEKc3M=");
  EXPECT_FALSE(body.contains("value"));
  EXPECT_EQ(last().method, "POST");
  ASSERT_TRUE(platform.update_secret({"db", "openfaas-fn"}, core::Secret("x")));
  EXPECT_EQ(last().method, "PUT");
  ASSERT_TRUE(platform.delete_secret({"db", "openfaas-fn"}));
  EXPECT_EQ(last().method, "DELETE");
  EXPECT_EQ(body_of(last()), (boost::json::object{{"name", "db"}, {"namespace", "openfaas-fn"}}));

  answer("/system/secrets?namespace=openfaas-fn", 200, fixture("secrets-faas-netes.json"));
  auto refs = platform.list_secrets("openfaas-fn");
  ASSERT_TRUE(refs);
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_EQ((*refs)[0].name, "db-password");
  EXPECT_EQ((*refs)[0].namespace_, "openfaas-fn");
}

TEST_F(RemotePlatformTest, NamespacesAndInfo) {
  answer("/system/namespaces", 200, fixture("namespaces.json"));
  auto names = platform.list_namespaces();
  ASSERT_TRUE(names);
  ASSERT_EQ(names->size(), 2u);
  EXPECT_EQ((*names)[1].name, "staging");
  answer("/system/namespace/staging", 200, fixture("namespace.json"));
  auto staging = platform.get_namespace("staging");
  ASSERT_TRUE(staging);
  EXPECT_EQ(staging->annotations.at("team"), "blue");
  model::Namespace created{"team-a", {{"openfaas", "1"}}, {}};
  answer("/system/namespace/team-a", 201, "");
  ASSERT_TRUE(platform.create_namespace(created));
  EXPECT_EQ(last().method, "POST");
  EXPECT_EQ(body_of(last()).at("name").as_string(), "team-a");

  answer("/system/info", 200, fixture("info-faas-netes.json"));
  auto info = platform.info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->provider, "faas-netes-ce");
  EXPECT_EQ(info->orchestration, "kubernetes");
  EXPECT_EQ(info->version_release, "0.18.10");
  answer("/system/info", 200, fixture("info-faasd.json"));
  EXPECT_EQ(platform.info()->version_commit_message, "Release 0.19.6");
}

TEST_F(RemotePlatformTest, TheProvidersErrorsPassThrough) {
  answer("/system/function/nope?namespace=openfaas-fn", 404, fixture("error-404.txt"));
  auto missing = platform.get("openfaas-fn", "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().status, 404u);
  EXPECT_EQ(missing.error().code, platform::Errc::not_found);
  EXPECT_EQ(missing.error().message, "deployment not found: nope");
  answer("/system/functions", 400, "bad\x01request\n" + std::string(5000, 'x'));
  auto bad = platform.deploy(model::FunctionDeployment{}, clock.now());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().status, 400u);
  EXPECT_EQ(bad.error().message.substr(0, 11), "bad?request");  // printable
  EXPECT_LE(bad.error().message.size(), 1030u);                 // bounded
  answer("/system/namespace/x", 501, "");
  EXPECT_EQ(platform.get_namespace("x").error().status, 501u);
}

TEST_F(RemotePlatformTest, ARefusalOfTheGatewaysCredentialsIs502) {
  for (long status : {401L, 403L}) {
    answer("/system/functions?namespace=openfaas-fn", status, fixture("error-401.txt"));
    auto refused = platform.list("openfaas-fn");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().status, 502u);
    EXPECT_NE(refused.error().message.find("refused the gateway's credentials"), std::string::npos);
    EXPECT_EQ(refused.error().message.find("s3cret"), std::string::npos);
  }
  answer("/system/functions?namespace=openfaas-fn", 302, "");
  EXPECT_EQ(platform.list("openfaas-fn").error().status, 502u);
  answer("/system/functions?namespace=openfaas-fn", 200, "{not json");
  EXPECT_EQ(platform.list("openfaas-fn").error().status, 502u);
}

TEST_F(RemotePlatformTest, AnUnreachableProviderIsUnavailableAndNamed) {
  http.set_error(std::string(kBase) + "/system/info", {http_client::Errc::connect_failed, "127.0.0.1"});
  auto down = platform.info();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, platform::Errc::unavailable);
  EXPECT_EQ(down.error().status, 0u);  // the API maps it: 502
  EXPECT_EQ(down.error().message, "cannot reach the functions provider at 127.0.0.1:8081: cannot connect");
  http.set_error(std::string(kBase) + "/system/info", {http_client::Errc::timeout, ""});
  EXPECT_NE(platform.info().error().message.find("no answer in time"), std::string::npos);
}

TEST_F(RemotePlatformTest, LookupsAreCachedBrieflyAndForgottenOnWrites) {
  const std::string figlet = "/system/function/figlet?namespace=openfaas-fn";
  answer(figlet, 200, R"({"name":"figlet","annotations":{"com.openfaas.iam/jwt-auth":"true"}})");
  EXPECT_EQ(platform.token_rule_if_known("openfaas-fn", "figlet"), std::nullopt);
  EXPECT_EQ(platform.token_rule("openfaas-fn", "figlet"), Rule::required);
  EXPECT_EQ(platform.token_rule_if_known("openfaas-fn", "figlet"), Rule::required);
  answer(figlet, 200, R"({"name":"figlet","annotations":{}})");
  EXPECT_EQ(platform.token_rule("openfaas-fn", "figlet"), Rule::required);  // cached
  EXPECT_EQ(http.calls(std::string(kBase) + figlet), 1u);
  clock.advance(core::Seconds(2));  // lookup_ttl
  EXPECT_EQ(platform.token_rule("openfaas-fn", "figlet"), Rule::none);
  EXPECT_EQ(http.calls(std::string(kBase) + figlet), 2u);

  // A write through this gateway drops what was cached.
  answer(figlet, 200, R"({"name":"figlet","annotations":{"com.openfaas.iam/jwt-auth":"true"}})");
  answer("/system/functions", 202, "");
  model::FunctionDeployment fn;
  fn.service = "figlet";
  ASSERT_TRUE(platform.update(fn));
  EXPECT_EQ(platform.token_rule("openfaas-fn", "figlet"), Rule::required);

  // Not found: nothing to guard, and remembered for miss_ttl.
  EXPECT_EQ(platform.token_rule("openfaas-fn", "ghost"), Rule::none);
  EXPECT_EQ(platform.lookup("openfaas-fn", "ghost").state, FunctionLookup::State::not_found);
}

TEST_F(RemotePlatformTest, ALookupThatFailsIsUnknownForAFunctionNeverSeenOrSeenOpen) {
  const std::string url = std::string(kBase) + "/system/function/";
  http.set_error(url + "fresh?namespace=openfaas-fn", {http_client::Errc::connect_failed, ""});
  EXPECT_EQ(platform.token_rule("openfaas-fn", "fresh"), Rule::unknown);
  EXPECT_EQ(platform.lookup("openfaas-fn", "fresh").state, FunctionLookup::State::unknown);
  EXPECT_EQ(platform.token_rule_if_known("openfaas-fn", "fresh"), std::nullopt);  // not cached
  answer("/system/function/garbage?namespace=openfaas-fn", 200, "[]");
  EXPECT_EQ(platform.token_rule("openfaas-fn", "garbage"), Rule::unknown);
  answer("/system/function/teapot?namespace=openfaas-fn", 500, "boom");
  EXPECT_EQ(platform.token_rule("openfaas-fn", "teapot"), Rule::unknown);

  // Seen open, then the lookup fails once the answer is stale: closed again.
  answer("/system/function/open?namespace=openfaas-fn", 200, R"({"name":"open"})");
  EXPECT_EQ(platform.token_rule("openfaas-fn", "open"), Rule::none);
  clock.advance(core::Seconds(5));
  http.set_error(url + "open?namespace=openfaas-fn", {http_client::Errc::timeout, ""});
  EXPECT_EQ(platform.token_rule("openfaas-fn", "open"), Rule::unknown);
}

}  // namespace
}  // namespace faasgate::provider_api
