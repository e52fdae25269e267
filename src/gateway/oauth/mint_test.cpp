#include "faasgate/oauth/mint.hpp"

#include <gtest/gtest.h>

#include <set>

#include "faasgate/iam/claims.hpp"

namespace faasgate::oauth {
namespace {

TEST(Mint, AccessTokenClaimsFollowTheReference) {
  boost::json::object subject{{"iss", "https://kubernetes.default.svc.cluster.local"},
                              {"sub", "system:serviceaccount:openfaas:my-app"},
                              {"aud", boost::json::array{"https://gw"}},
                              {"exp", 100},
                              {"iat", 1},
                              {"nbf", 1},
                              {"jti", "original"},
                              {"kubernetes.io", boost::json::object{{"namespace", "openfaas"}}}};
  TokenInput in{&subject, "https://gw", {"fn-rw", "cron"}, std::chrono::hours(2), "new-jti", core::from_unix(1000)};
  auto c = access_token_claims(in);
  EXPECT_EQ(c.at("iss"), "https://gw");
  EXPECT_EQ(c.at("aud"), "https://gw");
  EXPECT_EQ(c.at("sub"), "fed:system:serviceaccount:openfaas:my-app");
  EXPECT_EQ(c.at("fed:iss"), "https://kubernetes.default.svc.cluster.local");
  EXPECT_EQ(c.at("policy"), (boost::json::array{"fn-rw", "cron"}));
  EXPECT_EQ(c.at("iat"), 1000);
  EXPECT_EQ(c.at("nbf"), 1000);
  EXPECT_EQ(c.at("exp"), 1000 + 7200);
  EXPECT_EQ(c.at("jti"), "new-jti");
  // Every other claim of the subject token is carried over.
  EXPECT_EQ(c.at("kubernetes.io").at("namespace"), "openfaas");
}

// A tenant controls every claim of its own IdP's tokens: the claims the gateway gives meaning to
// are the gateway's, whatever the subject token says.
TEST(Mint, TheGatewaysClaimsNeverPassThroughFromTheSubject) {
  boost::json::object subject{{"iss", "https://tenant.example"},
                              {"sub", "ci"},
                              {"function", boost::json::object{{"permissions", boost::json::array{"*"}}}},
                              {"policy", boost::json::array{"admin"}},
                              {"scope", "function"},
                              {"fed:iss", "https://kubernetes.default.svc.cluster.local"},
                              {"fed:anything", true},
                              {"team", "blue"}};
  TokenInput in{&subject, "https://gw", {"ci-read"}, std::chrono::minutes(5), "j", core::from_unix(10)};
  auto c = access_token_claims(in);
  EXPECT_FALSE(c.contains("function"));
  EXPECT_FALSE(c.contains("scope"));
  EXPECT_FALSE(c.contains("fed:anything"));
  EXPECT_EQ(c.at("policy"), (boost::json::array{"ci-read"}));
  EXPECT_EQ(c.at("fed:iss"), "https://tenant.example");
  EXPECT_EQ(c.at("team"), "blue");

  auto f = function_token_claims(in, {{"dev:*"}, {}});
  EXPECT_EQ(f.at("scope"), "function");
  EXPECT_EQ(f.at("policy"), (boost::json::array{"ci-read"}));
  EXPECT_EQ(f.at("function").at("permissions"), (boost::json::array{"dev:*"}));
  EXPECT_FALSE(f.contains("fed:anything"));
}

TEST(Mint, FunctionTokenClaims) {
  boost::json::object subject{{"iss", "https://idp"}, {"sub", "ci"}, {"team", "blue"}};
  TokenInput in{&subject, "https://gw", {"fn-invoke"}, std::chrono::minutes(30), "j", core::from_unix(50)};
  auto c = function_token_claims(in, {{"dev:*"}, {"dev:fn1"}});
  EXPECT_EQ(c.at("iss"), "https://gw");
  EXPECT_EQ(c.at("aud"), "https://gw");
  EXPECT_EQ(c.at("sub"), "fed:ci");
  EXPECT_EQ(c.at("fed:iss"), "https://idp");
  EXPECT_EQ(c.at("scope"), "function");
  EXPECT_EQ(c.at("policy"), (boost::json::array{"fn-invoke"}));
  EXPECT_EQ(c.at("exp"), 50 + 1800);
  EXPECT_EQ(c.at("team"), "blue");
  EXPECT_EQ(c.at("function").at("permissions"), (boost::json::array{"dev:*"}));
  EXPECT_EQ(c.at("function").at("audience"), (boost::json::array{"dev:fn1"}));
}

// Statement conditions see the same claims on an API call as at the exchange and in explain.
TEST(Mint, StatementClaimsOfTheMintedTokenAreTheSubjectsAsAtTheExchange) {
  boost::json::object subject{{"iss", "https://tenant.example"},
                              {"sub", "system:serviceaccount:dev:ci"},
                              {"aud", "https://gw"},
                              {"exp", 99},
                              {"policy", "forged"},
                              {"kubernetes.io", boost::json::object{{"namespace", "dev"}}}};
  TokenInput in{&subject, "https://gw", {"p"}, std::chrono::minutes(5), "j", core::from_unix(10)};
  const auto expected = iam::statement_claims_of_subject(subject);
  EXPECT_EQ(expected.at("iss"), "https://tenant.example");
  EXPECT_EQ(expected.at("sub"), "system:serviceaccount:dev:ci");
  EXPECT_FALSE(expected.contains("policy"));
  EXPECT_FALSE(expected.contains("aud"));
  EXPECT_EQ(iam::statement_claims_of_token(access_token_claims(in)), expected);
  EXPECT_EQ(iam::statement_claims_of_token(function_token_claims(in, {{"dev:*"}, {}})), expected);
}

TEST(Mint, TokenIdsAreFreshAndUrlSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_token_id();
    EXPECT_EQ(id.size(), 22u);
    EXPECT_EQ(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
    EXPECT_TRUE(seen.insert(id).second);
  }
}

}  // namespace
}  // namespace faasgate::oauth
