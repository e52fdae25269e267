#include "faasgate/oauth/keyring.hpp"

#include <gtest/gtest.h>

namespace faasgate::oauth {
namespace {

using std::chrono::hours;

std::vector<std::string> kids(const jose::KeySet& set) {
  std::vector<std::string> out;
  for (const auto& k : set.keys()) out.push_back(k.kid());
  return out;
}

TEST(KeyRing, NewestKeySignsAndOldKeysRetireAfterTheLongestTokenLifetime) {
  auto a = jose::Signer::generate();
  auto b = jose::Signer::generate();
  const auto t0 = core::from_unix(1'000'000);
  const auto t1 = t0 + hours(10);
  KeyRing ring({{b, t1}, {a, t0}}, hours(2));
  EXPECT_EQ(ring.current().kid(), b.kid());
  // Tokens signed by `a` just before t1 live until t1 + 2h: `a` stays published until then.
  EXPECT_EQ(kids(ring.published(t1)), (std::vector<std::string>{a.kid(), b.kid()}));
  EXPECT_EQ(kids(ring.published(t1 + hours(2) - std::chrono::seconds(1))), (std::vector<std::string>{a.kid(), b.kid()}));
  EXPECT_EQ(kids(ring.published(t1 + hours(2))), (std::vector<std::string>{b.kid()}));
  EXPECT_EQ(ring.next_change(t1), t1 + hours(2));
  EXPECT_EQ(ring.next_change(t1 + hours(3)), core::Instant::max());
}

// Gateways sharing a key directory load a new key within a second of each other: it is
// published at once and signs only publish_ahead later, so no gateway mints a token the others
// cannot verify yet.
TEST(KeyRing, ANewKeyIsPublishedBeforeItSigns) {
  using std::chrono::seconds;
  auto a = jose::Signer::generate();
  auto b = jose::Signer::generate();
  const auto t0 = core::from_unix(1'000'000);
  const auto t1 = t0 + hours(10);
  const auto ahead = seconds(5);
  KeyRing early({{a, t0}, {b, t1}}, hours(2), t1 + seconds(1), ahead);
  EXPECT_EQ(early.current().kid(), a.kid());  // b is too new to sign
  EXPECT_EQ(kids(early.published(t1 + seconds(1))), (std::vector<std::string>{a.kid(), b.kid()}));
  EXPECT_EQ(early.next_change(t1 + seconds(1)), t1 + ahead);  // when b begins to sign: reload then
  KeyRing later({{a, t0}, {b, t1}}, hours(2), t1 + ahead, ahead);
  EXPECT_EQ(later.current().kid(), b.kid());
  // a signed until t1 + 5s: its tokens live until t1 + 5s + 2h.
  EXPECT_EQ(kids(later.published(t1 + ahead + hours(2) - seconds(1))), (std::vector<std::string>{a.kid(), b.kid()}));
  EXPECT_EQ(kids(later.published(t1 + ahead + hours(2))), (std::vector<std::string>{b.kid()}));
  EXPECT_EQ(later.next_change(t1 + ahead), t1 + ahead + hours(2));
  // A first key signs at once; of two keys both too new, the older signs.
  EXPECT_EQ(KeyRing({{a, t0}}, hours(2), t0, ahead).current().kid(), a.kid());
  EXPECT_EQ(KeyRing({{a, t0}}, hours(2), t0, ahead).next_change(t0), core::Instant::max());  // it signs already
  EXPECT_EQ(KeyRing({{a, t1}, {b, t1 + seconds(1)}}, hours(2), t1 + seconds(2), ahead).current().kid(), a.kid());
}

TEST(KeyRing, KidIsTheThumbprint) {
  auto a = jose::Signer::generate();
  EXPECT_EQ(a.kid(), a.public_key().thumbprint());
}

TEST(KeyRing, EmptyIsRefused) { EXPECT_THROW(KeyRing({}, hours(1)), std::invalid_argument); }

}  // namespace
}  // namespace faasgate::oauth
