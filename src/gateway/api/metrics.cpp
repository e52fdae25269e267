#include "faasgate/api/metrics.hpp"

#include <cstdio>

namespace faasgate::api {

namespace {
// Label values are function names ([-a-zA-Z_0-9.]+), so they need no escaping.
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

void Metrics::observe_invocation(const std::string& function, unsigned status, double seconds) {
  std::lock_guard lock(mu_);
  ++invocations_[{function, status}];
  auto& h = durations_[function];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::render(const Gauges& gauges) const {
  std::string out;
  out += "# HELP gateway_function_invocation_total Function invocations by status code\n";
  out += "# TYPE gateway_function_invocation_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, n] : invocations_) {
    out += "gateway_function_invocation_total{function_name=\"" + key.first + "\",code=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP gateway_functions_seconds Function invocation duration\n";
  out += "# TYPE gateway_functions_seconds histogram\n";
  for (const auto& [fn, h] : durations_) {
    const std::string labels = "function_name=\"" + fn + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out += "gateway_functions_seconds_bucket{" + labels + ",le=\"" + number(kBuckets[i]) + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    }
    out += "gateway_functions_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "gateway_functions_seconds_sum{" + labels + "} " + number(h.sum) + "\n";
    out += "gateway_functions_seconds_count{" + labels + "} " + std::to_string(h.count) + "\n";
  }
  out += "# HELP gateway_service_count Available replicas of each function\n";
  out += "# TYPE gateway_service_count gauge\n";
  for (const auto& [fn, n] : gauges.replicas)
    out += "gateway_service_count{function_name=\"" + fn + "\"} " + std::to_string(n) + "\n";
  out += "# HELP faasgate_async_queue_depth Asynchronous invocations waiting or in progress\n";
  out += "# TYPE faasgate_async_queue_depth gauge\n";
  out += "faasgate_async_queue_depth " + std::to_string(gauges.queue_depth) + "\n";
  return out;
}

}  // namespace faasgate::api
