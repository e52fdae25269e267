#include "faasgate/core/duration.hpp"

#include <gtest/gtest.h>

namespace faasgate::core {
namespace {

using namespace std::chrono_literals;

std::optional<std::chrono::nanoseconds> d(std::string_view s) { return parse_go_duration(s); }

TEST(GoDuration, AcceptsTheUsualForms) {
  EXPECT_EQ(d("30m"), std::chrono::nanoseconds(30min));
  EXPECT_EQ(d("2h"), std::chrono::nanoseconds(2h));
  EXPECT_EQ(d("1h30m"), std::chrono::nanoseconds(90min));
  EXPECT_EQ(d("90s"), std::chrono::nanoseconds(90s));
  EXPECT_EQ(d("1.5h"), std::chrono::nanoseconds(90min));
  EXPECT_EQ(d("0"), std::chrono::nanoseconds(0));
  EXPECT_EQ(d("0s"), std::chrono::nanoseconds(0));
  EXPECT_EQ(d("+5m"), std::chrono::nanoseconds(5min));
  EXPECT_EQ(d("300ms"), std::chrono::nanoseconds(300ms));
  EXPECT_EQ(d("1h2m3s4ms5us6ns"), std::chrono::nanoseconds(1h + 2min + 3s + 4ms + 5us + 6ns));
  EXPECT_EQ(d("1\xC2\xB5s"), std::chrono::nanoseconds(1us));
  EXPECT_EQ(d(".5s"), std::chrono::nanoseconds(500ms));
  EXPECT_EQ(d("1.s"), std::chrono::nanoseconds(1s));
  EXPECT_EQ(d("2h2h"), std::chrono::nanoseconds(4h));  // Go accepts repeated units
}

TEST(GoDuration, RejectsNegativesAndGarbage) {
  for (const char* bad : {"", "-1h", "-0", "1", "h", "1x", "1 h", " 1h", "1h ", "1d", "1H", ".", ".h", "1..5h",
                          "1h-30m", "abc", "+", "--1h", "1e3s", "0x10s", "∞"}) {
    EXPECT_FALSE(d(bad).has_value()) << bad;
  }
}

TEST(GoDuration, RejectsOverflow) {
  EXPECT_FALSE(d("9999999999999999999h").has_value());
  EXPECT_FALSE(d("2562048h").has_value());  // > int64 nanoseconds (~2562047h)
  EXPECT_TRUE(d("2562047h").has_value());
}

}  // namespace
}  // namespace faasgate::core
