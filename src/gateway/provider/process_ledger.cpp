#include "process_ledger.hpp"

#include <signal.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

#include <spdlog/spdlog.h>

namespace faasgate::provider::detail {

namespace fs = std::filesystem;

std::optional<unsigned long long> process_start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return std::nullopt;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {  // fields 3 (state) to 22 (starttime)
    if (!(fields >> field)) return std::nullopt;
  }
  unsigned long long start = 0;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), start);
  if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return start;
}

ProcessLedger::ProcessLedger(fs::path dir) : dir_(std::move(dir)) {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) spdlog::warn("runtime: cannot create the process ledger {}: {}", dir_.string(), ec.message());
}

void ProcessLedger::add(pid_t pid) const {
  if (dir_.empty()) return;
  auto start = process_start_time(pid);
  if (!start) return;  // already gone
  std::ofstream out(dir_ / std::to_string(pid), std::ios::trunc);
  out << *start << "\n";
  if (!out.flush()) spdlog::warn("runtime: cannot record process {} in {}", pid, dir_.string());
}

void ProcessLedger::remove(pid_t pid) const {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove(dir_ / std::to_string(pid), ec);
}

std::size_t ProcessLedger::stop_leftovers() const {
  if (dir_.empty()) return 0;
  std::size_t killed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    pid_t pid = 0;
    auto [end, perr] = std::from_chars(name.data(), name.data() + name.size(), pid);
    unsigned long long recorded = 0;
    std::ifstream in(entry.path());
    const bool readable = perr == std::errc() && end == name.data() + name.size() && pid > 1 && (in >> recorded);
    if (readable && process_start_time(pid) == recorded) {
      // Still the process we spawned: it leads its own group (pgid = pid).
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      ++killed;
      spdlog::warn("runtime: stopped process group {} left running by a previous gateway", pid);
    }
    std::error_code rec;
    fs::remove(entry.path(), rec);
  }
  return killed;
}

}  // namespace faasgate::provider::detail
