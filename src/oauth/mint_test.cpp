#include "oauth/mint.hpp"

#include <gtest/gtest.h>

#include <set>

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
  AccessTokenInput in{&subject, "https://gw", {"fn-rw", "cron"}, std::chrono::hours(2), "new-jti", core::from_unix(1000)};
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

TEST(Mint, FunctionTokenClaims) {
  FunctionTokenInput in{"https://gw", "fed:ci", {"dev:*"}, {"dev:fn1"}, std::chrono::minutes(30), "j", core::from_unix(50)};
  auto c = function_token_claims(in);
  EXPECT_EQ(c.at("sub"), "fed:ci");
  EXPECT_EQ(c.at("exp"), 50 + 1800);
  EXPECT_EQ(c.at("function").at("permissions"), (boost::json::array{"dev:*"}));
  EXPECT_EQ(c.at("function").at("audience"), (boost::json::array{"dev:fn1"}));
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
