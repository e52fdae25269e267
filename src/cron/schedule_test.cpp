#include "faasgate/cron/schedule.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <limits>
#include <string>

#include "faasgate/cron/rfc3339.hpp"

namespace faasgate::cron {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_seconds;

sys_seconds at(std::string_view text) {
  auto t = parse_rfc3339(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(sys_seconds{});
}

std::uint64_t bits(std::initializer_list<int> values) {
  std::uint64_t out = 0;
  for (int v : values) out |= std::uint64_t{1} << v;
  return out;
}

std::uint64_t range_bits(int low, int high, int step = 1) {
  std::uint64_t out = 0;
  for (int v = low; v <= high; v += step) out |= std::uint64_t{1} << v;
  return out;
}

// Zones from POSIX rules alone: these tests do not depend on the tzdata installed. The
// Zoned tests below run the same cases over the system's files too.
const MemoryZones& rule_zones() {
  static const MemoryZones zones = [] {
    MemoryZones z;
    for (auto [name, rule] : {std::pair{"America/New_York", "EST5EDT,M3.2.0,M11.1.0"},
                              std::pair{"Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"},
                              std::pair{"America/Havana", "CST5CDT,M3.2.0/0,M11.1.0/1"},
                              std::pair{"Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"},
                              std::pair{"Asia/Kolkata", "IST-5:30"}}) {
      z.add(std::make_shared<const TimeZone>(TimeZone::from_posix(name, rule).value()));
    }
    return z;
  }();
  return zones;
}

Schedule parse_ok(std::string_view text, const ZoneSource& zones = rule_zones()) {
  auto s = parse_schedule(text, zones);
  EXPECT_TRUE(s.has_value()) << text << ": " << (s ? "" : s.error().message) << " at "
                             << (s ? 0 : s.error().position);
  return s ? *s : Schedule{};
}

Fields fields(std::string_view text) {
  auto s = parse_ok(text);
  if (s.rules().size() != 1 || !std::holds_alternative<Fields>(s.rules()[0].when)) {
    ADD_FAILURE() << text << " is not one five-field schedule";
    return {};
  }
  return std::get<Fields>(s.rules()[0].when);
}

ParseError parse_error(std::string_view text) {
  auto s = parse_schedule(text, rule_zones());
  EXPECT_FALSE(s.has_value()) << text << " parsed";
  return s ? ParseError{} : s.error();
}

// The next `n` fire times after `from`, as the schedule shows them, separated by spaces.
std::string next(std::string_view text, std::string_view from, int n = 1, const ZoneSource& zones = rule_zones()) {
  auto schedule = parse_ok(text, zones);
  std::string out;
  auto t = at(from);
  for (int i = 0; i < n; ++i) {
    auto fire = next_after(schedule, t);
    if (!fire) {
      out += (out.empty() ? "" : " ") + std::string("none");
      break;
    }
    EXPECT_GT(*fire, t) << text;
    out += (out.empty() ? "" : " ") + format_fire_time(schedule, *fire);
    t = *fire;
  }
  return out;
}

// --- syntax ----------------------------------------------------------------------------------

TEST(CronSyntax, StarValuesListsAndRanges) {
  const auto f = fields("* 0 1 1 0");
  EXPECT_EQ(f.minutes, range_bits(0, 59));
  EXPECT_EQ(f.hours, bits({0}));
  EXPECT_EQ(f.days_of_month, bits({1}));
  EXPECT_EQ(f.months, bits({1}));
  EXPECT_EQ(f.days_of_week, bits({0}));

  EXPECT_EQ(fields("1,2,30 * * * *").minutes, bits({1, 2, 30}));
  EXPECT_EQ(fields("5-10 * * * *").minutes, range_bits(5, 10));
  EXPECT_EQ(fields("5-10,20,40-41 * * * *").minutes, range_bits(5, 10) | bits({20, 40, 41}));
  EXPECT_EQ(fields("* 9-17 * * *").hours, range_bits(9, 17));
  EXPECT_EQ(fields("* * 31 * *").days_of_month, bits({31}));
  EXPECT_EQ(fields("* * * 12 *").months, bits({12}));
  EXPECT_EQ(fields("7,7,07 * * * *").minutes, bits({7}));  // repeats and leading zeros
  EXPECT_EQ(fields("  0\t0  * *   *  ").minutes, bits({0}));  // any ASCII whitespace between fields
  EXPECT_EQ(fields("0 0 * *\n*").hours, bits({0}));
}

TEST(CronSyntax, Steps) {
  EXPECT_EQ(fields("*/15 * * * *").minutes, bits({0, 15, 30, 45}));
  EXPECT_EQ(fields("*/7 * * * *").minutes, range_bits(0, 59, 7));
  EXPECT_EQ(fields("10-30/10 * * * *").minutes, bits({10, 20, 30}));
  EXPECT_EQ(fields("10-35/10 * * * *").minutes, bits({10, 20, 30}));
  // "a/n" is "a-max/n", as Vixie cron and croniter read it.
  EXPECT_EQ(fields("50/3 * * * *").minutes, bits({50, 53, 56, 59}));
  EXPECT_EQ(fields("* 20/2 * * *").hours, bits({20, 22}));
  EXPECT_EQ(fields("* * 5/10 * *").days_of_month, bits({5, 15, 25}));
  EXPECT_EQ(fields("* * * 2/3 *").months, bits({2, 5, 8, 11}));
  EXPECT_EQ(fields("* * */2 * *").days_of_month, range_bits(1, 31, 2));
  EXPECT_EQ(fields("* * * */5 *").months, bits({1, 6, 11}));
  // A step beyond the range leaves its first value.
  EXPECT_EQ(fields("*/60 * * * *").minutes, bits({0}));
  EXPECT_EQ(fields("5/100 * * * *").minutes, bits({5}));
}

TEST(CronSyntax, DayOfWeekRunsToSevenWhichIsSunday) {
  EXPECT_EQ(fields("* * * * 7").days_of_week, bits({0}));
  EXPECT_EQ(fields("* * * * 0,7").days_of_week, bits({0}));
  EXPECT_EQ(fields("* * * * 5-7").days_of_week, bits({5, 6, 0}));
  EXPECT_EQ(fields("* * * * */2").days_of_week, bits({0, 2, 4, 6}));
  EXPECT_EQ(fields("* * * * 1/2").days_of_week, bits({1, 3, 5, 0}));  // 1-7/2: 7 is Sunday
  EXPECT_EQ(fields("* * * * 3/4").days_of_week, bits({3, 0}));
  EXPECT_EQ(fields("* * * * 0-7").days_of_week, range_bits(0, 6));
  EXPECT_EQ(fields("* * * * 1-7").days_of_week, range_bits(0, 6));
}

TEST(CronSyntax, MonthAndDayNamesInAnyCase) {
  EXPECT_EQ(fields("* * * JAN *").months, bits({1}));
  EXPECT_EQ(fields("* * * dec *").months, bits({12}));
  EXPECT_EQ(fields("* * * Jun,AUG,oct *").months, bits({6, 8, 10}));
  EXPECT_EQ(fields("* * * MAR-may *").months, bits({3, 4, 5}));
  EXPECT_EQ(fields("* * * JAN-DEC/3 *").months, bits({1, 4, 7, 10}));
  EXPECT_EQ(fields("* * * FEB/4 *").months, bits({2, 6, 10}));
  EXPECT_EQ(fields("* * * 2-APR *").months, bits({2, 3, 4}));
  EXPECT_EQ(fields("* * * * SUN").days_of_week, bits({0}));
  EXPECT_EQ(fields("* * * * mon-fri").days_of_week, range_bits(1, 5));
  EXPECT_EQ(fields("* * * * Mon-Fri/2").days_of_week, bits({1, 3, 5}));
  EXPECT_EQ(fields("* * * * sat,Sun").days_of_week, bits({6, 0}));
  // A range may end on Sunday, written SUN or 0: the week's 7.
  EXPECT_EQ(fields("* * * * FRI-SUN").days_of_week, bits({5, 6, 0}));
  EXPECT_EQ(fields("* * * * 5-0").days_of_week, bits({5, 6, 0}));
  EXPECT_EQ(fields("* * * * SUN-SAT").days_of_week, range_bits(0, 6));
  EXPECT_EQ(fields("* * * * SUN-SUN").days_of_week, bits({0}));
}

TEST(CronSyntax, DayFieldsAreRestrictedUnlessTheyHoldEveryValue) {
  for (const char* every : {"* * * * *", "* * */1 * */1", "* * 1-31 * 0-6", "* * 1-31 * 0-7", "* * * * SUN-SAT",
                            "* * 1-10,11-31 * 1-7", "* * 1/1 * 0/1"}) {
    const auto f = fields(every);
    EXPECT_FALSE(f.days_of_month_restricted) << every;
    EXPECT_FALSE(f.days_of_week_restricted) << every;
  }
  // croniter 1.3.5 compares the expanded list with '*': "*/2" restricts (Vixie cron would not).
  for (const char* some : {"* * */2 * */2", "* * 1-30 * 1-6", "* * 2/1 * 2/1", "* * 15 * MON"}) {
    const auto f = fields(some);
    EXPECT_TRUE(f.days_of_month_restricted) << some;
    EXPECT_TRUE(f.days_of_week_restricted) << some;
  }
}

TEST(CronSyntax, Descriptors) {
  const std::pair<const char*, const char*> same[] = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
      {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},  {"@DAILY", "0 0 * * *"},
      {"  @Hourly ", "0 * * * *"},
  };
  for (auto [descriptor, expansion] : same) EXPECT_EQ(fields(descriptor), fields(expansion)) << descriptor;
}

TEST(CronSyntax, Every) {
  auto every = [](std::string_view text) {
    auto s = parse_ok(text);
    return std::get<Every>(s.rules().at(0).when).interval;
  };
  EXPECT_EQ(every("@every 1h30m"), 90min);
  EXPECT_EQ(every("@every 90s"), 90s);
  EXPECT_EQ(every("@EVERY 2h"), 2h);
  // robfig/cron's Every: truncated to whole seconds, at least one.
  EXPECT_EQ(every("@every 1.9s"), 1s);
  EXPECT_EQ(every("@every 500ms"), 1s);
  EXPECT_EQ(every("@every 0s"), 1s);
  EXPECT_EQ(every("@every 2562047h"), std::chrono::duration_cast<std::chrono::seconds>(2562047h));

  // next = from + interval: no anchor to the minute or the hour.
  EXPECT_EQ(next("@every 1h30m", "2026-01-01T10:17:03Z", 3), "2026-01-01T11:47:03Z 2026-01-01T13:17:03Z 2026-01-01T14:47:03Z");
  EXPECT_EQ(next("@every 1s", "2026-01-01T00:00:00Z", 2), "2026-01-01T00:00:01Z 2026-01-01T00:00:02Z");
  // A zone prefix changes only how the times are shown.
  EXPECT_EQ(next("CRON_TZ=America/New_York @every 1h", "2026-03-08T06:30:00Z", 2),
            "2026-03-08T03:30:00-04:00 2026-03-08T04:30:00-04:00");
}

// --- errors ------------------------------------------------------------------------------------

TEST(CronErrors, CarryTheMessageAndThePosition) {
  struct Case {
    const char* text;
    std::size_t position;
    const char* message;
  };
  const Case cases[] = {
      {"61 * * * *", 0, "minute: 61 is out of range 0-59"},
      {"0 24 * * *", 2, "hour: 24 is out of range 0-23"},
      {"0 0 0 * *", 4, "day-of-month: 0 is out of range 1-31"},
      {"0 0 32 * *", 4, "day-of-month: 32 is out of range 1-31"},
      {"0 0 * 13 *", 6, "month: 13 is out of range 1-12"},
      {"0 0 * 0 *", 6, "month: 0 is out of range 1-12"},
      {"0 0 * * 8", 8, "day-of-week: 8 is out of range 0-7"},
      {"1,2,60 * * * *", 4, "minute: 60 is out of range 0-59"},
      {"5-70 * * * *", 2, "minute: 70 is out of range 0-59"},
      {"1234567 * * * *", 0, "minute: 1234567 is out of range 0-59"},
      {"30-10 * * * *", 0, "minute: range 30-10 runs backwards (30 > 10)"},
      {"* * * * SAT-MON", 8, "day-of-week: range SAT-MON runs backwards (6 > 1)"},
      {"*/0 * * * *", 2, "minute: a step of 0 never advances"},
      {"1-5/0 * * * *", 4, "minute: a step of 0 never advances"},
      {"*/ * * * *", 2, "minute: expected a step (a number) after '/'"},
      {"*/x * * * *", 2, "minute: expected a step (a number) after '/'"},
      {"*/1000 * * * *", 2, "minute: step 1000 is too large"},
      {"*/99999999999 * * * *", 2, "minute: step 99999999999 is too large"},
      {"0 0 * * 123456789012345678901234567890", 8, "day-of-week: 12345678901234567890... is out of range 0-7"},
      {"1,,2 * * * *", 2, "minute: empty list item"},
      {"1, * * * *", 2, "minute: empty list item"},
      {",1 * * * *", 0, "minute: empty list item"},
      {"5- * * * *", 2, "minute: expected a value"},
      {"-5 * * * *", 0, "minute: unexpected \"-\""},
      {"1-2-3 * * * *", 3, "minute: unexpected \"-\""},
      {"** * * * *", 1, "minute: unexpected \"*\""},
      {"*-5 * * * *", 1, "minute: unexpected \"-\""},
      {"5x * * * *", 1, "minute: unexpected \"x\""},
      {"jan * * * *", 0, "minute: \"jan\" is not a number"},
      {"0 0 * JANUARY *", 6, "month: unknown name \"JANUARY\" (JAN-DEC)"},
      {"0 0 * * Funday", 8, "day-of-week: unknown name \"Funday\" (SUN-SAT)"},
      {"0 0 * MON *", 6, "month: unknown name \"MON\" (JAN-DEC)"},
      {"0 0 ? * *", 4, "day-of-month: unexpected \"?\""},
      {"0 0 L * *", 4, "day-of-month: \"L\" is not a number"},
      {"0 0 * * 1#2", 9, "day-of-week: unexpected \"#\""},
      {"0 0 * *", 7, "expected 5 fields (minute hour day-of-month month day-of-week), found 4"},
      {"0 0 * * * *", 10, "expected 5 fields (minute hour day-of-month month day-of-week), found 6"},
      {"@daily 5", 7, "unexpected \"5\" after @daily"},
      {"@fortnightly", 0, "unknown descriptor \"@fortnightly\""},
      {"@every", 6, "@every needs a duration (e.g. 90s, 5m, 1h30m)"},
      {"@every 5", 7, "@every: \"5\" is not a Go duration (e.g. 90s, 5m, 1h30m)"},
      {"@every -5s", 7, "@every: \"-5s\" is not a Go duration"},
      {"@every 1d", 7, "@every: \"1d\" is not a Go duration"},
      {"@every 5m 10s", 10, "unexpected \"10s\" after @every 5m"},
      {"CRON_TZ=Mars/Olympus 0 0 * * *", 8, "unknown time zone \"Mars/Olympus\""},
      {"TZ=../etc/passwd 0 0 * * *", 3, "\"../etc/passwd\" is not a time zone name"},
      {"CRON_TZ= 0 0 * * *", 8, "expected a time zone name after CRON_TZ="},
      {"CRON_TZ=Europe/Berlin", 21, "expected a schedule after the time zone"},
      {"CRON_TZ=Europe/Berlin 0 0 * * 9", 30, "day-of-week: 9 is out of range 0-7"},
      {"", 0, "empty expression"},
      {"   ", 0, "empty expression"},
      {"0 0 * * *;", 9, "empty schedule between ';'s"},
      {"0 0 * * *; ;@daily", 9, "empty schedule between ';'s"},
      {";@daily", 0, "empty schedule between ';'s"},
      {"@daily; 61 * * * *", 8, "minute: 61 is out of range 0-59"},
      {"0 0 * * *\x01", 9, "unexpected byte 0x01 (only ASCII text)"},
      {"0 0 * * \xc3\xa9", 8, "unexpected byte 0xc3 (only ASCII text)"},
  };
  for (const auto& c : cases) {
    const auto e = parse_error(c.text);
    EXPECT_EQ(e.position, c.position) << c.text << ": " << e.message;
    EXPECT_EQ(e.message.substr(0, std::string_view(c.message).size()), c.message) << c.text;
    EXPECT_LE(e.position, std::string_view(c.text).size()) << c.text;
  }
}

TEST(CronErrors, InputIsBounded) {
  std::string long_text = "0 0 * * *" + std::string(kMaxExpressionBytes, ' ');
  auto e = parse_error(long_text);
  EXPECT_EQ(e.position, kMaxExpressionBytes);
  EXPECT_EQ(e.message, "the expression is longer than 1024 characters");
  EXPECT_TRUE(parse_schedule(long_text.substr(0, kMaxExpressionBytes), rule_zones()).has_value());

  std::string many = "@hourly";
  for (std::size_t i = 1; i < kMaxSchedules; ++i) many += ";@hourly";
  EXPECT_EQ(parse_ok(many).rules().size(), kMaxSchedules);
  e = parse_error(many + "; @daily");
  EXPECT_EQ(e.position, many.size() + 2);
  EXPECT_EQ(e.message, "more than 16 schedules");
}

// --- fire times --------------------------------------------------------------------------------

TEST(CronNext, IsStrictlyAfterTheStart) {
  EXPECT_EQ(next("0 * * * *", "2026-01-01T10:00:00Z", 2), "2026-01-01T11:00:00Z 2026-01-01T12:00:00Z");
  EXPECT_EQ(next("0 * * * *", "2026-01-01T09:59:59Z"), "2026-01-01T10:00:00Z");
  EXPECT_EQ(next("* * * * *", "2026-01-01T10:00:30Z", 2), "2026-01-01T10:01:00Z 2026-01-01T10:02:00Z");
  EXPECT_EQ(next("*/15 9-10 * * *", "2026-01-01T10:50:00Z", 2), "2026-01-02T09:00:00Z 2026-01-02T09:15:00Z");
  EXPECT_EQ(next("30 23 31 12 *", "2026-06-01T00:00:00Z", 2), "2026-12-31T23:30:00Z 2027-12-31T23:30:00Z");
  EXPECT_EQ(next("@yearly", "2026-12-31T23:59:59Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(next("@weekly", "2026-03-04T12:00:00Z", 2), "2026-03-08T00:00:00Z 2026-03-15T00:00:00Z");  // Sundays
  EXPECT_EQ(next("@monthly", "2026-01-31T00:00:00Z", 2), "2026-02-01T00:00:00Z 2026-03-01T00:00:00Z");
}

TEST(CronNext, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // Friday the 13th's schedule fires on every 13th and every Friday.
  EXPECT_EQ(next("0 0 13 * FRI", "2026-02-01T00:00:00Z", 5),
            "2026-02-06T00:00:00Z 2026-02-13T00:00:00Z 2026-02-20T00:00:00Z 2026-02-27T00:00:00Z "
            "2026-03-06T00:00:00Z");
  EXPECT_EQ(next("0 0 13 * 3", "2026-05-01T00:00:00Z", 3),  // Wednesdays, and the 13th (a Wednesday too)
            "2026-05-06T00:00:00Z 2026-05-13T00:00:00Z 2026-05-20T00:00:00Z");
  // One unrestricted: the other alone decides.
  EXPECT_EQ(next("0 0 13 * *", "2026-02-01T00:00:00Z", 2), "2026-02-13T00:00:00Z 2026-03-13T00:00:00Z");
  EXPECT_EQ(next("0 0 * * FRI", "2026-02-01T00:00:00Z", 2), "2026-02-06T00:00:00Z 2026-02-13T00:00:00Z");
  // "*/2" restricts (croniter 1.3.5): odd days OR Mondays. "1-31" does not: Mondays alone.
  EXPECT_EQ(next("0 0 */2 * MON", "2026-03-01T00:00:00Z", 4),
            "2026-03-02T00:00:00Z 2026-03-03T00:00:00Z 2026-03-05T00:00:00Z 2026-03-07T00:00:00Z");
  EXPECT_EQ(next("0 0 1-31 * MON", "2026-03-01T00:00:00Z", 2), "2026-03-02T00:00:00Z 2026-03-09T00:00:00Z");
  EXPECT_EQ(next("0 0 1 * 0-7", "2026-03-02T00:00:00Z", 2), "2026-04-01T00:00:00Z 2026-05-01T00:00:00Z");
  // The month still applies to both.
  EXPECT_EQ(next("0 0 1 FEB MON", "2026-03-01T00:00:00Z", 3),
            "2027-02-01T00:00:00Z 2027-02-08T00:00:00Z 2027-02-15T00:00:00Z");
}

TEST(CronNext, LeapYearsAndMonthEnds) {
  EXPECT_EQ(next("0 0 29 2 *", "2025-01-01T00:00:00Z", 3), "2028-02-29T00:00:00Z 2032-02-29T00:00:00Z 2036-02-29T00:00:00Z");
  // 2100 is not a leap year: the longest wait of a schedule that fires, 8 years.
  EXPECT_EQ(next("0 0 29 2 *", "2096-02-29T00:00:00Z", 2), "2104-02-29T00:00:00Z 2108-02-29T00:00:00Z");
  EXPECT_EQ(next("0 0 29 2 *", "2000-01-01T00:00:00Z"), "2000-02-29T00:00:00Z");  // 2000 is
  EXPECT_EQ(next("0 0 31 * *", "2026-03-31T00:00:00Z", 3), "2026-05-31T00:00:00Z 2026-07-31T00:00:00Z 2026-08-31T00:00:00Z");
  EXPECT_EQ(next("0 0 30,31 1-3 *", "2026-01-30T12:00:00Z", 3), "2026-01-31T00:00:00Z 2026-03-30T00:00:00Z 2026-03-31T00:00:00Z");
  EXPECT_EQ(next("59 23 28-31 2 *", "2028-02-28T23:59:00Z", 2), "2028-02-29T23:59:00Z 2029-02-28T23:59:00Z");
  // Days no month has: never.
  EXPECT_EQ(next("0 0 30 2 *", "2026-01-01T00:00:00Z"), "none");
  EXPECT_EQ(next("0 0 31 4,6,9,11 *", "2026-01-01T00:00:00Z"), "none");
  EXPECT_EQ(next("0 0 30 2 *; @yearly", "2026-01-01T00:00:00Z"), "2027-01-01T00:00:00Z");
}

TEST(CronNext, SeveralSchedulesFireAtTheEarliest) {
  EXPECT_EQ(next("0 9 * * MON-FRI; 0 12 * * SAT,SUN", "2026-03-06T10:00:00Z", 4),  // from a Friday
            "2026-03-07T12:00:00Z 2026-03-08T12:00:00Z 2026-03-09T09:00:00Z 2026-03-10T09:00:00Z");
  // Two schedules at the same time fire once.
  EXPECT_EQ(next("0 * * * *;@hourly; 0 */2 * * *", "2026-01-01T00:00:00Z", 2), "2026-01-01T01:00:00Z 2026-01-01T02:00:00Z");
  EXPECT_EQ(next("@every 25m; 0 * * * *", "2026-01-01T00:00:00Z", 3), "2026-01-01T00:25:00Z 2026-01-01T00:50:00Z 2026-01-01T01:00:00Z");
}

TEST(CronNext, AZonePrefixHoldsUntilTheNext) {
  auto s = parse_ok("0 9 * * *; CRON_TZ=Europe/Berlin 0 9 * * *; 0 10 * * *; TZ=Asia/Kolkata 0 9 * * *");
  ASSERT_EQ(s.rules().size(), 4u);
  EXPECT_EQ(s.rules()[0].zone, nullptr);
  EXPECT_EQ(s.rules()[1].zone->name(), "Europe/Berlin");
  EXPECT_EQ(s.rules()[2].zone->name(), "Europe/Berlin");
  EXPECT_EQ(s.rules()[3].zone->name(), "Asia/Kolkata");
  EXPECT_EQ(s.rules()[2].position, 44u);
  EXPECT_EQ(s.display_zone(), nullptr);
  // UTC shown as Z without a prefix; times are shown in the first schedule's zone.
  EXPECT_EQ(next("0 9 * * *; CRON_TZ=Europe/Berlin 0 9 * * *", "2026-01-01T00:00:00Z", 2),
            "2026-01-01T08:00:00Z 2026-01-01T09:00:00Z");
  EXPECT_EQ(next("CRON_TZ=Europe/Berlin 0 9 * * *; 0 12 * * *", "2026-01-01T00:00:00Z", 2),
            "2026-01-01T09:00:00+01:00 2026-01-01T12:00:00+01:00");
  EXPECT_EQ(next("TZ=Asia/Kolkata 0 9 * * *", "2026-01-01T00:00:00Z"), "2026-01-01T09:00:00+05:30");
}

TEST(CronNext, OutsideYearsOneToNineThousandNineHundredNinetyNine) {
  auto s = parse_ok("@hourly");
  EXPECT_FALSE(next_after(s, kFirstInstant - 1s).has_value());
  EXPECT_FALSE(next_after(s, kLastInstant + 1s).has_value());
  EXPECT_FALSE(next_after(s, sys_seconds{std::chrono::seconds{std::numeric_limits<std::int64_t>::max()}}).has_value());
  EXPECT_FALSE(next_after(s, sys_seconds{std::chrono::seconds{std::numeric_limits<std::int64_t>::min()}}).has_value());
  EXPECT_EQ(next("@hourly", "0001-01-01T00:00:00Z"), "0001-01-01T01:00:00Z");
  EXPECT_EQ(next("@hourly", "9999-12-31T22:30:00Z", 2), "9999-12-31T23:00:00Z none");
  EXPECT_EQ(next("@every 2562047h", "9999-01-01T00:00:00Z"), "none");
}

// --- time zones: over the POSIX rules above and over the system's tzdata -------------------------

// Each case runs over both sources, named in a failure's trace.
template <class Body>
void over_both_sources(Body body) {
  for (auto [name, zones] : {std::pair<const char*, const ZoneSource*>{"POSIX rules", &rule_zones()},
                             std::pair<const char*, const ZoneSource*>{"system tzdata", &system_zones()}}) {
    SCOPED_TRACE(name);
    body(*zones);
  }
}

TEST(CronZones, LocalTimesInTheZone) {
  over_both_sources([](const ZoneSource& zones) {
    EXPECT_EQ(next("CRON_TZ=America/New_York 0 9 * * *", "2026-01-01T00:00:00Z", 2, zones),
              "2026-01-01T09:00:00-05:00 2026-01-02T09:00:00-05:00");
    EXPECT_EQ(next("CRON_TZ=America/New_York 0 9 * * *", "2026-07-01T00:00:00Z", 1, zones),
              "2026-07-01T09:00:00-04:00");
    // The day fields are the local day's.
    EXPECT_EQ(next("TZ=Australia/Sydney 0 8 * * MON", "2026-03-01T00:00:00Z", 1, zones), "2026-03-02T08:00:00+11:00");
  });
}

TEST(CronZones, ATimeSkippedBySpringForwardFiresOnceWhenTheClocksJump) {
  over_both_sources([](const ZoneSource& zones) {
    // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT (07:00Z); 02:30 is never shown.
    EXPECT_EQ(next("CRON_TZ=America/New_York 30 2 * * *", "2026-03-07T12:00:00-05:00", 3, zones),
              "2026-03-08T03:00:00-04:00 2026-03-09T02:30:00-04:00 2026-03-10T02:30:00-04:00");
    // Every time in the gap fires once, together, and 03:00 itself is the same instant.
    EXPECT_EQ(next("CRON_TZ=America/New_York 0,15,30,45 2,3 8 3 *", "2026-03-08T01:00:00-05:00", 4, zones),
              "2026-03-08T03:00:00-04:00 2026-03-08T03:15:00-04:00 2026-03-08T03:30:00-04:00 2026-03-08T03:45:00-04:00");
    EXPECT_EQ(next("CRON_TZ=America/New_York */15 * * * *", "2026-03-08T01:40:00-05:00", 3, zones),
              "2026-03-08T01:45:00-05:00 2026-03-08T03:00:00-04:00 2026-03-08T03:15:00-04:00");
    EXPECT_EQ(next("CRON_TZ=America/New_York 0 * * * *", "2026-03-08T00:30:00-05:00", 3, zones),
              "2026-03-08T01:00:00-05:00 2026-03-08T03:00:00-04:00 2026-03-08T04:00:00-04:00");
    // Uniformly so, hourly schedules too: 02:15 fires at the jump, then 03:15 as every hour.
    // (Vixie cron runs skipped times only for schedules without '*' in minute or hour.)
    EXPECT_EQ(next("CRON_TZ=America/New_York 15 * * * *", "2026-03-08T01:20:00-05:00", 2, zones),
              "2026-03-08T03:00:00-04:00 2026-03-08T03:15:00-04:00");
    // Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z).
    EXPECT_EQ(next("CRON_TZ=Europe/Berlin 30 2 * * *", "2026-03-28T12:00:00Z", 2, zones),
              "2026-03-29T03:00:00+02:00 2026-03-30T02:30:00+02:00");
    // Havana sets its clocks forward at midnight: 2026-03-08 has no 00:00.
    EXPECT_EQ(next("CRON_TZ=America/Havana @daily", "2026-03-07T12:00:00Z", 2, zones),
              "2026-03-08T01:00:00-04:00 2026-03-09T00:00:00-04:00");
  });
}

TEST(CronZones, ATimeShownTwiceByFallBackFiresOnceTheFirstTime) {
  over_both_sources([](const ZoneSource& zones) {
    // New York, 2026-11-01: 02:00 EDT becomes 01:00 EST (06:00Z); 01:00-01:59 are shown twice.
    EXPECT_EQ(next("CRON_TZ=America/New_York 30 1 * * *", "2026-10-31T12:00:00-04:00", 3, zones),
              "2026-11-01T01:30:00-04:00 2026-11-02T01:30:00-05:00 2026-11-03T01:30:00-05:00");
    EXPECT_EQ(next("CRON_TZ=America/New_York */20 * * * *", "2026-11-01T00:30:00-04:00", 6, zones),
              "2026-11-01T00:40:00-04:00 2026-11-01T01:00:00-04:00 2026-11-01T01:20:00-04:00 "
              "2026-11-01T01:40:00-04:00 2026-11-01T02:00:00-05:00 2026-11-01T02:20:00-05:00");
    // From inside the second pass, what the clocks showed the first time has fired already.
    EXPECT_EQ(next("CRON_TZ=America/New_York */20 * * * *", "2026-11-01T01:30:00-05:00", 2, zones),
              "2026-11-01T02:00:00-05:00 2026-11-01T02:20:00-05:00");
    EXPECT_EQ(next("CRON_TZ=America/New_York 30 1 * * *", "2026-11-01T01:10:00-05:00", 1, zones),
              "2026-11-02T01:30:00-05:00");
    EXPECT_EQ(next("CRON_TZ=America/New_York 0 */2 * * *", "2026-11-01T00:30:00-04:00", 2, zones),
              "2026-11-01T02:00:00-05:00 2026-11-01T04:00:00-05:00");
    // Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z).
    EXPECT_EQ(next("CRON_TZ=Europe/Berlin 30 2 * * *", "2026-10-24T12:00:00Z", 2, zones),
              "2026-10-25T02:30:00+02:00 2026-10-26T02:30:00+01:00");
    EXPECT_EQ(next("CRON_TZ=Europe/Berlin 0,30 * * * *", "2026-10-25T02:00:00+02:00", 3, zones),
              "2026-10-25T02:30:00+02:00 2026-10-25T03:00:00+01:00 2026-10-25T03:30:00+01:00");
  });
}

TEST(CronZones, SouthernHemisphereAndHalfHourZones) {
  over_both_sources([](const ZoneSource& zones) {
    // Sydney falls back on 2026-04-05 (03:00 AEDT becomes 02:00 AEST) and springs forward on 2026-10-04.
    EXPECT_EQ(next("TZ=Australia/Sydney 30 2 * * *", "2026-04-04T00:00:00+11:00", 2, zones),
              "2026-04-04T02:30:00+11:00 2026-04-05T02:30:00+11:00");
    EXPECT_EQ(next("TZ=Australia/Sydney 30 2 * * *", "2026-10-03T12:00:00+10:00", 2, zones),
              "2026-10-04T03:00:00+11:00 2026-10-05T02:30:00+11:00");
    EXPECT_EQ(next("TZ=Asia/Kolkata 0 0 * * *", "2026-01-01T00:00:00Z", 1, zones), "2026-01-02T00:00:00+05:30");
  });
}

}  // namespace
}  // namespace faasgate::cron
