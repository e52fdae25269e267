#include "core/unique_id.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "core/base64.hpp"

namespace faasgate::core {
namespace {

TEST(UniqueId, IsBase64urlOf16Bytes) {
  auto id = unique_id();
  EXPECT_EQ(id.size(), 22u);
  auto decoded = base64url_decode(id);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->size(), 16u);
}

TEST(UniqueId, NeverRepeatsWithinOrAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) made[t].push_back(unique_id());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& ids : made) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(UniqueId, ThreadsDrawDifferentRandomHalves) {
  std::string a = unique_id(), b;
  std::thread([&] { b = unique_id(); }).join();
  auto da = *base64url_decode(a), db = *base64url_decode(b);
  EXPECT_NE(std::vector<std::uint8_t>(da.begin(), da.begin() + 8), std::vector<std::uint8_t>(db.begin(), db.begin() + 8));
}

}  // namespace
}  // namespace faasgate::core
