// The module's only I/O: a zone's TZif file read from the system's tzdata.
#include "faasgate/core/files.hpp"
#include "faasgate/cron/time_zone.hpp"

namespace faasgate::cron {

using core::fail;

bool valid_zone_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  std::size_t part = 0;  // length of the current '/'-separated part
  std::size_t dots = 0;  // how many of its characters are '.'
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '/') {
      if (part == dots) return false;  // "", ".", ".." (or more dots): never a zone, maybe a way out
      part = dots = 0;
      continue;
    }
    const char c = name[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '+' || c == '-';
    if (!ok) return false;
    ++part;
    dots += c == '.';
  }
  return true;
}

core::Expected<std::shared_ptr<const TimeZone>, std::string> SystemZones::locate(std::string_view name) const {
  if (!valid_zone_name(name)) return fail("\"" + std::string(name) + "\" is not a time zone name");
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(name); it != cache_.end()) return it->second;
  }
  const auto path = dir_ / std::string(name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return fail("unknown time zone \"" + std::string(name) + "\"");
  auto bytes = core::read_file(path, kMaxTzifBytes);
  if (!bytes) return fail("time zone \"" + std::string(name) + "\": " + bytes.error());
  auto zone = TimeZone::from_tzif(std::string(name), *bytes);
  if (!zone) return fail("time zone \"" + std::string(name) + "\": " + zone.error());
  auto shared = std::make_shared<const TimeZone>(std::move(*zone));
  std::lock_guard lock(mutex_);
  // Names are valid zone names of at most 64 characters and each is a file under dir_: the
  // cache holds at most one entry per file of the tz database.
  return cache_.emplace(std::string(name), std::move(shared)).first->second;
}

const ZoneSource& system_zones() {
  static const SystemZones zones;
  return zones;
}

core::Expected<std::shared_ptr<const TimeZone>, std::string> MemoryZones::locate(std::string_view name) const {
  if (auto it = zones_.find(name); it != zones_.end()) return it->second;
  return fail("unknown time zone \"" + std::string(name) + "\"");
}

}  // namespace faasgate::cron
