#include "faasgate/core/rfc3339.hpp"

#include <gtest/gtest.h>

namespace faasgate::core {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_seconds;

sys_seconds unix_time(long long s) { return sys_seconds{std::chrono::seconds{s}}; }

TEST(Rfc3339, Formats) {
  EXPECT_EQ(format_rfc3339(unix_time(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(unix_time(1772953200)), "2026-03-08T07:00:00Z");
  EXPECT_EQ(format_rfc3339(unix_time(1772953200), -4h), "2026-03-08T03:00:00-04:00");
  EXPECT_EQ(format_rfc3339(unix_time(1772953200), 5h + 45min), "2026-03-08T12:45:00+05:45");
  EXPECT_EQ(format_rfc3339(unix_time(1772953200), 0s), "2026-03-08T07:00:00+00:00");
  EXPECT_EQ(format_rfc3339(unix_time(-1), -30min), "1969-12-31T23:29:59-00:30");
  // An offset with seconds cannot be written: UTC instead.
  EXPECT_EQ(format_rfc3339(unix_time(0), -(4h + 56min + 2s)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(kFirstRfc3339), "0001-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(kLastRfc3339), "9999-12-31T23:59:59Z");
}

TEST(Rfc3339, Parses) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), unix_time(0));
  EXPECT_EQ(parse_rfc3339("2026-03-08T03:00:00-04:00"), unix_time(1772953200));
  EXPECT_EQ(parse_rfc3339("2026-03-08t07:00:00z"), unix_time(1772953200));
  EXPECT_EQ(parse_rfc3339("2026-03-08T12:45:00+05:45"), unix_time(1772953200));
  EXPECT_EQ(parse_rfc3339("2026-03-08T07:00:00.999999Z"), unix_time(1772953200));  // the fraction is dropped
  EXPECT_EQ(parse_rfc3339("2028-02-29T00:00:00Z"), unix_time(1835395200));
  EXPECT_EQ(parse_rfc3339("0001-01-01T00:00:00Z"), kFirstRfc3339);
  EXPECT_EQ(parse_rfc3339("9999-12-31T23:59:59Z"), kLastRfc3339);
  for (const char* bad : {"", "2026-03-08", "2026-03-08T07:00:00", "2026-03-08 07:00:00Z", "2026-03-08T07:00Z",
                          "2026-13-08T07:00:00Z", "2026-02-29T07:00:00Z", "2026-03-08T24:00:00Z",
                          "2026-03-08T07:60:00Z", "2026-03-08T07:00:00.Z", "2026-03-08T07:00:00+0400",
                          "2026-03-08T07:00:00+24:00", "2026-03-08T07:00:00ZZ", "0000-01-01T00:00:00Z",
                          "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01", "+2026-03-08T07:00:00Z",
                          "2026-03-08T07:00:00Z\n"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

// Go's time.Time writes nanoseconds, and logs keep them.
TEST(Rfc3339, KeepsTheFractionToTheNanosecond) {
  const auto base = NanoTime(unix_time(1772953200));
  EXPECT_EQ(parse_rfc3339_nanos("2026-03-08T07:00:00.5Z"), base + 500ms);
  EXPECT_EQ(parse_rfc3339_nanos("2026-03-08T07:00:00.000000123Z"), base + 123ns);
  EXPECT_EQ(parse_rfc3339_nanos("2026-03-08T07:00:00.0000001239Z"), base + 123ns);  // beyond the ninth digit: dropped
  EXPECT_EQ(parse_rfc3339_nanos("2026-03-08T08:00:00.25+01:00"), base + 250ms);
  EXPECT_EQ(format_rfc3339_nanos(base + 123ns), "2026-03-08T07:00:00.000000123Z");
  EXPECT_EQ(format_rfc3339_nanos(base), "2026-03-08T07:00:00.000000000Z");
  EXPECT_EQ(format_rfc3339_nanos(NanoTime(unix_time(-1)) + 1ns), "1969-12-31T23:59:59.000000001Z");
  for (auto t : {base, base + 1ns, base + 999'999'999ns}) EXPECT_EQ(parse_rfc3339_nanos(format_rfc3339_nanos(t)), t);
  EXPECT_EQ(parse_rfc3339("2026-03-08T06:59:59.999999999Z"), unix_time(1772953199));  // floored
}

}  // namespace
}  // namespace faasgate::core
