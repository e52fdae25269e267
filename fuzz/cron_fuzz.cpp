// cron_fuzz: cron::parse_schedule on arbitrary text (a function's `schedule` annotation), and
// cron::TimeZone::from_tzif on inputs that begin with "TZif" (the zone files the parser reads).
// Zones named in schedules come from fixed POSIX rules: no file is read. Must never crash, and:
//   - an error's position lies within the text or at its end, and its message is not empty;
//   - a schedule that parses has 1-16 rules, each with non-empty sets within its fields' ranges;
//   - next_after from a few starts is strictly after the start, and fire times chained from it
//     increase; in UTC each fire time is on a minute its fields match (the day by the OR rule);
//   - a zone that parses has offsets within ±26 h, changes in order, first_reaching(to_local(t))
//     at or before t, latest_shown(t) at or after to_local(t), and first_reaching of that at or
//     before t too.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <variant>

#include "faasgate/cron/schedule.hpp"
#include "faasgate/cron/time_zone.hpp"

namespace {

using namespace faasgate;
using std::chrono::seconds;
using std::chrono::sys_seconds;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "cron_fuzz: %s\n", what);
  std::abort();
}

const cron::MemoryZones& zones() {
  static const cron::MemoryZones z = [] {
    cron::MemoryZones out;
    for (auto [name, rule] : {std::pair{"America/New_York", "EST5EDT,M3.2.0,M11.1.0"},
                              std::pair{"Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"},
                              std::pair{"Australia/Lord_Howe", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"},
                              std::pair{"America/Nuuk", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"},
                              std::pair{"Test/AllYear", "EST5EDT,0/0,J365/25"}}) {
      out.add(std::make_shared<const cron::TimeZone>(cron::TimeZone::from_posix(name, rule).value()));
    }
    return out;
  }();
  return z;
}

void check_fields(const cron::Fields& f) {
  if (f.minutes == 0 || (f.minutes >> 60) != 0) fail("minutes out of 0-59 or empty");
  if (f.hours == 0 || (f.hours >> 24) != 0) fail("hours out of 0-23 or empty");
  if (f.days_of_month == 0 || (f.days_of_month & 1) != 0) fail("days of month out of 1-31 or empty");
  if (f.months == 0 || (f.months & 1) != 0 || (f.months >> 13) != 0) fail("months out of 1-12 or empty");
  if (f.days_of_week == 0 || (f.days_of_week >> 7) != 0) fail("days of week out of 0-6 or empty");
}

// A UTC fire time must be one the fields name.
void check_matches(const cron::Fields& f, sys_seconds t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{t - day};
  if (time.seconds().count() != 0) fail("a fire time off the minute");
  if (((f.minutes >> time.minutes().count()) & 1) == 0) fail("a fire time on a minute not in the schedule");
  if (((f.hours >> time.hours().count()) & 1) == 0) fail("a fire time in an hour not in the schedule");
  if (!f.matches_day(static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     static_cast<int>(std::chrono::weekday{day}.c_encoding())))
    fail("a fire time on a day not in the schedule");
}

void check_schedule(const cron::Schedule& schedule) {
  if (schedule.rules().empty() || schedule.rules().size() > cron::kMaxSchedules) fail("rule count out of 1-16");
  for (const auto& rule : schedule.rules()) {
    if (const auto* f = std::get_if<cron::Fields>(&rule.when)) check_fields(*f);
    if (const auto* e = std::get_if<cron::Every>(&rule.when); e && e->interval < seconds{1}) fail("@every below 1 s");
  }
  for (long long start : {0LL, 1772953170LL /* 2026-03-08T06:59:30Z */, 1793513400LL /* 2026-11-01T06:10:00Z */,
                          4107542399LL /* 2100-02-28T23:59:59Z */}) {
    sys_seconds t{seconds{start}};
    for (int step = 0; step < 3; ++step) {
      auto next = cron::next_after(schedule, t);
      if (!next) break;
      if (*next <= t) fail("next_after is not after its start");
      for (const auto& rule : schedule.rules()) {
        const auto* f = std::get_if<cron::Fields>(&rule.when);
        auto own = cron::next_after(rule, t);
        if (!own || *own < *next) fail("a rule fires before the schedule it is in");
        if (f && !rule.zone && *own == *next) check_matches(*f, *own);
      }
      t = *next;
    }
  }
}

void check_zone(const cron::TimeZone& zone) {
  constexpr auto kLimit = seconds{26 * 3600};
  for (long long s : {-4000000000LL, -1LL, 0LL, 1772953200LL, 1793491200LL, 2145916800LL, 4102444800LL, 253402300799LL}) {
    const sys_seconds t{seconds{s}};
    const auto offset = zone.offset_at(t);
    if (offset >= kLimit || offset <= -kLimit) fail("an offset of 26 h or more");
    const auto local = zone.to_local(t);
    if (zone.first_reaching(local) > t) fail("first_reaching(to_local(t)) is after t");
    const auto shown = zone.latest_shown(t);
    if (shown < local) fail("latest_shown(t) is before to_local(t)");
    if (zone.first_reaching(shown) > t) fail("first_reaching(latest_shown(t)) is after t");
    sys_seconds previous = t - seconds{86400 * 400};
    for (const auto& c : zone.changes(previous, t)) {
      if (c.at <= previous || c.at > t) fail("a change out of order or out of range");
      previous = c.at;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.substr(0, 4) == "TZif") {
    auto zone = cron::TimeZone::from_tzif("Fuzz/Zone", text);
    if (zone) check_zone(*zone);
    return 0;
  }
  auto schedule = cron::parse_schedule(text, zones());
  if (!schedule) {
    if (schedule.error().position > text.size()) fail("an error position beyond the text");
    if (schedule.error().message.empty()) fail("an error without a message");
    return 0;
  }
  if (text.size() > cron::kMaxExpressionBytes) fail("a text over the limit parsed");
  check_schedule(*schedule);
  return 0;
}
