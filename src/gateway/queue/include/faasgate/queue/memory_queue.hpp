#pragma once
// MemoryQueue: the Queue contract in memory, for tests of the modules above the queue. It keeps
// the same invariants and returns the same error codes as SqliteQueue (one contract test runs
// against both); it persists nothing, so at-least-once holds only while the process lives.
// One mutex guards everything.
#include <map>
#include <mutex>

#include "faasgate/queue/queue.hpp"

namespace faasgate::queue {

class MemoryQueue final : public Queue {
 public:
  Result<void> enqueue(const AsyncCall& call, const QueueLimits& limits) override;
  Result<std::vector<AsyncCall>> lease_calls(std::size_t max, core::Instant now, std::chrono::seconds lease) override;
  Result<void> record_result(const AsyncCall& call) override;
  Result<void> retry_later(const std::string& id, core::Instant when) override;
  Result<void> extend_lease(const std::string& id, core::Instant now, std::chrono::seconds lease) override;
  Result<void> complete(const std::string& id) override;
  Result<std::size_t> depth() override;
  Result<void> release_leases() override;
  Result<void> reclaim_space() override;

 private:
  struct Queued {
    AsyncCall call;
    std::uint64_t seq = 0;  // arrival order among calls due at the same time
    core::Instant due_at{};
    std::optional<core::Instant> lease_until;
  };

  std::mutex mu_;
  std::map<std::string, Queued> calls_;  // by id
  std::uint64_t next_seq_ = 0;
};

}  // namespace faasgate::queue
