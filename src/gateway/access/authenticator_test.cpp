#include "faasgate/access/authenticator.hpp"

#include <gtest/gtest.h>

#include "faasgate/core/base64.hpp"
#include "faasgate/jose/jwt.hpp"

namespace faasgate::access {
namespace {

const core::Instant kNow = core::from_unix(1'700'000'000);
constexpr const char* kIss = "http://127.0.0.1:8080";

std::string basic(std::string_view user_password) { return "Basic " + core::base64_encode(
    std::span(reinterpret_cast<const std::uint8_t*>(user_password.data()), user_password.size())); }

class AuthTest : public ::testing::Test {
 protected:
  jose::Signer key_ = jose::Signer::generate();
  jose::KeySet keys_{{key_.public_key()}};
  Authenticator auth_{core::Secret("pa55"), kIss};

  std::string token(long long exp_in, std::string iss = kIss) {
    const long long t = core::to_unix(kNow);
    return *key_.sign({{"iss", iss}, {"aud", iss}, {"sub", "fed:ci"}, {"iat", t}, {"exp", t + exp_in},
                       {"jti", "j1"}, {"fed:iss", "https://k8s"}, {"policy", boost::json::array{"p1", "p2"}}});
  }
};

TEST_F(AuthTest, AdminBasicAuth) {
  auto p = auth_.authenticate(basic("admin:pa55"), keys_, 1, kNow);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->is_admin());
  EXPECT_EQ(auth_.authenticate(basic("admin:wrong"), keys_, 1, kNow).error().code, AuthErrc::bad_credentials);
  EXPECT_EQ(auth_.authenticate(basic("root:pa55"), keys_, 1, kNow).error().code, AuthErrc::bad_credentials);
  EXPECT_EQ(auth_.authenticate("Basic !!!", keys_, 1, kNow).error().code, AuthErrc::malformed);
  EXPECT_EQ(auth_.authenticate("", keys_, 1, kNow).error().code, AuthErrc::missing);
  EXPECT_EQ(auth_.authenticate("Digest x", keys_, 1, kNow).error().code, AuthErrc::malformed);
}

TEST_F(AuthTest, GatewayTokens) {
  auto p = auth_.authenticate("Bearer " + token(600), keys_, 1, kNow);
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->is_admin());
  EXPECT_EQ(p->subject, "fed:ci");
  EXPECT_EQ(p->original_issuer, "https://k8s");
  EXPECT_EQ(p->policies, (std::vector<std::string>{"p1", "p2"}));
}

TEST_F(AuthTest, CachedTokensStillExpireOnTime) {
  auto t = token(600);
  ASSERT_TRUE(auth_.authenticate("Bearer " + t, keys_, 1, kNow).has_value());
  // exp + 60 s leeway, exactly as an uncached verification would decide.
  EXPECT_TRUE(auth_.authenticate("Bearer " + t, keys_, 1, kNow + std::chrono::seconds(659)).has_value());
  auto late = auth_.authenticate("Bearer " + t, keys_, 1, kNow + std::chrono::seconds(660));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, AuthErrc::expired);
}

TEST_F(AuthTest, ANewKeyGenerationReverifies) {
  auto t = token(600);
  ASSERT_TRUE(auth_.authenticate("Bearer " + t, keys_, 1, kNow).has_value());
  jose::KeySet other{{jose::Signer::generate().public_key()}};
  EXPECT_EQ(auth_.authenticate("Bearer " + t, other, 2, kNow).error().code, AuthErrc::invalid_token);
}

TEST_F(AuthTest, RevocationAppliesToCachedTokensAndOnlyToEarlierOnes) {
  auto t = token(600);
  ASSERT_TRUE(auth_.authenticate("Bearer " + t, keys_, 1, kNow).has_value());
  auto list = std::make_shared<RevocationList>();
  list->subjects["ci"] = core::to_unix(kNow);  // the original sub; the token's is "fed:ci"
  auth_.set_revocations(list);
  EXPECT_EQ(auth_.authenticate("Bearer " + t, keys_, 1, kNow).error().code, AuthErrc::revoked);
  // A token issued after the revocation is fine.
  auto later = *key_.sign({{"iss", kIss}, {"aud", kIss}, {"sub", "fed:ci"}, {"iat", core::to_unix(kNow) + 1},
                           {"exp", core::to_unix(kNow) + 600}, {"jti", "j2"}});
  EXPECT_TRUE(auth_.authenticate("Bearer " + later, keys_, 1, kNow + std::chrono::seconds(1)).has_value());
  auto by_jti = std::make_shared<RevocationList>();
  by_jti->token_ids.insert("j2");
  auth_.set_revocations(by_jti);
  EXPECT_EQ(auth_.authenticate("Bearer " + later, keys_, 1, kNow + std::chrono::seconds(1)).error().code,
            AuthErrc::revoked);
}

TEST_F(AuthTest, ForeignOrTamperedTokensAreRefused) {
  EXPECT_EQ(auth_.authenticate("Bearer " + token(600, "https://other"), keys_, 1, kNow).error().code,
            AuthErrc::invalid_token);
  auto t = token(600);
  t[t.size() - 3] = t[t.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(auth_.authenticate("Bearer " + t, keys_, 1, kNow).error().code, AuthErrc::invalid_token);
  EXPECT_EQ(auth_.authenticate("Bearer not-a-token", keys_, 1, kNow).error().code, AuthErrc::invalid_token);
}

TEST_F(AuthTest, TheScopeSaysWhichKindOfTokenItIs) {
  const long long t = core::to_unix(kNow);
  boost::json::object base{{"iss", kIss}, {"aud", kIss}, {"sub", "fed:ci"}, {"iat", t}, {"exp", t + 600},
                           {"fed:iss", "https://k8s"}, {"policy", boost::json::array{"p1"}}};
  auto api = auth_.authenticate("Bearer " + *key_.sign(base), keys_, 1, kNow);
  ASSERT_TRUE(api.has_value());
  EXPECT_EQ(api->kind, Principal::Kind::api_token);
  EXPECT_EQ(api->expires_at, t + 600);

  auto function = base;
  function["scope"] = "function";
  function["function"] = boost::json::object{{"permissions", boost::json::array{"dev:*"}},
                                              {"audience", boost::json::array{"dev:a"}}};
  auto f = auth_.authenticate("Bearer " + *key_.sign(function), keys_, 1, kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->kind, Principal::Kind::function_token);
  EXPECT_EQ(f->audience, std::vector<std::string>{"dev:a"});

  // A scope nobody minted, or a function scope without its function claim: refused, not guessed at.
  auto unknown = base;
  unknown["scope"] = "admin";
  EXPECT_EQ(auth_.authenticate("Bearer " + *key_.sign(unknown), keys_, 1, kNow).error().code, AuthErrc::invalid_token);
  auto bare = base;
  bare["scope"] = "function";
  EXPECT_EQ(auth_.authenticate("Bearer " + *key_.sign(bare), keys_, 1, kNow).error().code, AuthErrc::invalid_token);
  // The bearer scheme is case-insensitive (RFC 9110 §11.1).
  EXPECT_TRUE(auth_.authenticate("bearer " + *key_.sign(base), keys_, 1, kNow).has_value());
}

TEST_F(AuthTest, ConditionsSeeTheOriginalIssuerAndSubject) {
  auto p = auth_.authenticate("Bearer " + token(600), keys_, 1, kNow);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->condition_claims->at("iss"), "https://k8s");
  EXPECT_EQ(p->condition_claims->at("sub"), "ci");
  EXPECT_FALSE(p->condition_claims->contains("policy"));
}

TEST_F(AuthTest, ARevocationCanNameTheIssuer) {
  auto t = token(600);  // sub fed:ci from https://k8s
  auto other = auth_.authenticate("Bearer " + t, keys_, 1, kNow);
  ASSERT_TRUE(other.has_value());
  auto list = std::make_shared<RevocationList>();
  list->issuer_subjects[RevocationList::issuer_subject_key("https://elsewhere", "ci")] = core::to_unix(kNow);
  auth_.set_revocations(list);
  EXPECT_TRUE(auth_.authenticate("Bearer " + t, keys_, 1, kNow).has_value());  // another issuer's ci
  list = std::make_shared<RevocationList>();
  list->issuer_subjects[RevocationList::issuer_subject_key("https://k8s", "ci")] = core::to_unix(kNow);
  auth_.set_revocations(list);
  EXPECT_EQ(auth_.authenticate("Bearer " + t, keys_, 1, kNow).error().code, AuthErrc::revoked);
}

TEST_F(AuthTest, StillValidEndsAtExpiryAndAtRevocation) {
  auto p = auth_.authenticate("Bearer " + token(600), keys_, 1, kNow);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(auth_.still_valid(*p, kNow + std::chrono::seconds(659)));
  EXPECT_FALSE(auth_.still_valid(*p, kNow + std::chrono::seconds(660)));
  auto list = std::make_shared<RevocationList>();
  list->token_ids.insert("j1");
  auth_.set_revocations(list);
  EXPECT_FALSE(auth_.still_valid(*p, kNow));
}

}  // namespace
}  // namespace faasgate::access
