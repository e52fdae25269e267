// Replays fuzz inputs without libFuzzer: calls LLVMFuzzerTestOneInput once on every regular file
// under each argument (a file or a directory, walked recursively, in name order). This is how the
// normal GCC build (ASan + UBSan) runs the committed corpora as ctest tests `fuzz_replay.<target>`.
// Exit status: 0 when every input ran; 1 on a usage error, an unreadable path or an argument
// that holds no input (so a misspelt corpus path cannot pass silently). A crash aborts, as under
// libFuzzer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 1;
  }
  std::size_t total = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<fs::path> files;
    std::error_code ec;
    const fs::path root = argv[i];
    if (fs::is_directory(root, ec)) {
      for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path());
      }
    } else if (fs::is_regular_file(root, ec)) {
      files.push_back(root);
    }
    if (ec || files.empty()) {
      std::fprintf(stderr, "%s: no inputs in %s\n", argv[0], argv[i]);
      return 1;
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "%s: cannot read %s\n", argv[0], file.c_str());
        return 1;
      }
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      std::fprintf(stderr, "Running: %s (%zu bytes)\n", file.c_str(), bytes.size());
      // A heap copy of exactly `size` bytes (never a null pointer, even when empty), so that ASan
      // sees a read past the end as an overflow, as it would under libFuzzer.
      std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[bytes.size()]);
      std::copy(bytes.begin(), bytes.end(), exact.get());
      LLVMFuzzerTestOneInput(exact.get(), bytes.size());
      ++total;
    }
  }
  std::fprintf(stderr, "Executed %zu inputs\n", total);
  return 0;
}
