#pragma once
// A small closed-loop HTTP load generator for the benchmarks: `connections` keep-alive
// connections on one thread, each sending the next request as soon as the previous answer
// arrived, for a fixed duration, against 127.0.0.1 only.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace faasgate::bench {

// CPU time a process (or thread) spent, in seconds.
struct CpuTime {
  double user = 0;
  double system = 0;
  double total() const { return user + system; }
};
CpuTime process_cpu_time(pid_t pid);  // every thread of `pid`, from /proc/<pid>/stat
CpuTime this_thread_cpu_time();

struct LoadResult {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;      // transport errors or unexpected statuses
  double seconds = 0;
  std::vector<double> latencies_us;  // a sample of request latencies
  // Over the measured window: the CPU each process of LoadSpec::observe and this load generator
  // used - where the cores went, so that a figure can be explained, not only read.
  std::vector<CpuTime> observed_cpu;
  CpuTime client_cpu;
  double rate() const { return seconds > 0 ? static_cast<double>(requests) / seconds : 0; }
  // Microseconds of CPU per request.
  double per_request_us(const CpuTime& cpu) const {
    return requests ? cpu.total() * 1e6 / static_cast<double>(requests) : 0;
  }
  double percentile(double p) const;
  // Adds another window's counts, latencies and CPU (of the same processes) to this one.
  LoadResult& operator+=(const LoadResult& other);
};

struct LoadSpec {
  unsigned short port = 0;
  std::string method = "GET";
  std::string target = "/";
  std::string content_type;
  // The body of each connection's requests (it is asked once per connection); empty: no body.
  std::function<std::string(std::uint64_t)> body;
  std::vector<std::pair<std::string, std::string>> extra_headers;
  unsigned expected_status = 200;
  std::vector<pid_t> observe;  // processes whose CPU time over the window is measured
  unsigned connections = 16;
  std::chrono::milliseconds duration{3000};
  std::chrono::milliseconds warmup{500};
};

LoadResult run_load(const LoadSpec& spec);

// Runs each spec for its duration, one after the other, `rounds` times over, and adds up each
// spec's rounds: figures compared with each other are then taken over the same stretch of time,
// so a noisy neighbour on the host slows each of them alike. `per_round` gets each round's
// results, in the order of `specs`.
std::vector<LoadResult> run_interleaved(const std::vector<LoadSpec>& specs, unsigned rounds,
                                        std::vector<std::vector<LoadResult>>* per_round = nullptr);

// One blocking request, for a benchmark's setup (deploying, reading logs).
struct HttpAnswer {
  unsigned status = 0;
  std::string body;
};
HttpAnswer http_call(unsigned short port, const std::string& method, const std::string& target, const std::string& body,
                     const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace faasgate::bench
