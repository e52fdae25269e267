#include "faasgate/core/unique_id.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <set>
#include <thread>
#include <vector>


namespace faasgate::core {
namespace {

// Upstream's X-Call-Id is a UUID and tools correlate on it: a version 4 UUID's form.
// xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx, lowercase hex.
bool is_v4_uuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
    if (!dash && !((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return false;
  }
  return id[14] == '4' && std::string_view("89ab").find(id[19]) != std::string_view::npos;
}

TEST(UniqueId, IsAVersion4Uuid) {
  for (int i = 0; i < 100; ++i) {
    auto id = unique_id();
    EXPECT_TRUE(is_v4_uuid(id)) << id;
  }
  EXPECT_FALSE(is_v4_uuid("00000000-0000-1000-8000-000000000000"));
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
  // The first 64 bits (16 hex digits and two dashes) are the thread's random half.
  EXPECT_NE(a.substr(0, 18), b.substr(0, 18));
}

}  // namespace
}  // namespace faasgate::core
