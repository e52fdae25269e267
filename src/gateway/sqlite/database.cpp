#include "faasgate/sqlite/database.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

namespace faasgate::sqlite {

std::int64_t clamp_i64(std::uint64_t v) noexcept {
  return v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
             ? std::numeric_limits<std::int64_t>::max()
             : static_cast<std::int64_t>(v);
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  if (db_) sqlite3_close_v2(db_);
}

Failure Connection::failure(std::string_view what, int rc) const {
  std::string message = std::string(what) + ": ";
  message += db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  message += " (" + path_ + ")";
  return {rc, std::move(message)};
}

Result<sqlite3_stmt*> Connection::prepare(std::string_view sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return core::fail(failure("cannot prepare a statement", rc));
  cache_.emplace(sql, stmt);
  return stmt;
}

Result<void> Connection::exec(const std::string& sql, std::string_view what) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return core::fail(Failure{rc, std::string(what) + ": " + text + " (" + path_ + ")"});
}

Result<std::int64_t> Connection::integer(std::string_view sql, std::string_view what) {
  auto stmt = prepare(sql);
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  if (int rc = q.step(); rc != SQLITE_ROW) return core::fail(failure(what, rc));
  return q.col_int(0);
}

Result<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& path, int busy_timeout_ms) {
  std::unique_ptr<Connection> c(new Connection());
  c->path_ = path.string();

  // Create the file ourselves so that it is private from the first byte (SQLite gives the -wal
  // and -shm files the database's mode). An existing file keeps its mode - and is not opened
  // here at all: closing any descriptor of a file drops every POSIX lock this process holds on
  // it, so an open-and-close beside a connection already open (the store's, when the queue
  // opens its own) would drop that connection's lock. Another process closing its connection
  // would then believe itself the last one and delete the -wal and -shm files under us, and we
  // would read a stale database from then on (revocations written by `faasgate iam revoke`
  // stopped arriving). O_EXCL: only a file this call creates is ever closed here.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    return core::fail(Failure{SQLITE_CANTOPEN, "cannot open " + c->path_ + ": " + std::strerror(errno)});
  }

  int rc = sqlite3_open_v2(c->path_.c_str(), &c->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return core::fail(c->failure("cannot open the database", rc));
  if (auto configured = c->configure(busy_timeout_ms); !configured) return core::fail(std::move(configured).error());
  return c;
}

Result<void> Connection::configure(int busy_timeout_ms) {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);

  // Space given back: the async queue's bodies come and go in bursts, and without auto_vacuum
  // the file never shrinks below its high-water mark (SqliteQueue::reclaim_space() hands the free
  // pages back). The mode takes effect only if set before the first table is created, so first
  // of all; a database created without it is converted by a VACUUM below.
  if (auto r = exec("PRAGMA auto_vacuum = INCREMENTAL", "cannot configure the database"); !r) return r;
  {
    // journal_mode answers with the mode in force: anything but "wal" (e.g. a file system
    // without shared memory) is refused rather than silently less durable.
    auto stmt = prepare("PRAGMA journal_mode = WAL");
    if (!stmt) return core::fail(stmt.error());
    Query q(*stmt);
    if (int rc = q.step(); rc != SQLITE_ROW) return core::fail(failure("cannot enable WAL", rc));
    if (q.col_text(0) != "wal") {
      return core::fail(Failure{SQLITE_ERROR, "cannot enable WAL on " + path_ + ": journal mode is " + q.col_text(0)});
    }
  }
  // FULL: each commit is fsynced before it returns (WAL + NORMAL survives kill -9 but not a power
  // cut; the async queue promises both). journal_size_limit: a checkpoint cuts the WAL back to
  // 4 MiB instead of leaving it as large as the biggest burst of writes made it.
  if (auto r = exec("PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 4194304", "cannot configure the database");
      !r) {
    return r;
  }

  // A database created by a gateway from before auto_vacuum (or by hand) is converted once: the
  // mode of an existing database changes only with a VACUUM, which rewrites the file (it needs
  // as much free space again, once; the next opens find the mode set and skip this).
  auto mode = integer("PRAGMA auto_vacuum", "cannot read the auto_vacuum mode");
  if (!mode) return core::fail(mode.error());
  if (*mode != 2) {  // 2: incremental (the pragma above set it on the connection, for the VACUUM)
    return exec("VACUUM", "cannot convert the database to incremental auto_vacuum");
  }
  return {};
}

}  // namespace faasgate::sqlite
