#include "reloader.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace faasgate::app {
namespace {

TEST(Reloader, RunsItsChoresInOrderEveryPeriodAndNoneAfterStop) {
  std::mutex mu;
  std::vector<int> ran;
  std::atomic<int> rounds{0};
  Reloader reloader(std::chrono::milliseconds(5), {[&] {
                                                     std::lock_guard lock(mu);
                                                     ran.push_back(1);
                                                   },
                                                   [&] {
                                                     std::lock_guard lock(mu);
                                                     ran.push_back(2);
                                                     ++rounds;
                                                   }});
  reloader.start();
  while (rounds < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  reloader.stop();
  std::lock_guard lock(mu);
  const auto after_stop = ran.size();
  ASSERT_GE(after_stop, 6u);
  ASSERT_EQ(after_stop % 2, 0u);  // a round is never cut in half
  for (std::size_t i = 0; i < after_stop; ++i) EXPECT_EQ(ran[i], i % 2 == 0 ? 1 : 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ran.size(), after_stop);
}

TEST(Reloader, StopsWithoutWaitingForAPeriod) {
  Reloader reloader(std::chrono::hours(1), {[] {}});
  reloader.start();
  reloader.stop();  // returns at once; the test would time out otherwise
  reloader.stop();  // and may be asked twice
}

}  // namespace
}  // namespace faasgate::app
