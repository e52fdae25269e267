#pragma once
// Helpers shared by the benchmark sections: a rate measured on every core for a fixed time, and
// one printed line per figure.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace faasgate::bench {

// Runs `op` in a loop on `threads` threads for `duration`; returns operations per second.
double measure_rate(unsigned threads, std::chrono::milliseconds duration, const std::function<void()>& op);

void print_header(const std::string& section);
void print_figure(const std::string& name, double value, const std::string& unit);
void print_ratio(const std::string& name, double ratio, double target);
void print_share(const std::string& name, double share);  // a ratio without a target, as a percentage

struct LoadResult;
// The CPU per request each observed process (named in `names`, in LoadSpec::observe's order) and
// the load generator used during a load.
void print_cpu(const std::string& name, const LoadResult& load, const std::vector<std::string>& names);

}  // namespace faasgate::bench
