#include "faasgate/cron/rfc3339.hpp"

namespace faasgate::cron {

std::string format_fire_time(const Schedule& schedule, std::chrono::sys_seconds t) {
  const TimeZone* zone = schedule.display_zone();
  if (zone == nullptr) return format_rfc3339(t);
  return format_rfc3339(t, zone->offset_at(t));
}

}  // namespace faasgate::cron
