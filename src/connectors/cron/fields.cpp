#include "faasgate/cron_connector/fields.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdio>

namespace faasgate::cron_connector {

std::string Fields::json() const {
  std::string out = "{";
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (i) out += ", ";
    out += boost::json::serialize(boost::json::value(fields_[i].first));
    out += ": ";
    out += boost::json::serialize(fields_[i].second);
  }
  return out + "}";
}

// Go's time.Duration.String, rounded as zap's console shows durations: below a second in whole
// milliseconds (or microseconds below a millisecond), above it in seconds with up to 3 decimals.
std::string format_duration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  char buf[64];
  const auto ns = d.count();
  if (ns < 0) return "0s";
  if (ns < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%lldµs", static_cast<long long>(ns / 1000));
  } else if (ns < 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ns / 1'000'000));
  } else if (ns < 60'000'000'000LL) {
    std::snprintf(buf, sizeof buf, "%.3gs", static_cast<double>(ns) / 1e9);
  } else {
    const auto total = duration_cast<seconds>(d).count();
    std::snprintf(buf, sizeof buf, "%lldm%llds", static_cast<long long>(total / 60), static_cast<long long>(total % 60));
  }
  return buf;
}

}  // namespace faasgate::cron_connector
