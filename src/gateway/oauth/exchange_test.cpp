// The exchange composed from its real parts (jose, oidc with a fake fetcher, the iam engine), with
// time passed in: expiry boundaries and key fetch behaviour are exact.
#include "faasgate/oauth/exchange.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "faasgate/http_client/fake_http_client.hpp"

namespace faasgate::oauth {
namespace {

const core::Instant kNow = core::from_unix(1'700'000'000);
constexpr const char* kIss = "https://kubernetes.default.svc.cluster.local";
constexpr const char* kAud = "https://gateway.example.com";
constexpr const char* kGateway = "http://127.0.0.1:8080";

class ExchangeTest : public ::testing::Test {
 protected:
  ExchangeTest() : idp_(jose::Signer::generate()), cache_(fetcher_), exchange_(kGateway) {}

  void SetUp() override { install(/*inline_keys=*/true); }

  void install(bool inline_keys) {
    iam::ObjectSet set;
    iam::JwtIssuer issuer;
    issuer.meta = {"kubernetes", "openfaas", "test"};
    issuer.iss = kIss;
    issuer.aud = {kAud};
    issuer.token_expiry = std::chrono::minutes(30);
    if (inline_keys) {
      issuer.jwks = boost::json::serialize(jose::KeySet({idp_.public_key()}).to_json());
    } else {
      issuer.jwks_url = "https://idp.test/keys";
    }
    set.issuers.push_back(issuer);
    iam::Policy policy;
    policy.meta = {"fn-rw", "openfaas", "test"};
    policy.statement.push_back({"1", iam::Effect::allow, {"Function:*"}, {"dev:*"}, {}});
    set.policies.push_back(policy);
    iam::Role role;
    role.meta = {"my-app", "openfaas", "test"};
    role.policy = {"fn-rw"};
    role.principal["jwt:sub"] = {"system:serviceaccount:openfaas:my-app"};
    role.condition["StringEqual"]["jwt:iss"] = {kIss};
    set.roles.push_back(role);

    auto issuers = oidc::IssuerSet::build(set.issuers);
    ASSERT_TRUE(issuers.has_value()) << oidc::to_string(issuers.error());
    auto engine = iam::Engine::compile(set);
    ASSERT_TRUE(engine.has_value());
    state_.verifier = std::make_shared<oidc::SubjectTokenVerifier>(*issuers, cache_);
    state_.engine = *engine;
    std::vector<IssuerKey> keys;
    keys.push_back({gateway_key_, core::from_unix(0)});
    state_.keys = std::make_shared<KeyRing>(std::move(keys), std::chrono::hours(3));
  }

  std::string subject(const std::string& sub = "system:serviceaccount:openfaas:my-app", long long exp_in = 600) {
    const long long t = core::to_unix(kNow);
    return *idp_.sign({{"iss", kIss}, {"sub", sub}, {"aud", boost::json::array{kAud}},
                       {"iat", t}, {"nbf", t}, {"exp", t + exp_in}});
  }

  core::Expected<TokenResponse, ExchangeFailure> run(const std::string& token, core::Instant now = kNow,
                                                     oidc::FetchMode mode = oidc::FetchMode::cache_only,
                                                     std::vector<std::string> audiences = {}) {
    TokenRequest request;
    request.subject_token = core::Secret(token);
    request.subject_token_type = std::string(kIdTokenType);
    request.audiences = std::move(audiences);
    return exchange_.exchange(request, state_, now, mode);
  }

  jose::Signer idp_;
  jose::Signer gateway_key_ = jose::Signer::generate();
  http_client::FakeHttpClient fetcher_;
  oidc::KeyCache cache_;
  TokenExchange exchange_;
  ExchangeState state_;
};

TEST_F(ExchangeTest, MintsAnAccessTokenVerifiableWithTheGatewaysKeys) {
  auto r = run(subject());
  ASSERT_TRUE(r.has_value()) << r.error().error.description;
  EXPECT_EQ(r->expires_in, 1800);
  EXPECT_EQ(r->issued_token_type, kIdTokenType);
  EXPECT_EQ(r->subject, "fed:system:serviceaccount:openfaas:my-app");

  auto parsed = jose::UnverifiedJwt::parse(r->access_token);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->header().kid, gateway_key_.kid());
  const jose::Algorithm es256[] = {jose::Algorithm::ES256};
  auto verified = jose::verify(*parsed, state_.keys->published(kNow), es256);
  ASSERT_TRUE(verified.has_value());
  ASSERT_TRUE(jose::validate(*verified, {kGateway, {kGateway}}, kNow).has_value());
  const auto& c = verified->claims();
  EXPECT_EQ(c.at("policy"), (boost::json::array{"fn-rw"}));
  EXPECT_EQ(c.at("fed:iss"), kIss);
  EXPECT_EQ(c.at("exp").to_number<long long>(), core::to_unix(kNow) + 1800);
  EXPECT_EQ(c.at("jti").as_string(), r->jti);
}

// RFC 7519 makes sub a string: a number matched Roles by its text and was minted as "fed:".
TEST_F(ExchangeTest, ASubThatIsNotAStringIsInvalidRequest) {
  const long long t = core::to_unix(kNow);
  for (const boost::json::value& sub : {boost::json::value(42), boost::json::value(""), boost::json::value(nullptr),
                                        boost::json::value(boost::json::array{"a"})}) {
    auto token = *idp_.sign({{"iss", kIss}, {"sub", sub}, {"aud", boost::json::array{kAud}},
                             {"iat", t}, {"nbf", t}, {"exp", t + 600}});
    auto r = run(token);
    ASSERT_FALSE(r.has_value()) << boost::json::serialize(sub);
    EXPECT_EQ(r.error().error.code, OAuthErrc::invalid_request);
    EXPECT_EQ(r.error().error.description, "subject_token must have a sub claim that is a non-empty string");
  }
  auto token = *idp_.sign({{"iss", kIss}, {"aud", boost::json::array{kAud}}, {"iat", t}, {"nbf", t}, {"exp", t + 600}});
  EXPECT_FALSE(run(token).has_value());
}

// A subject whose IdP lets it shape claims cannot forge the gateway's: its `function`, `policy`
// and `scope` claims never reach the access token.
TEST_F(ExchangeTest, ForgedGatewayClaimsDoNotReachTheAccessToken) {
  const long long t = core::to_unix(kNow);
  auto token = *idp_.sign({{"iss", kIss}, {"sub", "system:serviceaccount:openfaas:my-app"},
                           {"aud", boost::json::array{kAud}}, {"iat", t}, {"nbf", t}, {"exp", t + 600},
                           {"function", boost::json::object{{"permissions", boost::json::array{"*"}}}},
                           {"policy", boost::json::array{"admin"}}, {"scope", "function"}});
  auto r = run(token);
  ASSERT_TRUE(r.has_value()) << r.error().error.description;
  EXPECT_FALSE(r->scope.has_value());
  auto parsed = jose::UnverifiedJwt::parse(r->access_token);
  ASSERT_TRUE(parsed.has_value());
  const auto& c = parsed->unverified_claims();
  EXPECT_FALSE(c.contains("function"));
  EXPECT_FALSE(c.contains("scope"));
  EXPECT_EQ(c.at("policy"), (boost::json::array{"fn-rw"}));
}

TEST_F(ExchangeTest, FunctionTokensCarryTheirScopeAndPolicies) {
  TokenRequest request;
  request.subject_token = core::Secret(subject());
  request.subject_token_type = std::string(kIdTokenType);
  request.function_scope = true;
  request.audiences = {"dev:fn1"};
  auto r = exchange_.exchange(request, state_, kNow, oidc::FetchMode::cache_only);
  ASSERT_TRUE(r.has_value()) << r.error().error.description;
  EXPECT_EQ(r->scope, "function");
  auto parsed = jose::UnverifiedJwt::parse(r->access_token);
  ASSERT_TRUE(parsed.has_value());
  const auto& c = parsed->unverified_claims();
  EXPECT_EQ(c.at("scope"), "function");
  EXPECT_EQ(c.at("policy"), (boost::json::array{"fn-rw"}));
  EXPECT_EQ(c.at("sub"), "fed:system:serviceaccount:openfaas:my-app");
  EXPECT_EQ(c.at("function").at("permissions"), (boost::json::array{"dev:*"}));
  EXPECT_EQ(c.at("function").at("audience"), (boost::json::array{"dev:fn1"}));
}

TEST_F(ExchangeTest, NoMatchingRole) {
  auto r = run(subject("system:serviceaccount:openfaas:other"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().error.code, OAuthErrc::invalid_request);
  EXPECT_EQ(r.error().error.description, "No policies found for subject: system:serviceaccount:openfaas:other");
}

TEST_F(ExchangeTest, ExpiryBoundaryWithLeeway) {
  auto token = subject("system:serviceaccount:openfaas:my-app", 600);
  // exp = now + 600; the default leeway is 60 s: valid until exp + 60 exclusive.
  EXPECT_TRUE(run(token, kNow + std::chrono::seconds(659)).has_value());
  auto r = run(token, kNow + std::chrono::seconds(660));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().error.code, OAuthErrc::invalid_request);
  EXPECT_NE(r.error().error.description.find("expired"), std::string::npos);
}

TEST_F(ExchangeTest, ForeignSignerIsRefusedWithoutEchoingTheToken) {
  auto stranger = jose::Signer::generate();
  const long long t = core::to_unix(kNow);
  auto token = *stranger.sign({{"iss", kIss}, {"sub", "system:serviceaccount:openfaas:my-app"},
                               {"aud", kAud}, {"exp", t + 600}});
  auto r = run(token);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().error.code, OAuthErrc::invalid_request);
  EXPECT_EQ(r.error().error.description.find(token), std::string::npos);
}

TEST_F(ExchangeTest, AudienceOtherThanTheGatewayIsInvalidTarget) {
  auto r = run(subject(), kNow, oidc::FetchMode::cache_only, {"https://elsewhere"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().error.code, OAuthErrc::invalid_target);
  EXPECT_TRUE(run(subject(), kNow, oidc::FetchMode::cache_only, {kGateway}).has_value());
}

TEST_F(ExchangeTest, KeysToFetchAskForABlockingRetryThenSucceed) {
  install(/*inline_keys=*/false);
  fetcher_.set("https://idp.test/keys", boost::json::serialize(jose::KeySet({idp_.public_key()}).to_json()));
  auto first = run(subject());
  ASSERT_FALSE(first.has_value());
  EXPECT_TRUE(first.error().needs_fetch);
  auto second = run(subject(), kNow, oidc::FetchMode::may_fetch);
  ASSERT_TRUE(second.has_value()) << second.error().error.description;
  // Now cached: the I/O thread path succeeds without fetching.
  EXPECT_TRUE(run(subject()).has_value());
}

TEST_F(ExchangeTest, UnreachableKeysAreTemporarilyUnavailable) {
  install(/*inline_keys=*/false);
  fetcher_.set_error("https://idp.test/keys", {http_client::Errc::connect_failed, "connection refused"});
  auto r = run(subject(), kNow, oidc::FetchMode::may_fetch);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().error.code, OAuthErrc::temporarily_unavailable);
}

}  // namespace
}  // namespace faasgate::oauth
