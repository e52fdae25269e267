#include "faasgate/oauth/token_request.hpp"

#include <gtest/gtest.h>

namespace faasgate::oauth {
namespace {

Params valid() {
  return {{"grant_type", std::string(kTokenExchangeGrant)},
          {"subject_token", "a.b.c"},
          {"subject_token_type", std::string(kIdTokenType)}};
}

OAuthErrc error_of(const Params& p) {
  auto r = parse_token_request(p);
  EXPECT_FALSE(r.has_value());
  return r ? OAuthErrc::invalid_request : r.error().code;
}

TEST(TokenRequest, AcceptsTheWriteUpsRequest) {
  auto r = parse_token_request(valid());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->subject_token.reveal(), "a.b.c");
  EXPECT_FALSE(r->function_scope);
  EXPECT_TRUE(r->audiences.empty());
}

TEST(TokenRequest, AcceptsJwtAndAccessTokenTypes) {
  for (auto type : {kJwtTokenType, kAccessTokenType}) {
    auto p = valid();
    p[2].second = std::string(type);
    EXPECT_TRUE(parse_token_request(p).has_value()) << type;
  }
}

TEST(TokenRequest, OtherGrantIsUnsupportedGrantType) {
  auto p = valid();
  p[0].second = "client_credentials";
  EXPECT_EQ(error_of(p), OAuthErrc::unsupported_grant_type);
}

TEST(TokenRequest, MissingParametersAreInvalidRequest) {
  for (std::size_t i = 0; i < 3; ++i) {
    auto p = valid();
    p.erase(p.begin() + static_cast<long>(i));
    EXPECT_EQ(error_of(p), OAuthErrc::invalid_request) << i;
  }
  auto p = valid();
  p[1].second.clear();
  EXPECT_EQ(error_of(p), OAuthErrc::invalid_request);
}

TEST(TokenRequest, RepeatedParameterIsInvalidRequest) {
  for (const char* name : {"grant_type", "subject_token", "subject_token_type", "scope"}) {
    auto p = valid();
    p.emplace_back(name, "x");
    p.emplace_back(name, "y");
    auto r = parse_token_request(p);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, OAuthErrc::invalid_request);
    EXPECT_NE(r.error().description.find("repeated"), std::string::npos);
  }
}

TEST(TokenRequest, UnsupportedTokenTypeIsInvalidRequest) {
  auto p = valid();
  p[2].second = "urn:ietf:params:oauth:token-type:saml2";
  EXPECT_EQ(error_of(p), OAuthErrc::invalid_request);
}

TEST(TokenRequest, ActorTokenIsRefused) {
  auto p = valid();
  p.emplace_back("actor_token", "x");
  EXPECT_EQ(error_of(p), OAuthErrc::invalid_request);
}

TEST(TokenRequest, FunctionScopeAndAudiences) {
  auto p = valid();
  p.emplace_back("scope", "function");
  p.emplace_back("audience", "dev:fn1");
  p.emplace_back("audience", "dev:fn2");
  auto r = parse_token_request(p);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->function_scope);
  EXPECT_EQ(r->audiences, (std::vector<std::string>{"dev:fn1", "dev:fn2"}));
}

TEST(TokenRequest, UnknownScopeIsInvalidScope) {
  auto p = valid();
  p.emplace_back("scope", "function admin");
  EXPECT_EQ(error_of(p), OAuthErrc::invalid_scope);
}

TEST(TokenRequest, UnknownParametersAreIgnored) {
  auto p = valid();
  p.emplace_back("client_id", "whatever");
  EXPECT_TRUE(parse_token_request(p).has_value());
}

TEST(TokenRequest, DescriptionsNeverEchoTheToken) {
  auto p = valid();
  p[1].second = "secret-token-value";
  p[2].second = "bogus";
  auto r = parse_token_request(p);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().description.find("secret-token-value"), std::string::npos);
}

}  // namespace
}  // namespace faasgate::oauth
