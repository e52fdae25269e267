#include "faasgate/queue/sqlite_queue.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <string_view>

#include "checks.hpp"
#include "codec.hpp"
#include "faasgate/sqlite/database.hpp"

namespace faasgate::queue {

namespace {

using detail::error;
using sqlite::clamp_i64;
using sqlite::Query;

// ---- schema -------------------------------------------------------------------------------
//
// Step i (1-based) takes the queue's tables from version i-1 to version i; queue_schema holds the
// number of steps applied. Steps are append-only: a released step is never edited, a change is a
// new step. STRICT tables: SQLite refuses a value of the wrong type instead of storing it.
constexpr std::array<std::string_view, 1> kMigrations = {
    // 1: the calls. This is the table SqliteStore's schema step 2 created before the queue was a
    // module of its own, column for column: a file that has it already keeps it, and its calls
    // (IF NOT EXISTS). seq keeps arrival order among calls due at the same second.
    R"sql(
CREATE TABLE IF NOT EXISTS async_calls (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT NOT NULL UNIQUE,
  function         TEXT NOT NULL,
  ns               TEXT NOT NULL,
  method           TEXT NOT NULL,
  path             TEXT NOT NULL,
  query            TEXT NOT NULL,
  headers          TEXT NOT NULL,
  body             BLOB NOT NULL,
  callback_url     TEXT NOT NULL,
  enqueued_at      INTEGER NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  due_at           INTEGER NOT NULL,
  lease_until      INTEGER,
  result_status    INTEGER,
  result_body      BLOB,
  result_headers   TEXT,
  duration_seconds REAL NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS async_calls_due ON async_calls (due_at, seq);
)sql",
};

// One row: the number of the queue's steps applied to this file.
constexpr std::string_view kVersionTable = "CREATE TABLE IF NOT EXISTS queue_schema (version INTEGER NOT NULL) STRICT";

constexpr std::string_view kCallColumns =
    "id, function, ns, method, path, query, headers, body, callback_url, enqueued_at, attempts, result_status, "
    "result_body, result_headers, duration_seconds";

}  // namespace

// ---- the connection -----------------------------------------------------------------------

struct SqliteQueue::Impl {
  std::unique_ptr<sqlite::Connection> db;
  std::mutex mu;  // guards db and its statement cache: one caller at a time

  static QueueError io_error(sqlite::Failure f) { return error(QueueErrc::io, std::move(f.message)); }
  QueueError io(std::string_view what, int rc) const { return io_error(db->failure(what, rc)); }

  // `sql` is the cache key and is not copied: pass a string literal or a static string.
  Result<sqlite3_stmt*> prepare(std::string_view sql) {
    auto stmt = db->prepare(sql);
    if (!stmt) return core::fail(io_error(std::move(stmt).error()));
    return *stmt;
  }

  Result<void> exec(const std::string& sql, std::string_view what) {
    auto done = db->exec(sql, what);
    if (!done) return core::fail(io_error(std::move(done).error()));
    return {};
  }

  // Runs `f` in a write transaction; commits if `f` succeeded (sqlite::Connection::transaction).
  template <class F>
  auto transaction(F&& f) -> decltype(f()) {
    return db->transaction(std::forward<F>(f), io_error);
  }

  // Runs a write of exactly one call's row: a second row with its id is `already_exists`, no row
  // `not_found`.
  Result<void> write_one(Query& q, std::string_view id) {
    const auto what = detail::call_label(id);
    int rc = q.step();
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return core::fail(error(QueueErrc::already_exists, what + " already exists"));
    if (rc != SQLITE_DONE) return core::fail(io("cannot write " + what, rc));
    if (sqlite3_changes(db->handle()) == 0) return core::fail(error(QueueErrc::not_found, what + " not found"));
    return {};
  }

  Result<std::size_t> version() {
    auto v = db->integer("SELECT coalesce(max(version), 0) FROM queue_schema", "cannot read the queue's schema version");
    if (!v) return core::fail(io_error(std::move(v).error()));
    return static_cast<std::size_t>(*v);
  }

  // In the caller's transaction.
  Result<void> migrate() {
    if (auto r = exec(std::string(kVersionTable), "cannot create the queue's schema table"); !r) return r;
    auto current = version();
    if (!current) return core::fail(current.error());
    if (*current > kMigrations.size()) {
      return core::fail(error(QueueErrc::io, "the database " + db->path() + " has async queue schema version " +
                                                 std::to_string(*current) + ", newer than this gateway knows (" +
                                                 std::to_string(kMigrations.size()) + "): upgrade the gateway"));
    }
    if (*current == kMigrations.size()) return {};
    for (std::size_t v = *current; v < kMigrations.size(); ++v) {
      if (auto r = exec(std::string(kMigrations[v]),
                        "migration to async queue schema version " + std::to_string(v + 1) + " failed");
          !r) {
        return r;
      }
    }
    return exec("DELETE FROM queue_schema; INSERT INTO queue_schema (version) VALUES (" +
                    std::to_string(kMigrations.size()) + ")",
                "cannot set the queue's schema version");
  }

  // The whole queue's usage and that of one function, as QueueLimits counts it, in one scan.
  // length() of a BLOB column reads the record header, not the blob's overflow pages.
  Result<std::pair<detail::QueueUsage, detail::QueueUsage>> usage(const std::string& ns, const std::string& function) {
    auto stmt = prepare(
        "SELECT count(*), coalesce(sum(length(body) + coalesce(length(result_body), 0)), 0), "
        "coalesce(sum(ns = ?1 AND function = ?2), 0), "
        "coalesce(sum(CASE WHEN ns = ?1 AND function = ?2 THEN length(body) + coalesce(length(result_body), 0) "
        "ELSE 0 END), 0) FROM async_calls");
    if (!stmt) return core::fail(stmt.error());
    Query q(*stmt);
    q.text(1, ns).text(2, function);
    if (int rc = q.step(); rc != SQLITE_ROW) return core::fail(io("cannot count the async queue", rc));
    auto n = [&](int c) { return static_cast<std::uint64_t>(std::max<std::int64_t>(0, q.col_int(c))); };
    return std::pair(detail::QueueUsage{n(0), n(1)}, detail::QueueUsage{n(2), n(3)});
  }

  Result<void> insert(const AsyncCall& call) {
    auto stmt = prepare(
        "INSERT INTO async_calls (id, function, ns, method, path, query, headers, body, callback_url, enqueued_at, "
        "attempts, due_at, lease_until, result_status, result_body, result_headers, duration_seconds) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10, NULL, ?12, ?13, ?14, ?15)");
    if (!stmt) return core::fail(stmt.error());
    Query q(*stmt);
    q.text(1, call.id).text(2, call.function).text(3, call.namespace_).text(4, call.method).text(5, call.path);
    q.text(6, call.query).text(7, codec::encode_pairs(call.headers)).blob(8, call.body).text(9, call.callback_url);
    q.integer(10, core::to_unix(call.enqueued_at)).integer(11, call.attempts);
    if (call.result_status) {
      q.integer(12, *call.result_status).blob(13, call.result_body).text(14, codec::encode_pairs(call.result_headers));
    } else {
      q.null(12).null(13).null(14);
    }
    q.real(15, call.duration_seconds);
    return write_one(q, call.id);
  }

  // The kCallColumns, from column `c`.
  Result<AsyncCall> read_call(Query& q, int c) {
    AsyncCall call;
    call.id = q.col_text(c + 0);
    call.function = q.col_text(c + 1);
    call.namespace_ = q.col_text(c + 2);
    call.method = q.col_text(c + 3);
    call.path = q.col_text(c + 4);
    call.query = q.col_text(c + 5);
    auto headers = codec::decode_pairs(q.col_text(c + 6));
    call.body = q.col_blob(c + 7);
    call.callback_url = q.col_text(c + 8);
    call.enqueued_at = core::from_unix(q.col_int(c + 9));
    call.attempts = static_cast<std::uint32_t>(q.col_int(c + 10));
    std::optional<codec::Pairs> result_headers = codec::Pairs{};
    if (!q.col_null(c + 11)) {
      call.result_status = static_cast<std::uint32_t>(q.col_int(c + 11));
      call.result_body = q.col_blob(c + 12);
      if (!q.col_null(c + 13)) result_headers = codec::decode_pairs(q.col_text(c + 13));
    }
    call.duration_seconds = q.col_real(c + 14);
    if (!headers || !result_headers) {
      return core::fail(error(QueueErrc::io, "the stored headers of " + detail::call_label(call.id) + " are corrupt"));
    }
    call.headers = std::move(*headers);
    call.result_headers = std::move(*result_headers);
    return call;
  }
};

// ---- open ---------------------------------------------------------------------------------

std::size_t SqliteQueue::latest_schema_version() noexcept { return kMigrations.size(); }

SqliteQueue::SqliteQueue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteQueue::~SqliteQueue() = default;

Result<std::unique_ptr<SqliteQueue>> SqliteQueue::open(const std::filesystem::path& db_path,
                                                       const SqliteQueueOptions& options) {
  auto impl = std::make_unique<Impl>();
  auto db = sqlite::Connection::open(db_path, options.busy_timeout_ms);
  if (!db) return core::fail(Impl::io_error(std::move(db).error()));
  impl->db = std::move(*db);
  if (auto migrated = impl->transaction([&] { return impl->migrate(); }); !migrated) {
    return core::fail(std::move(migrated).error());
  }
  return std::unique_ptr<SqliteQueue>(new SqliteQueue(std::move(impl)));
}

Result<std::size_t> SqliteQueue::schema_version() {
  std::lock_guard lock(impl_->mu);
  return impl_->version();
}

// ---- the calls ----------------------------------------------------------------------------

Result<void> SqliteQueue::enqueue(const AsyncCall& call, const QueueLimits& limits) {
  if (auto bad = detail::check_call_id(call.id)) return core::fail(*bad);
  std::lock_guard lock(impl_->mu);
  // One write transaction for the count and the insert: BEGIN IMMEDIATE holds the write lock
  // from the count on, so no other connection (or process) can enqueue in between. The commit
  // is fsynced (synchronous=FULL) before this returns.
  return impl_->transaction([&]() -> Result<void> {
    if (!detail::unlimited(limits)) {
      auto used = impl_->usage(call.namespace_, call.function);
      if (!used) return core::fail(used.error());
      if (auto full = detail::check_room(call, limits, used->first, used->second)) return core::fail(*full);
    }
    return impl_->insert(call);
  });
}

Result<std::vector<AsyncCall>> SqliteQueue::lease_calls(std::size_t max, core::Instant now, std::chrono::seconds lease) {
  if (auto bad = detail::check_lease(lease)) return core::fail(*bad);
  if (max == 0) return std::vector<AsyncCall>{};
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Result<std::vector<AsyncCall>> {
    static const std::string select = "SELECT seq, " + std::string(kCallColumns) +
                                      " FROM async_calls WHERE due_at <= ?1 AND (lease_until IS NULL OR "
                                      "lease_until <= ?1) ORDER BY due_at, seq LIMIT ?2";
    auto stmt = impl_->prepare(select);
    if (!stmt) return core::fail(stmt.error());
    std::vector<AsyncCall> out;
    std::vector<std::int64_t> seqs;
    {
      Query q(*stmt);
      q.integer(1, core::to_unix(now)).integer(2, clamp_i64(max));
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) {
        seqs.push_back(q.col_int(0));
        auto call = impl_->read_call(q, 1);
        if (!call) return core::fail(call.error());
        out.push_back(std::move(*call));
      }
      if (rc != SQLITE_DONE) return core::fail(impl_->io("cannot read the async queue", rc));
    }
    auto update = impl_->prepare("UPDATE async_calls SET lease_until = ?2 WHERE seq = ?1");
    if (!update) return core::fail(update.error());
    for (auto seq : seqs) {
      Query q(*update);
      q.integer(1, seq).integer(2, core::to_unix(now + lease));
      if (int rc = q.step(); rc != SQLITE_DONE) return core::fail(impl_->io("cannot lease an async call", rc));
    }
    return out;
  });
}

Result<void> SqliteQueue::record_result(const AsyncCall& call) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare(
      "UPDATE async_calls SET result_status = ?2, result_body = ?3, result_headers = ?4, duration_seconds = ?5 "
      "WHERE id = ?1");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, call.id);
  if (call.result_status) {
    q.integer(2, *call.result_status).blob(3, call.result_body).text(4, codec::encode_pairs(call.result_headers));
  } else {
    q.null(2).null(3).null(4);
  }
  q.real(5, call.duration_seconds);
  return impl_->write_one(q, call.id);
}

Result<void> SqliteQueue::retry_later(const std::string& id, core::Instant when) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare(
      "UPDATE async_calls SET due_at = ?2, lease_until = NULL, attempts = attempts + 1 WHERE id = ?1");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, id).integer(2, core::to_unix(when));
  return impl_->write_one(q, id);
}

Result<void> SqliteQueue::extend_lease(const std::string& id, core::Instant now, std::chrono::seconds lease) {
  if (auto bad = detail::check_lease(lease)) return core::fail(*bad);
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("UPDATE async_calls SET lease_until = ?2 WHERE id = ?1");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, id).integer(2, core::to_unix(now + lease));
  return impl_->write_one(q, id);
}

Result<void> SqliteQueue::complete(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("DELETE FROM async_calls WHERE id = ?1");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, id);
  return impl_->write_one(q, id);
}

Result<std::size_t> SqliteQueue::depth() {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("SELECT COUNT(*) FROM async_calls");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  if (int rc = q.step(); rc != SQLITE_ROW) return core::fail(impl_->io("cannot count the async queue", rc));
  return static_cast<std::size_t>(q.col_int(0));
}

Result<void> SqliteQueue::release_leases() {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("UPDATE async_calls SET lease_until = NULL WHERE lease_until IS NOT NULL");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  if (int rc = q.step(); rc != SQLITE_DONE) return core::fail(impl_->io("cannot release the async queue's leases", rc));
  return {};
}

// Completed calls leave free pages behind; with auto_vacuum=INCREMENTAL they can be handed back.
// Below kReclaimMinBytes of free pages nothing is done: new calls reuse free pages anyway, and a
// vacuum and a checkpoint cost syncs. The checkpoint (TRUNCATE) is what shrinks the files: in
// WAL mode the vacuum's truncation reaches the database file only when the WAL is checkpointed.
Result<void> SqliteQueue::reclaim_space() {
  constexpr std::int64_t kReclaimMinBytes = 1 << 20;
  std::lock_guard lock(impl_->mu);
  std::int64_t free_bytes = 0;
  {
    auto stmt = impl_->prepare("SELECT freelist_count * page_size FROM pragma_freelist_count, pragma_page_size");
    if (!stmt) return core::fail(stmt.error());
    Query q(*stmt);
    if (int rc = q.step(); rc != SQLITE_ROW) return core::fail(impl_->io("cannot read the free page count", rc));
    free_bytes = q.col_int(0);
  }
  if (free_bytes < kReclaimMinBytes) return {};
  if (auto r = impl_->exec("PRAGMA incremental_vacuum", "cannot give free pages back"); !r) return r;
  // Busy (another connection reading) is not an error: the next checkpoint finishes the job.
  return impl_->exec("PRAGMA wal_checkpoint(TRUNCATE)", "cannot checkpoint the WAL");
}

}  // namespace faasgate::queue
