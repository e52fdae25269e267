// faasgate-bench: every figure is measured in this one run, side by side with what it is compared
// against, on this machine. Only 127.0.0.1 is used.
#include <cstdio>
#include <filesystem>
#include <string>

namespace faasgate::bench {
void run_exchange_bench(const std::filesystem::path& bin_dir);
void run_function_bench(const std::filesystem::path& bin_dir);
void run_iam_bench(const std::filesystem::path& bin_dir);
}

int main(int, char** argv) {
  auto bin_dir = std::filesystem::canonical("/proc/self/exe").parent_path();
  (void)argv;
  std::printf("faasgate benchmarks (%s)\n", bin_dir.c_str());
  faasgate::bench::run_exchange_bench(bin_dir);
  faasgate::bench::run_function_bench(bin_dir);
  faasgate::bench::run_iam_bench(bin_dir);
  return 0;
}
