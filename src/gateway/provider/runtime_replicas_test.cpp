// The choice of a replica is pure over the function's entry; the supervisor itself is exercised
// with real processes in runtime_test.cpp.
#include "runtime_replicas.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace faasgate::provider::detail {
namespace {

class PickReady : public ::testing::Test {
 protected:
  void SetUp() override {
    auto spec = std::make_shared<CompiledSpec>();
    spec->mode = Mode::http;
    entry_.spec = spec;
    for (std::uint32_t i = 0; i < 3; ++i) {
      auto r = std::make_shared<Replica>(io_, spec, i);
      r->endpoint = {boost::asio::ip::address_v4::loopback(), static_cast<unsigned short>(8000 + i)};
      r->generation = 10 + i;
      entry_.running.push_back(r);
    }
  }
  std::uint32_t next() {
    auto e = pick_ready(entry_);
    EXPECT_TRUE(e.has_value());
    return e ? e->replica : 99;
  }

  boost::asio::io_context io_;
  FunctionEntry entry_;
};

TEST_F(PickReady, NoneWhileNoReplicaIsReady) {
  EXPECT_FALSE(pick_ready(entry_));
  EXPECT_EQ(ready_replicas(entry_), 0u);
  entry_.running.clear();
  EXPECT_FALSE(pick_ready(entry_));
}

TEST_F(PickReady, RoundRobinOverTheReadyOnes) {
  for (auto& r : entry_.running) r->ready = true;
  EXPECT_EQ(ready_replicas(entry_), 3u);
  EXPECT_EQ(next(), 0u);
  EXPECT_EQ(next(), 1u);
  EXPECT_EQ(next(), 2u);
  EXPECT_EQ(next(), 0u);
  entry_.running[1]->ready = false;
  EXPECT_EQ(ready_replicas(entry_), 2u);
  EXPECT_EQ(next(), 2u);  // 1 is skipped
  EXPECT_EQ(next(), 0u);
  EXPECT_EQ(next(), 2u);
}

TEST_F(PickReady, TellsWhichProcessItHandedOut) {
  entry_.running[2]->ready = true;
  auto e = pick_ready(entry_);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->replica, 2u);
  EXPECT_EQ(e->generation, 12u);  // report_failure names the process by it
  EXPECT_EQ(e->endpoint.port(), 8002);
}

}  // namespace
}  // namespace faasgate::provider::detail
