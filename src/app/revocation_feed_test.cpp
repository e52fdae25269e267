#include "revocation_feed.hpp"

#include <gtest/gtest.h>

namespace faasgate::app {
namespace {

TEST(RevocationFeed, RevocationsRoundTripAsJson) {
  store::Revocation sub{store::Revocation::Kind::subject, "fed:alice", core::from_unix(1'700'000'000), "https://idp"};
  auto back = decode_revocation(encode_revocation(sub));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, sub.kind);
  EXPECT_EQ(back->value, sub.value);
  EXPECT_EQ(back->revoked_at, sub.revoked_at);
  EXPECT_EQ(back->issuer, sub.issuer);
  store::Revocation jti{store::Revocation::Kind::token_id, "j-1", core::from_unix(5), ""};
  back = decode_revocation(encode_revocation(jti));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, store::Revocation::Kind::token_id);
}

TEST(RevocationFeed, WhatIsNotARevocationIsRefused) {
  for (const char* bad : {"", "[]", "{}", R"({"kind":"subject","value":"","revoked_at":1})",
                          R"({"kind":"other","value":"a","revoked_at":1})", R"({"kind":"subject","value":"a"})",
                          R"({"kind":"subject","value":"a","revoked_at":"1"})",
                          R"({"kind":"subject","value":"a","revoked_at":1,"issuer":3})", "{\"kind\":"}) {
    EXPECT_FALSE(decode_revocation(bad)) << bad;
  }
  EXPECT_FALSE(decode_revocation(R"({"kind":"subject","value":")" + std::string(2000, 'a') + R"(","revoked_at":1})"));
}

TEST(RevocationFeed, TheStreamKeepsRevocationsForALimitedTime) {
  auto config = revocation_stream();
  EXPECT_EQ(config.name, "FAASGATE_REVOCATIONS");
  EXPECT_EQ(config.subjects, std::vector<std::string>{"faasgate.revocations"});
  EXPECT_EQ(config.retention, nats::Retention::limits);
  EXPECT_GT(config.max_age, std::chrono::hours(24));
  EXPECT_GT(config.max_msgs, 0);
}

}  // namespace
}  // namespace faasgate::app
