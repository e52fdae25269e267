#pragma once
// RFC 3339 date-times, the one reader and writer of them: the REST API's createdAt and logs'
// timestamps and `since`, cron fire times. Go's time.Time writes them with nanoseconds and
// offsets, so the reader takes both.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace faasgate::core {

using NanoTime = std::chrono::sys_time<std::chrono::nanoseconds>;

inline constexpr std::chrono::sys_seconds kFirstRfc3339{std::chrono::seconds{-62135596800}};  // 0001-01-01T00:00:00Z
inline constexpr std::chrono::sys_seconds kLastRfc3339{std::chrono::seconds{253402300799}};   // 9999-12-31T23:59:59Z

// "2026-03-08T03:00:00Z" without an offset; "2026-03-08T03:00:00-04:00" with one (zero is
// "+00:00"). RFC 3339 offsets are whole minutes: an offset with seconds (a zone's local mean
// time before 1900) is written in UTC instead. Years 1-9999.
std::string format_rfc3339(std::chrono::sys_seconds t, std::optional<std::chrono::seconds> offset = std::nullopt);
// UTC with nine fraction digits, as upstream's log lines carry it: "2026-03-08T07:00:00.000000123Z".
std::string format_rfc3339_nanos(NanoTime t);

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)" ('t' and 'z' allowed, as RFC 3339 does),
// at most 64 characters; fraction digits beyond the ninth are dropped. A leap second (:60) is
// read as the second after :59, as a clock without leap seconds has it. nullopt for anything
// else, or a time outside years 1-9999.
std::optional<std::chrono::sys_seconds> parse_rfc3339(std::string_view text);  // the fraction dropped (floored)
// The same with the fraction, for times 64-bit nanoseconds hold (years 1678-2261).
std::optional<NanoTime> parse_rfc3339_nanos(std::string_view text);

}  // namespace faasgate::core
