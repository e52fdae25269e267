#pragma once
// Time zones for schedules: the IANA database as the system ships it (TZif files, RFC 8536).
//
// Why not std::chrono::locate_zone: GCC 12's libstdc++ has the C++20 calendar but not its time
// zone database (that came with libstdc++ 13), so `std::chrono::locate_zone` does not compile
// here. A TimeZone is therefore built from the bytes of a TZif file (or a POSIX TZ rule alone) by
// pure code, and the one piece of I/O - reading /usr/share/zoneinfo/<name> - sits behind
// ZoneSource, with MemoryZones beside it for tests.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/result.hpp"

namespace faasgate::cron {

// Files and offsets are bounded: the largest file tzdata ships is a few KiB; RFC 8536 keeps UTC
// offsets within -89999..93599 s, so anything at or beyond 26 h is refused as damaged.
inline constexpr std::size_t kMaxTzifBytes = 256 * 1024;
inline constexpr std::int32_t kMaxUtcOffsetSeconds = 26 * 3600 - 1;

// A POSIX TZ rule ("EST5EDT,M3.2.0,M11.1.0"): what a TZif file's footer says holds after its
// last transition. Offsets are east of UTC (the rule's text writes them west).
struct PosixRule {
  struct Date {
    enum class Kind { julian_no_leap, zero_based_day, month_week_day };  // Jn, n, Mm.w.d
    Kind kind = Kind::month_week_day;
    int day = 0;        // Jn: 1-365; n: 0-365; Mm.w.d: the weekday, 0 = Sunday
    int week = 0;       // Mm.w.d: 1-5, 5 = the last
    int month = 0;      // Mm.w.d: 1-12
    std::int32_t time = 2 * 3600;  // local time of day, -167 h .. 167 h (RFC 8536 extends POSIX)
  };
  std::int32_t standard_offset = 0;
  std::optional<std::int32_t> daylight_offset;  // with `start` and `end`
  Date start, end;  // daylight saving starts (in standard time) and ends (in daylight time)
};

// Parses a POSIX TZ string as TZif footers write it (names plain or <quoted>, hours to 167).
core::Expected<PosixRule, std::string> parse_posix_rule(std::string_view text);

// One zone's history of UTC offsets: transitions, then a rule for the years after them.
class TimeZone {
 public:
  using Seconds = std::chrono::seconds;
  using SysSeconds = std::chrono::sys_seconds;
  using LocalSeconds = std::chrono::local_seconds;

  static std::shared_ptr<const TimeZone> utc();
  // The bytes of a TZif file (versions 1 to 4); leap-second ("right/") data is refused.
  static core::Expected<TimeZone, std::string> from_tzif(std::string name, std::string_view bytes);
  // A zone that is nothing but a POSIX rule ("CET-1CEST,M3.5.0,M10.5.0/3"): for tests and fuzzing.
  static core::Expected<TimeZone, std::string> from_posix(std::string name, std::string_view rule);

  const std::string& name() const noexcept { return name_; }

  // The UTC offset in force at `t`.
  Seconds offset_at(SysSeconds t) const;
  LocalSeconds to_local(SysSeconds t) const { return LocalSeconds{(t + offset_at(t)).time_since_epoch()}; }

  // The first instant at which the zone's clocks show `wall` or a later time. That is `wall`
  // itself when the clocks show it once; its first occurrence when they are set back over it
  // (the hour shown twice); the instant they jump when they are set forward over it (the hour
  // never shown). This is what "a fire at local time W" means for a schedule.
  SysSeconds first_reaching(LocalSeconds wall) const;

  // The latest local time the clocks have shown at or before `t`: to_local(t), except in the
  // second pass of an hour shown twice, where it is the time shown just before the clocks were
  // set back. A fire at a local time at or before it has already happened.
  LocalSeconds latest_shown(SysSeconds t) const;

  // Offset changes in (a, b], in order (for tests and diagnostics).
  struct Change {
    SysSeconds at;
    Seconds offset;  // in force from `at`
  };
  std::vector<Change> changes(SysSeconds a, SysSeconds b) const;

 private:
  TimeZone() = default;
  std::optional<Seconds> table_offset_after(SysSeconds t) const;
  Seconds rule_offset_at(SysSeconds t) const;

  std::string name_;
  std::int32_t initial_offset_ = 0;           // before the first transition
  std::vector<std::int64_t> transitions_;      // ascending
  std::vector<std::int32_t> offsets_after_;   // offsets_after_[i] holds from transitions_[i]
  std::optional<PosixRule> rule_;              // after the last transition, when the file has one
};

// Where zones come from, by IANA name ("Europe/Berlin").
class ZoneSource {
 public:
  virtual ~ZoneSource() = default;
  virtual core::Expected<std::shared_ptr<const TimeZone>, std::string> locate(std::string_view name) const = 0;
};

// Names a zone lookup accepts: 1-64 characters of [A-Za-z0-9._+-] in '/'-separated parts, none
// empty, "." or "..", so a name can only reach files under the zone directory.
bool valid_zone_name(std::string_view name) noexcept;

// The system's tzdata: <dir>/<name> read once per name and kept (a zone found is cached for the
// source's life; a name not found is looked up again next time). Thread-safe.
class SystemZones final : public ZoneSource {
 public:
  explicit SystemZones(std::filesystem::path dir = "/usr/share/zoneinfo") : dir_(std::move(dir)) {}
  core::Expected<std::shared_ptr<const TimeZone>, std::string> locate(std::string_view name) const override;

 private:
  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache_;
};

// The process's one SystemZones over /usr/share/zoneinfo: the tz database, the module's only global.
const ZoneSource& system_zones();

// Zones given up front, for tests: no file is read.
class MemoryZones final : public ZoneSource {
 public:
  void add(std::shared_ptr<const TimeZone> zone) { zones_[zone->name()] = std::move(zone); }
  core::Expected<std::shared_ptr<const TimeZone>, std::string> locate(std::string_view name) const override;

 private:
  std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> zones_;
};

}  // namespace faasgate::cron
