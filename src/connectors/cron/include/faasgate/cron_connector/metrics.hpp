#pragma once
// The connector's Prometheus metrics, counted by the shell and written as text for /metrics:
//   cron_connector_scheduled_functions                 gauge: functions with a valid schedule
//   cron_connector_fires_total{function}               fires started
//   cron_connector_failures_total{function}            fires that failed: no answer, a function
//                                                      token refused, or a status >= 400
//   cron_connector_skipped_total{function}             fires skipped: the previous still in flight
//   cron_connector_lateness_seconds                    histogram: start of a call minus its
//                                                      scheduled time
//   cron_connector_discovery_failures_total            discovery rounds that kept the last good set
// Per-function series exist for scheduled functions only: track() starts them when a function is
// scheduled, forget() drops them when it is unscheduled, and counts for a function not tracked
// (a fire that ends after its function was unscheduled) are not kept, so the number of series is
// bounded by kMaxFunctions. Thread-safe.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "faasgate/cron_connector/schedule_set.hpp"

namespace faasgate::cron_connector {

class Metrics {
 public:
  static constexpr std::array<double, 11> kLatenessBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  void set_scheduled(std::size_t n);
  void track(const FunctionKey& key);
  void forget(const FunctionKey& key);
  void fired(const FunctionKey& key);
  void failed(const FunctionKey& key);
  void skipped(const FunctionKey& key);
  void lateness(std::chrono::duration<double> late);
  void discovery_failed();

  struct Counts {
    std::uint64_t fires = 0, failures = 0, skipped = 0;
  };
  Counts counts(const FunctionKey& key) const;

  // The Prometheus text exposition format, version 0.0.4.
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::size_t scheduled_ = 0;
  std::map<FunctionKey, Counts> per_function_;
  std::array<std::uint64_t, kLatenessBuckets.size()> buckets_{};
  std::uint64_t lateness_count_ = 0;
  double lateness_sum_ = 0;
  std::uint64_t discovery_failures_ = 0;
};

}  // namespace faasgate::cron_connector
