#include "faasgate/api/stream_quota.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace faasgate::api {
namespace {

TEST(StreamQuota, CapsPerCallerAndInTotalAndGivesSlotsBack) {
  StreamQuota quota(3, 2);
  auto a1 = quota.acquire("a");
  auto a2 = quota.acquire("a");
  ASSERT_TRUE(a1 && a2);
  auto a3 = quota.acquire("a");
  ASSERT_FALSE(a3.has_value());
  EXPECT_NE(a3.error().find("per caller"), std::string::npos);
  auto b1 = quota.acquire("b");
  ASSERT_TRUE(b1.has_value());
  auto b2 = quota.acquire("b");
  ASSERT_FALSE(b2.has_value());
  EXPECT_NE(b2.error().find("at most 3"), std::string::npos);
  EXPECT_EQ(quota.open(), 3u);
  {
    auto copy = *a1;  // a copy keeps the slot
    *a1 = nullptr;
    EXPECT_EQ(quota.open(), 3u);
  }
  EXPECT_EQ(quota.open(), 2u);
  EXPECT_TRUE(quota.acquire("a").has_value());  // its slot came back (and went again at once)
  EXPECT_EQ(quota.open(), 2u);
}

TEST(StreamQuota, SlotsMayOutliveTheQuota) {
  StreamQuota::Slot kept;
  {
    StreamQuota quota(1, 1);
    kept = *quota.acquire("a");
  }
  kept.reset();  // no use after free (ASan would say)
}

}  // namespace
}  // namespace faasgate::api
