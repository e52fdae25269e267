#pragma once
// RFC 3339 text for fire times: what `faasgate cron next` prints and reads, and what a log line
// about a fire can show.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/cron/schedule.hpp"

namespace faasgate::cron {

// "2026-03-08T03:00:00Z" without an offset; "2026-03-08T03:00:00-04:00" with one (zero is
// "+00:00"). RFC 3339 offsets are whole minutes: an offset with seconds (a zone's local mean
// time before 1900) is written in UTC instead. Years 1-9999 (kFirstInstant..kLastInstant).
std::string format_rfc3339(std::chrono::sys_seconds t, std::optional<std::chrono::seconds> offset = std::nullopt);

// A fire time as a schedule shows it: in the offset its display zone has at `t`, or in UTC
// when the schedule has no zone prefix.
std::string format_fire_time(const Schedule& schedule, std::chrono::sys_seconds t);

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)" ('t' and 'z' allowed, as RFC 3339 does); the
// fraction is dropped (a fire time is whole seconds, so the next one after a time is the next
// one after its second). nullopt for anything else, or a time outside years 1-9999.
std::optional<std::chrono::sys_seconds> parse_rfc3339(std::string_view text);

}  // namespace faasgate::cron
