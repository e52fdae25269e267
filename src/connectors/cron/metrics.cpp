#include "faasgate/cron_connector/metrics.hpp"

#include <cstdio>

namespace faasgate::cron_connector {
namespace {

// A label value as the exposition format escapes it.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void Metrics::set_scheduled(std::size_t n) {
  std::lock_guard lock(mutex_);
  scheduled_ = n;
}

void Metrics::fired(const FunctionKey& key) {
  std::lock_guard lock(mutex_);
  if (auto it = per_function_.find(key); it != per_function_.end()) ++it->second.fires;
}

void Metrics::failed(const FunctionKey& key) {
  std::lock_guard lock(mutex_);
  if (auto it = per_function_.find(key); it != per_function_.end()) ++it->second.failures;
}

void Metrics::skipped(const FunctionKey& key) {
  std::lock_guard lock(mutex_);
  if (auto it = per_function_.find(key); it != per_function_.end()) ++it->second.skipped;
}

void Metrics::lateness(std::chrono::duration<double> late) {
  const double s = late.count() < 0 ? 0.0 : late.count();
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kLatenessBuckets.size(); ++i)
    if (s <= kLatenessBuckets[i]) ++buckets_[i];
  ++lateness_count_;
  lateness_sum_ += s;
}

void Metrics::discovery_failed() {
  std::lock_guard lock(mutex_);
  ++discovery_failures_;
}

void Metrics::track(const FunctionKey& key) {
  std::lock_guard lock(mutex_);
  if (per_function_.size() < kMaxFunctions) per_function_.try_emplace(key);
}

void Metrics::forget(const FunctionKey& key) {
  std::lock_guard lock(mutex_);
  per_function_.erase(key);
}

Metrics::Counts Metrics::counts(const FunctionKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = per_function_.find(key);
  return it == per_function_.end() ? Counts{} : it->second;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP cron_connector_scheduled_functions Functions with a valid schedule.\n";
  out += "# TYPE cron_connector_scheduled_functions gauge\n";
  out += "cron_connector_scheduled_functions " + std::to_string(scheduled_) + "\n";
  auto series = [&](const char* name, const char* help, std::uint64_t Counts::*field) {
    out += std::string("# HELP ") + name + " " + help + "\n";
    out += std::string("# TYPE ") + name + " counter\n";
    for (const auto& [key, c] : per_function_)
      out += std::string(name) + "{function=\"" + label(key.qualified()) + "\"} " + std::to_string(c.*field) + "\n";
  };
  series("cron_connector_fires_total", "Invocations started on schedule.", &Counts::fires);
  series("cron_connector_failures_total", "Invocations that failed (no answer, no function token, or status >= 400).",
         &Counts::failures);
  series("cron_connector_skipped_total", "Fires skipped because the previous one was still in flight.",
         &Counts::skipped);
  out += "# HELP cron_connector_lateness_seconds When an invocation started, after its scheduled time.\n";
  out += "# TYPE cron_connector_lateness_seconds histogram\n";
  for (std::size_t i = 0; i < kLatenessBuckets.size(); ++i)
    out += "cron_connector_lateness_seconds_bucket{le=\"" + number(kLatenessBuckets[i]) + "\"} " +
           std::to_string(buckets_[i]) + "\n";
  out += "cron_connector_lateness_seconds_bucket{le=\"+Inf\"} " + std::to_string(lateness_count_) + "\n";
  out += "cron_connector_lateness_seconds_sum " + number(lateness_sum_) + "\n";
  out += "cron_connector_lateness_seconds_count " + std::to_string(lateness_count_) + "\n";
  out += "# HELP cron_connector_discovery_failures_total Discovery rounds that failed and kept the last good set.\n";
  out += "# TYPE cron_connector_discovery_failures_total counter\n";
  out += "cron_connector_discovery_failures_total " + std::to_string(discovery_failures_) + "\n";
  return out;
}

}  // namespace faasgate::cron_connector
