#include "issuer_keys.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>

namespace faasgate::app {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class IssuerKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "faasgate-keys-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = fs::path(tmpl) / "issuer-keys";
  }
  void TearDown() override { fs::remove_all(dir_.parent_path()); }
  fs::path dir_;
};

// Gateways sharing a key dir are one issuer: the first start writes one key and every other
// gateway signs with that same key, also when they start in the same second.
TEST_F(IssuerKeys, GatewaysSharingADirectorySignWithTheSameKey) {
  const auto now = core::from_unix(1'800'000'000);
  auto first = load_issuer_keys({std::nullopt, dir_}, 7200s, now);
  ASSERT_TRUE(first) << first.error();
  auto second = load_issuer_keys({std::nullopt, dir_}, 7200s, now);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(first->current().kid(), second->current().kid());
  EXPECT_EQ(second->keys().size(), 1u);
}

TEST_F(IssuerKeys, ARotatedKeyIsPublishedAtOnceAndSignsAfterkPublishAhead) {
  const auto now = core::from_unix(1'800'000'000);
  auto before = load_issuer_keys({std::nullopt, dir_}, 7200s, now);
  ASSERT_TRUE(before) << before.error();
  auto kid = rotate_issuer_key(dir_, now + 10s);
  ASSERT_TRUE(kid) << kid.error();
  EXPECT_NE(*kid, before->current().kid());
  auto again = rotate_issuer_key(dir_, now + 10s);
  EXPECT_FALSE(again) << "one rotation per second, never over a key in use";
  // Published at once, signing kPublishAhead later: every gateway sharing the dir knows it by then.
  auto published = load_issuer_keys({std::nullopt, dir_}, 7200s, now + 11s);
  ASSERT_TRUE(published) << published.error();
  EXPECT_EQ(published->current().kid(), before->current().kid());
  EXPECT_EQ(published->published(now + 11s).keys().size(), 2u);
  auto after = load_issuer_keys({std::nullopt, dir_}, 7200s, now + 10s + kPublishAhead);
  ASSERT_TRUE(after) << after.error();
  EXPECT_EQ(after->current().kid(), *kid);
  EXPECT_EQ(after->published(now + 10s + kPublishAhead).keys().size(), 2u);
}

}  // namespace
}  // namespace faasgate::app
