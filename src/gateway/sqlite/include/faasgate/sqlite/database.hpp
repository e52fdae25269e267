#pragma once
// What the modules kept in the gateway's SQLite file (<data-dir>/faasgate.db) share: SqliteStore
// (the platform's objects) and SqliteQueue (the async queue) each hold a Connection of their own
// to the one file, and each owns its tables and their migrations.
//
// Every Connection opens the file the same way, so whichever opens a new file first gives it the
// gateway's settings: mode 0600 from the first byte, WAL (refused if the file system cannot),
// synchronous=FULL (a commit is fsynced before it returns: it survives kill -9 and a power cut),
// a busy timeout for the other connections' write locks, and incremental auto-vacuum (a file
// made before it is converted once, at open).
// A Connection is not thread-safe: its owner serialises the calls (SQLite serialises writers anyway).
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "faasgate/core/result.hpp"

namespace faasgate::sqlite {

// A failed database operation: what failed, SQLite's reason and the file, and SQLite's (extended)
// result code for callers that tell constraint violations apart.
struct Failure {
  int rc = SQLITE_ERROR;
  std::string message;
};

template <class T>
using Result = core::Expected<T, Failure>;

// A cached prepared statement in use: reset and unbound when the Query ends, ready for reuse.
class Query {
 public:
  explicit Query(sqlite3_stmt* s) : s_(s) {}
  ~Query() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Bind failures (out of memory, a value over SQLite's limits) surface from step().
  Query& text(int i, std::string_view v) {
    keep(sqlite3_bind_text64(s_, i, v.data() ? v.data() : "", v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    return *this;
  }
  Query& blob(int i, std::string_view v) {
    // A null pointer would bind NULL rather than an empty blob.
    keep(v.empty() ? sqlite3_bind_zeroblob(s_, i, 0) : sqlite3_bind_blob64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT));
    return *this;
  }
  Query& integer(int i, std::int64_t v) {
    keep(sqlite3_bind_int64(s_, i, v));
    return *this;
  }
  Query& real(int i, double v) {
    keep(sqlite3_bind_double(s_, i, v));
    return *this;
  }
  Query& null(int i) {
    keep(sqlite3_bind_null(s_, i));
    return *this;
  }

  int step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(s_); }

  std::string col_text(int c) const {
    const auto* p = sqlite3_column_text(s_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }
  std::string col_blob(int c) const {
    const auto* p = sqlite3_column_blob(s_, c);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }
  std::int64_t col_int(int c) const { return sqlite3_column_int64(s_, c); }
  double col_real(int c) const { return sqlite3_column_double(s_, c); }
  bool col_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }

 private:
  void keep(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  sqlite3_stmt* s_;
  int bind_rc_ = SQLITE_OK;
};

// SQLite's integers are signed 64-bit: larger counts saturate instead of turning into a REAL.
std::int64_t clamp_i64(std::uint64_t v) noexcept;

class Connection {
 public:
  // Opens (creating if needed, mode 0600) the database at `path` with the settings above.
  static Result<std::unique_ptr<Connection>> open(const std::filesystem::path& path, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const noexcept { return db_; }
  const std::string& path() const noexcept { return path_; }

  // "<what>: <SQLite's message> (<path>)", for the failure `rc` of the last operation.
  Failure failure(std::string_view what, int rc) const;
  // `sql` is the cache key and is not copied: pass a string literal or a static string.
  Result<sqlite3_stmt*> prepare(std::string_view sql);
  Result<void> exec(const std::string& sql, std::string_view what);
  // The single integer a query such as "PRAGMA user_version" answers.
  Result<std::int64_t> integer(std::string_view sql, std::string_view what);

  // Runs `f` in a write transaction (BEGIN IMMEDIATE: the write lock is taken up front, so the
  // reads inside see what the writes will be based on, and no other connection or process can
  // write in between). Commits if `f` succeeded. `to_error` turns a Failure of the transaction
  // itself into the error type of `f`'s result.
  template <class F, class ToError>
  auto transaction(F&& f, ToError&& to_error) -> decltype(f()) {
    if (auto begun = exec("BEGIN IMMEDIATE", "cannot begin a transaction"); !begun)
      return core::fail(to_error(std::move(begun).error()));
    auto result = f();
    if (!result) {
      (void)exec("ROLLBACK", "cannot roll back");
      return result;
    }
    if (auto committed = exec("COMMIT", "cannot commit"); !committed) {
      (void)exec("ROLLBACK", "cannot roll back");
      return core::fail(to_error(std::move(committed).error()));
    }
    return result;
  }

 private:
  Connection() = default;
  Result<void> configure(int busy_timeout_ms);

  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string_view, sqlite3_stmt*> cache_;  // keyed by the SQL literal
};

}  // namespace faasgate::sqlite
