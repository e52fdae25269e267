#pragma once
// SqliteQueue: the async queue in the gateway's SQLite file (<data-dir>/faasgate.db), beside the
// store's tables, on a connection of its own (sqlite/database.hpp: WAL, synchronous=FULL, a busy
// timeout, incremental auto-vacuum).
//
// Durability: a commit is fsynced before it returns, so an accepted call survives kill -9 of the
// gateway and also a power cut.
// Thread-safety: one connection behind a mutex, with prepared statements cached on it.
// Limits across connections: enqueue() counts and inserts in one BEGIN IMMEDIATE transaction, so
// a second connection (another gateway process on the same file) cannot slip in between.
// Schema: the queue owns the table async_calls and its migrations; the version is kept in the
// queue's own table queue_schema (PRAGMA user_version is the store's). Version 1 is the table as
// the store created it before the queue was a module of its own (`IF NOT EXISTS`): a gateway
// upgraded in place keeps the calls queued in its file. A database newer than this code is refused.
#include <cstddef>
#include <filesystem>
#include <memory>

#include "faasgate/queue/queue.hpp"

namespace faasgate::queue {

struct SqliteQueueOptions {
  int busy_timeout_ms = 5000;  // waiting for another connection's write lock (the store's, another process's)
};

class SqliteQueue final : public Queue {
 public:
  // Opens (creating if needed, mode 0600) the database at `db_path` and brings the queue's
  // tables to the latest version.
  static Result<std::unique_ptr<SqliteQueue>> open(const std::filesystem::path& db_path,
                                                   const SqliteQueueOptions& options = {});
  static std::size_t latest_schema_version() noexcept;

  ~SqliteQueue() override;
  SqliteQueue(const SqliteQueue&) = delete;
  SqliteQueue& operator=(const SqliteQueue&) = delete;

  Result<std::size_t> schema_version();

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
  struct Impl;
  explicit SqliteQueue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace faasgate::queue
