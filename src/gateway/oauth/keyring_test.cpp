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

TEST(KeyRing, KidIsTheThumbprint) {
  auto a = jose::Signer::generate();
  EXPECT_EQ(a.kid(), a.public_key().thumbprint());
}

TEST(KeyRing, EmptyIsRefused) { EXPECT_THROW(KeyRing({}, hours(1)), std::invalid_argument); }

}  // namespace
}  // namespace faasgate::oauth
