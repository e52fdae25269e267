#pragma once
// Cron schedules: parsing and the next fire time. Pure: time comes in as an argument, and the
// only data read is the time zone database, through a ZoneSource.
//
// The language (what the upstream cron connector accepts, reference §5):
//   [CRON_TZ=<zone> | TZ=<zone>] <schedule> [; [CRON_TZ=<zone>] <schedule>]...   (at most 16)
//   <schedule>: five fields "minute hour day-of-month month day-of-week", or a descriptor:
//     @yearly @annually (0 0 1 1 *), @monthly (0 0 1 * *), @weekly (0 0 * * 0),
//     @daily @midnight (0 0 * * *), @hourly (0 * * * *), @every <Go duration>.
//   A field is a list of items separated by ','; an item is '*', a value, a range "a-b", or one
//   of those with a step: "*/n", "a-b/n", and "a/n" meaning "a-<max>/n" (as Vixie cron and
//   croniter read it). Months may be JAN-DEC and days of the week SUN-SAT, in any case; day of
//   week is 0-7 with 0 and 7 both Sunday, so '*' and "a/n" there run to 7, and a range may end
//   on Sunday as 0 or SUN ("FRI-SUN" is 5-7).
//   Descriptors and names are case-insensitive; the CRON_TZ= and TZ= prefixes are not (as in
//   robfig/cron, the upstream connector's parser).
//
// Meaning:
//   - Day of month and day of week: when both are restricted, a day matches if either does
//     (classic cron's OR); when one is unrestricted, the other alone decides. A field is
//     unrestricted when it holds every value, however written ("*", "*/1", "1-31", "0-6",
//     "SUN-SAT"), and restricted otherwise: "*/2" restricts. That is croniter 1.3.5 (it compares
//     the expanded value list with '*'), which the cross-check test holds us to. Vixie cron
//     differs: it marks a field unrestricted when its text begins with '*', so "*/2" counts as
//     unrestricted there, and "1-31" as restricted.
//   - Time zones: UTC unless a schedule is prefixed by CRON_TZ=<zone> or TZ=<zone> (an IANA name).
//     A prefix holds for its schedule and those after it in a ';' list, until the next prefix.
//     Fields are matched against local time; a fire at local time W happens at the first
//     instant the zone's clocks show W or later (TimeZone::first_reaching): a time skipped by a
//     spring-forward gap fires once, when the clocks jump (several skipped times fire once,
//     together); a time shown twice when clocks fall back fires once, the first time.
//   - @every d fires at from + d (robfig/cron's ConstantDelaySchedule): d is truncated to whole
//     seconds and raised to 1 s if below; it has no anchor, and ignores any time zone.
//   - A ';' list fires at the earliest next fire time of its schedules.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "faasgate/core/rfc3339.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/cron/time_zone.hpp"

namespace faasgate::cron {

// Every input is bounded.
inline constexpr std::size_t kMaxExpressionBytes = 1024;
inline constexpr std::size_t kMaxSchedules = 16;
// How far next_after looks: to the end of the 8th year after the start's. The longest wait of a
// schedule that fires at all is Feb 29's, 8 years across a century that is not a leap year
// (2096-02-29 to 2104-02-29); one with nothing by then never fires ("0 0 30 2 *").
inline constexpr int kSearchYears = 8;
// The instants next_after works in: years 1 to 9999 (UTC), as RFC 3339 can write them.
inline constexpr std::chrono::sys_seconds kFirstInstant = core::kFirstRfc3339;  // 0001-01-01T00:00:00Z
inline constexpr std::chrono::sys_seconds kLastInstant = core::kLastRfc3339;    // 9999-12-31T23:59:59Z

struct ParseError {
  std::string message;        // "minute: 61 is out of range 0-59"
  std::size_t position = 0;   // 0-based offset of the error in the text given to parse_schedule
};

// Five cron fields as sets: bit v is set when value v matches.
struct Fields {
  std::uint64_t minutes = 0;        // bits 0-59
  std::uint32_t hours = 0;          // bits 0-23
  std::uint32_t days_of_month = 0;  // bits 1-31
  std::uint16_t months = 0;         // bits 1-12
  std::uint8_t days_of_week = 0;    // bits 0-6, Sunday = 0 (7 is folded into 0)
  bool days_of_month_restricted = false;  // not every day of the month (see "Meaning" above)
  bool days_of_week_restricted = false;   // not every day of the week

  // Whether the fields match a date (weekday 0 = Sunday), before hours and minutes.
  bool matches_day(unsigned month, unsigned day, int weekday) const noexcept;
  friend bool operator==(const Fields&, const Fields&) = default;
};

// @every <duration>.
struct Every {
  std::chrono::seconds interval{1};  // at least 1 s
  friend bool operator==(const Every&, const Every&) = default;
};

// One of the ';'-separated schedules.
struct Rule {
  std::variant<Fields, Every> when;
  std::shared_ptr<const TimeZone> zone;  // nullptr: UTC, no prefix
  std::size_t position = 0;              // where this schedule begins in the text
};

class Schedule {
 public:
  const std::vector<Rule>& rules() const noexcept { return rules_; }
  const std::string& text() const noexcept { return text_; }
  // The zone the text begins with (its first schedule's prefix), or nullptr when it has none:
  // the zone fire times are shown in.
  const TimeZone* display_zone() const noexcept { return rules_.empty() ? nullptr : rules_.front().zone.get(); }

 private:
  friend core::Expected<Schedule, ParseError> parse_schedule(std::string_view, const ZoneSource&);
  std::string text_;
  std::vector<Rule> rules_;
};

// Parses `text` (at most kMaxExpressionBytes, at most kMaxSchedules schedules), looking zones up in
// `zones`. Whitespace is ASCII space, tab, CR, LF, VT and FF; any other control or non-ASCII byte
// is an error.
core::Expected<Schedule, ParseError> parse_schedule(std::string_view text, const ZoneSource& zones);
// The same with the system's tzdata (system_zones()).
inline core::Expected<Schedule, ParseError> parse_schedule(std::string_view text) {
  return parse_schedule(text, system_zones());
}

// The first fire time strictly after `from`; nullopt when there is none within kSearchYears, or
// when `from` or the fire time lies outside kFirstInstant..kLastInstant.
std::optional<std::chrono::sys_seconds> next_after(const Schedule& schedule, std::chrono::sys_seconds from);
std::optional<std::chrono::sys_seconds> next_after(const Rule& rule, std::chrono::sys_seconds from);

}  // namespace faasgate::cron
