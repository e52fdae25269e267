#include "claims.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "faasgate/core/base64.hpp"

namespace faasgate::cli {
namespace {

core::Secret jwt(const std::string& payload) {
  return core::Secret(core::base64url_encode(std::string(R"({"alg":"ES256","typ":"JWT"})")) + "." +
                      core::base64url_encode(payload) + ".c2lnbmF0dXJl");
}

TEST(Claims, DecodesThePayloadWithoutVerifying) {
  auto claims = token_claims(jwt(
      R"({"sub":"fed:alice","iss":"https://gw","fed:iss":"https://idp","policy":["dev-rw","read"],"exp":1800003600,"iat":1800000000})"));
  ASSERT_TRUE(claims) << claims.error();
  auto s = summarize(*claims);
  EXPECT_EQ(s.subject, "fed:alice");
  EXPECT_EQ(s.issuer, "https://gw");
  EXPECT_EQ(s.federated_issuer, "https://idp");
  EXPECT_EQ(s.policies, (std::vector<std::string>{"dev-rw", "read"}));
  EXPECT_EQ(s.expires_at, 1800003600);
  EXPECT_EQ(s.issued_at, 1800000000);
}

TEST(Claims, BadTokensAreErrorsThatDoNotQuoteThem) {
  for (const char* t : {"", "abc", "a.b", "a.b.c.d", "a.!!!.c"}) {
    auto claims = token_claims(core::Secret(t));
    ASSERT_FALSE(claims) << t;
  }
  auto not_object = token_claims(jwt("[1]"));
  ASSERT_FALSE(not_object);
  auto dup = token_claims(jwt(R"({"sub":"a","sub":"b"})"));
  ASSERT_FALSE(dup);
  auto secret = core::Secret("header.bm90IGpzb24gc2VjcmV0.sig");
  auto e = token_claims(secret);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().find("bm90IGpzb24gc2VjcmV0"), std::string::npos);
}

TEST(Claims, ASinglePolicyStringIsAListOfOne) {
  auto s = summarize(*token_claims(jwt(R"({"policy":"p"})")));
  EXPECT_EQ(s.policies, (std::vector<std::string>{"p"}));
}

TEST(Time, FormatsUtc) { EXPECT_EQ(format_time(core::from_unix(0)), "1970-01-01 00:00:00 UTC"); }

TEST(Time, IntervalsHaveAtMostTwoUnits) {
  EXPECT_EQ(format_interval(core::Seconds(0)), "0 seconds");
  EXPECT_EQ(format_interval(core::Seconds(1)), "1 second");
  EXPECT_EQ(format_interval(core::Seconds(40)), "40 seconds");
  EXPECT_EQ(format_interval(core::Seconds(300)), "5 minutes");
  EXPECT_EQ(format_interval(core::Seconds(3600)), "1 hour");
  EXPECT_EQ(format_interval(core::Seconds(3605)), "1 hour");
  EXPECT_EQ(format_interval(core::Seconds(7500)), "2 hours 5 minutes");
  EXPECT_EQ(format_interval(core::Seconds(90061)), "1 day 1 hour");
}

TEST(Time, ExpiryIsDescribedRelativeToNow) {
  const auto now = core::from_unix(1'800'000'000);
  EXPECT_EQ(describe_expiry(now + core::Seconds(4800), now), "in 1 hour 20 minutes");
  EXPECT_EQ(describe_expiry(now - core::Seconds(300), now), "expired 5 minutes ago");
  EXPECT_EQ(describe_expiry(now, now), "expired 0 seconds ago");
}

}  // namespace
}  // namespace faasgate::cli
