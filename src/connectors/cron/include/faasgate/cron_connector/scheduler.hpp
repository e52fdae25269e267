#pragma once
// The scheduler's core: when each scheduled function fires next, which are due at `now`, and
// which of those must be skipped. Pure: `now` is an argument, nothing is invoked here (the shell
// hands fires to its worker pool and reports back with finished()). Not thread-safe; the shell
// holds one lock around it.
//
// Beyond the upstream connector (robfig/cron underneath):
//  - a fire whose previous run of the same function is still in flight (queued or running) is
//    skipped and counted, never started twice;
//  - after a fire (or a skip) the next time is computed from max(now, scheduled): a connector
//    that could not fire for a while (stopped in a debugger, a machine suspended, a loop stalled
//    behind a slow gateway) fires once for what it missed, not once per missed time.
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <optional>
#include <vector>

#include "faasgate/cron_connector/schedule_set.hpp"

namespace faasgate::cron_connector {

using TimePoint = std::chrono::system_clock::time_point;

struct Fire {
  ScheduleEntry entry;
  std::chrono::sys_seconds scheduled;  // the fire time the schedule named
};

struct Skip {
  FunctionKey key;
  std::chrono::sys_seconds scheduled;
};

struct DueFires {
  std::vector<Fire> fires;
  std::vector<Skip> skipped;
};

class Scheduler {
 public:
  // Applies a diff: removed entries first, then added ones (a changed schedule restarts from
  // `now`), then updates, which keep each entry's next fire time.
  void apply(const ScheduleDiff& diff, TimePoint now);
  void add(const ScheduleEntry& entry, TimePoint now);
  void remove(const FunctionKey& key);

  // Every entry whose next fire time is at or before `now`, once each; each is marked in flight
  // until finished() is called for it. Entries whose previous fire is still in flight are
  // skipped. Either way the entry's next fire time moves past max(now, scheduled).
  DueFires due(TimePoint now);
  // The fire of `key` handed out by due() has ended (or was never started).
  void finished(const FunctionKey& key);

  // The earliest next fire time, or nullopt when nothing will fire.
  std::optional<std::chrono::sys_seconds> next_fire() const;
  std::optional<std::chrono::sys_seconds> next_fire(const FunctionKey& key) const;
  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t in_flight() const noexcept { return running_.size(); }

 private:
  struct Entry {
    ScheduleEntry entry;
    std::optional<std::chrono::sys_seconds> next;  // nullopt: the schedule never fires again
  };
  std::map<FunctionKey, Entry> entries_;
  // Keyed by function, not by entry: a schedule removed and added again while its fire runs is
  // still not started twice.
  std::set<FunctionKey> running_;
};

// The whole second at or before `t`.
inline std::chrono::sys_seconds floor_seconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

}  // namespace faasgate::cron_connector
