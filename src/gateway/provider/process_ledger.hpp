#pragma once
// Internal to the provider: which function processes a gateway has running, kept on disk so that
// the next gateway can stop what a crashed one left behind.
//
// Function processes run in process groups of their own and are not killed with the gateway (no
// PR_SET_PDEATHSIG with posix_spawn): a gateway killed with SIGKILL - the OOM killer, kill -9 -
// leaves its replicas running, holding their ports and memory, and the restarted gateway would
// start a second set beside them. So each spawned process is written down as a file named by its
// pid holding its start time (field 22 of /proc/<pid>/stat, clock ticks since boot), and erased
// once it is reaped. A new gateway kills the process group of every entry whose pid still has the
// recorded start time - a pid the kernel has given to an unrelated process since has another -
// and erases the entries.
//
// Limits: a group whose leader has died and been reaped by init cannot be verified and is left
// alone; two gateways must not share a data directory (they would stop each other's processes).
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <optional>

namespace faasgate::provider::detail {

// Start time of a live (or zombie) process, from /proc; nullopt when there is no such process.
std::optional<unsigned long long> process_start_time(pid_t pid);

class ProcessLedger {
 public:
  // An empty `dir` keeps no ledger.
  explicit ProcessLedger(std::filesystem::path dir);

  // Best effort: a ledger that cannot be written is logged, never fatal to a spawn.
  void add(pid_t pid) const;
  void remove(pid_t pid) const;

  // Kills (SIGKILL) the process groups a previous gateway left and empties the ledger. Returns how
  // many groups were killed.
  std::size_t stop_leftovers() const;

 private:
  std::filesystem::path dir_;
};

}  // namespace faasgate::provider::detail
