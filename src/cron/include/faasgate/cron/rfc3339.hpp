#pragma once
// RFC 3339 text for fire times: what `faasgate cron next` prints and reads, and what a log line
// about a fire can show. The reader and writer are core's (core/rfc3339.hpp).
#include <chrono>
#include <string>

#include "faasgate/core/rfc3339.hpp"
#include "faasgate/cron/schedule.hpp"

namespace faasgate::cron {

using core::format_rfc3339;
using core::parse_rfc3339;  // a fire time is whole seconds: the next one after a time is the next after its second

// A fire time as a schedule shows it: in the offset its display zone has at `t`, or in UTC
// when the schedule has no zone prefix.
std::string format_fire_time(const Schedule& schedule, std::chrono::sys_seconds t);

}  // namespace faasgate::cron
