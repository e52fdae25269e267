#include "faasgate/cron_connector/scheduler.hpp"

#include <algorithm>

namespace faasgate::cron_connector {

void Scheduler::apply(const ScheduleDiff& diff, TimePoint now) {
  for (const auto& e : diff.removed) remove(e.key);
  for (const auto& e : diff.added) add(e, now);
  for (const auto& e : diff.updated) {
    auto it = entries_.find(e.key);
    if (it != entries_.end()) it->second.entry = e;
  }
}

void Scheduler::add(const ScheduleEntry& entry, TimePoint now) {
  if (!entry.valid()) return;
  Entry e{entry, cron::next_after(*entry.schedule, floor_seconds(now))};
  entries_.insert_or_assign(entry.key, std::move(e));
}

void Scheduler::remove(const FunctionKey& key) { entries_.erase(key); }

DueFires Scheduler::due(TimePoint now) {
  DueFires out;
  const auto second = floor_seconds(now);
  for (auto& [key, e] : entries_) {
    if (!e.next || *e.next > now) continue;
    const auto scheduled = *e.next;
    if (running_.contains(key)) {
      out.skipped.push_back({key, scheduled});
    } else {
      running_.insert(key);
      out.fires.push_back({e.entry, scheduled});
    }
    // From max(now, scheduled): whatever was missed before `now` is not handed out again.
    e.next = cron::next_after(*e.entry.schedule, std::max(second, scheduled));
  }
  return out;
}

void Scheduler::finished(const FunctionKey& key) { running_.erase(key); }

std::optional<std::chrono::sys_seconds> Scheduler::next_fire() const {
  std::optional<std::chrono::sys_seconds> earliest;
  for (const auto& [key, e] : entries_)
    if (e.next && (!earliest || *e.next < *earliest)) earliest = e.next;
  return earliest;
}

std::optional<std::chrono::sys_seconds> Scheduler::next_fire(const FunctionKey& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.next;
}

}  // namespace faasgate::cron_connector
