#include "faasgate/queue/memory_queue.hpp"

#include <algorithm>

#include "checks.hpp"

namespace faasgate::queue {

using detail::error;

namespace {
QueueError not_found(std::string_view id) { return error(QueueErrc::not_found, detail::call_label(id) + " not found"); }
}  // namespace

Result<void> MemoryQueue::enqueue(const AsyncCall& call, const QueueLimits& limits) {
  if (auto bad = detail::check_call_id(call.id)) return core::fail(*bad);
  std::lock_guard lock(mu_);
  // Counted under the same lock as the insert: no other enqueue can slip in between.
  if (!detail::unlimited(limits)) {
    detail::QueueUsage all, function;
    for (const auto& [id, q] : calls_) {
      const auto bytes = detail::call_bytes(q.call);
      ++all.calls;
      all.bytes += bytes;
      if (q.call.function == call.function && q.call.namespace_ == call.namespace_) {
        ++function.calls;
        function.bytes += bytes;
      }
    }
    if (auto full = detail::check_room(call, limits, all, function)) return core::fail(*full);
  }
  Queued queued{call, next_seq_, call.enqueued_at, std::nullopt};
  if (!call.result_status) {  // as SqliteQueue: a result without a status is not kept
    queued.call.result_body.clear();
    queued.call.result_headers.clear();
  }
  if (!calls_.emplace(call.id, std::move(queued)).second) {
    return core::fail(error(QueueErrc::already_exists, detail::call_label(call.id) + " already exists"));
  }
  ++next_seq_;
  return {};
}

Result<std::vector<AsyncCall>> MemoryQueue::lease_calls(std::size_t max, core::Instant now, std::chrono::seconds lease) {
  if (auto bad = detail::check_lease(lease)) return core::fail(*bad);
  std::lock_guard lock(mu_);
  std::vector<Queued*> due;
  for (auto& [id, q] : calls_) {
    if (q.due_at <= now && (!q.lease_until || *q.lease_until <= now)) due.push_back(&q);
  }
  // The same order as SqliteQueue: due first, then arrival.
  std::sort(due.begin(), due.end(), [](const Queued* a, const Queued* b) {
    return std::pair(a->due_at, a->seq) < std::pair(b->due_at, b->seq);
  });
  if (due.size() > max) due.resize(max);
  std::vector<AsyncCall> out;
  for (auto* q : due) {
    q->lease_until = now + lease;
    out.push_back(q->call);
  }
  return out;
}

Result<void> MemoryQueue::record_result(const AsyncCall& call) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(call.id);
  if (it == calls_.end()) return core::fail(not_found(call.id));
  detail::keep_result(it->second.call, call);
  return {};
}

Result<void> MemoryQueue::retry_later(const std::string& id, core::Instant when) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(id);
  if (it == calls_.end()) return core::fail(not_found(id));
  it->second.due_at = when;
  it->second.lease_until.reset();
  ++it->second.call.attempts;
  return {};
}

Result<void> MemoryQueue::extend_lease(const std::string& id, core::Instant now, std::chrono::seconds lease) {
  if (auto bad = detail::check_lease(lease)) return core::fail(*bad);
  std::lock_guard lock(mu_);
  auto it = calls_.find(id);
  if (it == calls_.end()) return core::fail(not_found(id));
  it->second.lease_until = now + lease;
  return {};
}

Result<void> MemoryQueue::complete(const std::string& id) {
  std::lock_guard lock(mu_);
  if (calls_.erase(id) == 0) return core::fail(not_found(id));
  return {};
}

Result<std::size_t> MemoryQueue::depth() {
  std::lock_guard lock(mu_);
  return calls_.size();
}

Result<void> MemoryQueue::release_leases() {
  std::lock_guard lock(mu_);
  for (auto& [id, q] : calls_) q.lease_until.reset();
  return {};
}

Result<void> MemoryQueue::reclaim_space() { return {}; }  // erased calls' memory is freed at once

}  // namespace faasgate::queue
