#include "report.hpp"

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "load.hpp"

namespace faasgate::bench {

double measure_rate(unsigned threads, std::chrono::milliseconds duration, const std::function<void()>& op) {
  std::atomic<bool> go{false}, stop{false};
  std::atomic<std::uint64_t> total{0};
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      while (!go) std::this_thread::yield();
      std::uint64_t n = 0;
      while (!stop) {
        op();
        ++n;
      }
      total += n;
    });
  }
  auto t0 = std::chrono::steady_clock::now();
  go = true;
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& t : pool) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(total.load()) / seconds;
}

void print_header(const std::string& section) { std::printf("\n== %s\n", section.c_str()); }

void print_figure(const std::string& name, double value, const std::string& unit) {
  std::printf("  %-58s %12.1f %s\n", name.c_str(), value, unit.c_str());
}

void print_ratio(const std::string& name, double ratio, double target) {
  std::printf("  %-58s %11.1f%%  (target >= %.0f%%: %s)\n", name.c_str(), ratio * 100, target * 100,
              ratio >= target ? "met" : "NOT met");
}

void print_share(const std::string& name, double share) {
  std::printf("  %-58s %11.1f%%\n", name.c_str(), 100 * share);
}

void print_cpu(const std::string& name, const LoadResult& load, const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < names.size() && i < load.observed_cpu.size(); ++i) {
    const auto& cpu = load.observed_cpu[i];
    char unit[64];
    std::snprintf(unit, sizeof unit, "us (%.1f in the kernel)", load.per_request_us({0, cpu.system}));
    print_figure(name + ": " + names[i] + " CPU per request", load.per_request_us(cpu), unit);
  }
  print_figure(name + ": load generator CPU per request", load.per_request_us(load.client_cpu), "us");
}

}  // namespace faasgate::bench
