#pragma once
// Prometheus metrics in the text exposition format, named as the upstream gateway names them
// (gateway_function_invocation_total, gateway_functions_seconds, gateway_service_count), plus
// faasgate's own (faasgate_async_queue_depth, faasgate_http_requests_total).
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace faasgate::api {

class Metrics {
 public:
  // function: "name.namespace"
  void observe_invocation(const std::string& function, unsigned status, double seconds);

  // Gauges are read when /metrics is scraped.
  struct Gauges {
    std::map<std::string, std::uint32_t> replicas;  // function -> available replicas
    std::size_t queue_depth = 0;
  };
  std::string render(const Gauges& gauges) const;

 private:
  static constexpr std::array<double, 11> kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> invocations_;
  std::map<std::string, Histogram> durations_;
};

}  // namespace faasgate::api
