// faasgate-bench: every figure is measured in this one run, side by side with what it is compared
// against, on this machine. Only 127.0.0.1 is used.
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace faasgate::bench {
void run_exchange_bench(const std::filesystem::path& bin_dir);
void run_function_bench(const std::filesystem::path& bin_dir);
void run_iam_bench(const std::filesystem::path& bin_dir);
}

// `faasgate-bench [exchange|functions|iam]...` runs the named sections only; no argument runs all.
int main(int argc, char** argv) {
  auto bin_dir = std::filesystem::canonical("/proc/self/exe").parent_path();
  auto wanted = [&](std::string_view section) {
    if (argc < 2) return true;
    for (int i = 1; i < argc; ++i)
      if (section == argv[i]) return true;
    return false;
  };
  std::printf("faasgate benchmarks (%s)\n", bin_dir.c_str());
  if (wanted("exchange")) faasgate::bench::run_exchange_bench(bin_dir);
  if (wanted("functions")) faasgate::bench::run_function_bench(bin_dir);
  if (wanted("iam")) faasgate::bench::run_iam_bench(bin_dir);
  return 0;
}
