#include "faasgate/store/sqlite_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "faasgate/core/json.hpp"
#include "checks.hpp"
#include "codec.hpp"
#include "secret_box.hpp"

namespace faasgate::store {

namespace {

using detail::error;

// ---- schema -------------------------------------------------------------------------------
//
// Step i (1-based) takes the schema from version i-1 to version i; PRAGMA user_version holds the
// number of steps applied. Steps are append-only: a released step is never edited, a change is a
// new step. STRICT tables: SQLite refuses a value of the wrong type instead of storing it.
constexpr std::array<std::string_view, 3> kMigrations = {
    // 1: the platform's objects, and the key check.
    R"sql(
CREATE TABLE namespaces (
  name        TEXT PRIMARY KEY NOT NULL,
  labels      TEXT NOT NULL DEFAULT '{}',
  annotations TEXT NOT NULL DEFAULT '{}'
) STRICT;
INSERT INTO namespaces (name) VALUES ('openfaas-fn');
CREATE TABLE functions (
  ns               TEXT NOT NULL REFERENCES namespaces (name) ON DELETE RESTRICT,
  name             TEXT NOT NULL,
  deployment       TEXT NOT NULL,
  replicas         INTEGER NOT NULL,
  invocation_count INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  PRIMARY KEY (ns, name)
) STRICT;
CREATE TABLE secrets (
  ns         TEXT NOT NULL REFERENCES namespaces (name) ON DELETE RESTRICT,
  name       TEXT NOT NULL,
  nonce      BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  PRIMARY KEY (ns, name)
) STRICT;
CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value BLOB NOT NULL
) STRICT;
)sql",
    // 2: the async queue. seq keeps arrival order among calls due at the same second.
    R"sql(
CREATE TABLE async_calls (
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
CREATE INDEX async_calls_due ON async_calls (due_at, seq);
)sql",
    // 3: revocations (faasgate iam revoke).
    R"sql(
CREATE TABLE revocations (
  kind       TEXT NOT NULL,
  value      TEXT NOT NULL,
  revoked_at INTEGER NOT NULL,
  PRIMARY KEY (kind, value)
) STRICT;
)sql",
};

constexpr std::string_view kKeyCheckName = "secret_key_check";
constexpr std::string_view kKeyCheckPlain = "faasgate secret key check";
// ':' cannot occur in a name, so no secret's "<ns>/<name>" can equal this associated data.
constexpr std::string_view kKeyCheckAad = "meta:secret_key_check";

std::string aad_for(const model::SecretRef& ref) { return ref.namespace_ + "/" + ref.name; }

// ---- statements ---------------------------------------------------------------------------

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

std::int64_t clamp_i64(std::uint64_t v) {
  return v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
             ? std::numeric_limits<std::int64_t>::max()
             : static_cast<std::int64_t>(v);
}

}  // namespace

// ---- the connection -----------------------------------------------------------------------

struct SqliteStore::Impl {
  sqlite3* db = nullptr;
  std::mutex mu;  // guards db and the statement cache: one caller at a time
  std::unordered_map<std::string_view, sqlite3_stmt*> cache;  // keyed by the SQL literal
  std::optional<SecretBox> box;
  std::string path;

  ~Impl() {
    for (auto& [sql, stmt] : cache) sqlite3_finalize(stmt);
    if (db) sqlite3_close_v2(db);
  }

  StoreError io(std::string_view what, int rc) const {
    std::string message = std::string(what) + ": ";
    message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    message += " (" + path + ")";
    return error(StoreErrc::io, std::move(message));
  }

  // A failed step: a uniqueness violation is `already_exists`, a foreign key `conflict`.
  StoreError step_error(int rc, const std::string& what) const {
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
      return error(StoreErrc::already_exists, what + " already exists");
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return error(StoreErrc::conflict, what + ": its namespace does not exist");
    return io("cannot write " + what, rc);
  }

  // `sql` is the cache key and is not copied: pass a string literal or a static string.
  Result<sqlite3_stmt*> prepare(std::string_view sql) {
    if (auto it = cache.find(sql); it != cache.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return core::fail(io("cannot prepare a statement", rc));
    cache.emplace(sql, stmt);
    return stmt;
  }

  Result<void> exec(const std::string& sql, std::string_view what) {
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return {};
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return core::fail(error(StoreErrc::io, std::string(what) + ": " + text + " (" + path + ")"));
  }

  // Runs `f` in a write transaction (BEGIN IMMEDIATE: the write lock is taken up front, so the
  // reads inside see what the writes will be based on). Commits if `f` succeeded.
  template <class F>
  auto transaction(F&& f) -> decltype(f()) {
    if (auto begun = exec("BEGIN IMMEDIATE", "cannot begin a transaction"); !begun)
      return core::fail(std::move(begun).error());
    auto result = f();
    if (!result) {
      (void)exec("ROLLBACK", "cannot roll back");
      return result;
    }
    if (auto committed = exec("COMMIT", "cannot commit"); !committed) {
      (void)exec("ROLLBACK", "cannot roll back");
      return core::fail(std::move(committed).error());
    }
    return result;
  }

  Result<std::size_t> user_version() {
    auto stmt = prepare("PRAGMA user_version");
    if (!stmt) return core::fail(stmt.error());
    Query q(*stmt);
    int rc = q.step();
    if (rc != SQLITE_ROW) return core::fail(io("cannot read the schema version", rc));
    return static_cast<std::size_t>(q.col_int(0));
  }

  Result<bool> namespace_exists(const std::string& name) {
    auto stmt = prepare("SELECT 1 FROM namespaces WHERE name = ?1");
    if (!stmt) return core::fail(stmt.error());
    Query q(*stmt);
    q.text(1, name);
    int rc = q.step();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return core::fail(io("cannot read namespace " + name, rc));
  }

  // Runs a write of exactly one row; `what` names the object for messages.
  Result<void> write_one(Query& q, const std::string& what) {
    int rc = q.step();
    if (rc != SQLITE_DONE) return core::fail(step_error(rc, what));
    if (sqlite3_changes(db) == 0) return core::fail(error(StoreErrc::not_found, what + " not found"));
    return {};
  }

  // The whole queue's usage and that of one function, as QueueLimits counts it, in one scan.
  // length() of a BLOB column reads the record header, not the blob's overflow pages.
  Result<std::pair<detail::QueueUsage, detail::QueueUsage>> queue_usage(const std::string& ns,
                                                                          const std::string& function) {
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

  Result<void> insert_call(const AsyncCall& call);

  Result<void> migrate(std::size_t target) {
    auto current = user_version();
    if (!current) return core::fail(current.error());
    if (*current > kMigrations.size()) {
      return core::fail(error(StoreErrc::io, "the database " + path + " has schema version " + std::to_string(*current) +
                                                 ", newer than this gateway knows (" +
                                                 std::to_string(kMigrations.size()) + "): upgrade the gateway"));
    }
    for (std::size_t v = *current; v < target; ++v) {
      if (auto r = exec(std::string(kMigrations[v]), "migration to schema version " + std::to_string(v + 1) + " failed");
          !r) {
        return r;
      }
    }
    if (target > *current) return exec("PRAGMA user_version = " + std::to_string(target), "cannot set the schema version");
    return {};
  }

  // Loads the key (creating it with a new database) and checks it against the database's key
  // check, so a wrong or lost key is found at open, not at the first secret read.
  Result<void> load_key(const std::filesystem::path& key_path) {
    auto stmt = prepare("SELECT value FROM meta WHERE key = ?1");
    if (!stmt) return core::fail(stmt.error());
    std::optional<std::string> check;
    {
      Query q(*stmt);
      q.text(1, kKeyCheckName);
      int rc = q.step();
      if (rc == SQLITE_ROW) {
        check = q.col_blob(0);
      } else if (rc != SQLITE_DONE) {
        return core::fail(io("cannot read the key check", rc));
      }
    }
    auto key = SecretBox::load_or_create_key(key_path, /*create=*/!check);
    if (!key) {
      std::string message = key.error();
      if (check) message += " - the database's secrets were encrypted with that key: restore it";
      return core::fail(error(StoreErrc::io, std::move(message)));
    }
    box.emplace(std::move(*key));
    if (check) {
      if (check->size() < SecretBox::kNonceBytes ||
          !box->open({check->substr(0, SecretBox::kNonceBytes), check->substr(SecretBox::kNonceBytes)}, kKeyCheckAad)) {
        box.reset();
        return core::fail(error(StoreErrc::io, key_path.string() + " is not the key this database's secrets were "
                                                                    "encrypted with (" + path + ")"));
      }
      return {};
    }
    auto sealed = box->seal(kKeyCheckPlain, kKeyCheckAad);
    auto insert = prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)");
    if (!insert) return core::fail(insert.error());
    Query q(*insert);
    q.text(1, kKeyCheckName).blob(2, sealed.nonce + sealed.ciphertext);
    if (int rc = q.step(); rc != SQLITE_DONE) return core::fail(io("cannot write the key check", rc));
    return {};
  }

  Result<model::FunctionStatus> read_function(Query& q, const std::string& ns, const std::string& name) {
    // Columns: deployment, replicas, invocation_count, created_at.
    auto fn = codec::decode_deployment(q.col_text(0));
    if (!fn) return core::fail(error(StoreErrc::io, "the stored deployment of " + detail::fn_label(ns, name) + " is corrupt"));
    model::FunctionStatus status;
    status.deployment = std::move(*fn);
    // The key columns and the counters are authoritative over the JSON.
    status.deployment.namespace_ = ns;
    status.deployment.service = name;
    status.deployment.replicas = static_cast<std::uint32_t>(q.col_int(1));
    status.invocation_count = static_cast<std::uint64_t>(q.col_int(2));
    status.created_at = core::from_unix(q.col_int(3));
    return status;
  }

  Result<model::Namespace> read_namespace(Query& q) {
    // Columns: name, labels, annotations.
    model::Namespace ns;
    ns.name = q.col_text(0);
    auto labels = codec::decode_map(q.col_text(1));
    auto annotations = codec::decode_map(q.col_text(2));
    if (!labels || !annotations) {
      return core::fail(error(StoreErrc::io, "the stored labels or annotations of namespace " + ns.name + " are corrupt"));
    }
    ns.labels = std::move(*labels);
    ns.annotations = std::move(*annotations);
    return ns;
  }

  static constexpr std::string_view kCallColumns =
      "id, function, ns, method, path, query, headers, body, callback_url, enqueued_at, attempts, result_status, "
      "result_body, result_headers, duration_seconds";

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
      return core::fail(error(StoreErrc::io, "the stored headers of " + detail::call_label(call.id) + " are corrupt"));
    }
    call.headers = std::move(*headers);
    call.result_headers = std::move(*result_headers);
    return call;
  }
};

// ---- open ---------------------------------------------------------------------------------

std::size_t SqliteStore::latest_schema_version() noexcept { return kMigrations.size(); }

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& db_path,
                                                       const std::filesystem::path& key_dir,
                                                       const SqliteOptions& options) {
  const std::size_t target = options.migrate_to.value_or(kMigrations.size());
  if (target == 0 || target > kMigrations.size()) {
    return core::fail(error(StoreErrc::invalid, "no schema version " + std::to_string(target)));
  }
  auto impl = std::make_unique<Impl>();
  impl->path = db_path.string();

  // Create the file ourselves so that it is private from the first byte (SQLite gives the -wal
  // and -shm files the database's mode). An existing file keeps its mode.
  int fd = ::open(db_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return core::fail(error(StoreErrc::io, "cannot open " + impl->path + ": " + std::strerror(errno)));
  ::close(fd);

  int rc = sqlite3_open_v2(impl->path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return core::fail(impl->io("cannot open the database", rc));
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, options.busy_timeout_ms);

  // Space given back: the async queue's bodies come and go in bursts, and without auto_vacuum
  // the file never shrinks below its high-water mark (reclaim_space() hands the free pages
  // back). The mode takes effect only if set before the first table is created, so first of
  // all; a database created without it is converted by a VACUUM below.
  if (auto r = impl->exec("PRAGMA auto_vacuum = INCREMENTAL", "cannot configure the database"); !r) {
    return core::fail(std::move(r).error());
  }

  {
    // journal_mode answers with the mode in force: anything but "wal" (e.g. a file system
    // without shared memory) is refused rather than silently less durable.
    auto stmt = impl->prepare("PRAGMA journal_mode = WAL");
    if (!stmt) return core::fail(stmt.error());
    Query q(*stmt);
    rc = q.step();
    if (rc != SQLITE_ROW) return core::fail(impl->io("cannot enable WAL", rc));
    if (q.col_text(0) != "wal") {
      return core::fail(error(StoreErrc::io, "cannot enable WAL on " + impl->path + ": journal mode is " + q.col_text(0)));
    }
  }
  // FULL: each commit is fsynced before enqueue() returns (WAL + NORMAL survives kill -9 but
  // not a power cut; the async queue promises both). foreign_keys must be set outside a transaction.
  // journal_size_limit: a checkpoint cuts the WAL back to 4 MiB instead of leaving it as large
  // as the biggest burst of writes made it.
  if (auto r = impl->exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 4194304",
                          "cannot configure the database");
      !r) {
    return core::fail(std::move(r).error());
  }

  const auto key_path = key_dir / kKeyFileName;
  auto opened = impl->transaction([&]() -> Result<void> {
    if (auto migrated = impl->migrate(target); !migrated) return migrated;
    return impl->load_key(key_path);
  });
  if (!opened) return core::fail(std::move(opened).error());

  // A database created by a gateway from before auto_vacuum (or by hand) is converted once: the
  // mode of an existing database changes only with a VACUUM, which rewrites the file (it needs
  // as much free space again, once; the next opens find the mode set and skip this).
  {
    std::int64_t mode = 0;
    {
      auto stmt = impl->prepare("PRAGMA auto_vacuum");
      if (!stmt) return core::fail(stmt.error());
      Query q(*stmt);
      if (rc = q.step(); rc != SQLITE_ROW) return core::fail(impl->io("cannot read the auto_vacuum mode", rc));
      mode = q.col_int(0);
    }
    if (mode != 2) {  // 2: incremental (the pragma above set it on the connection, for the VACUUM)
      if (auto r = impl->exec("VACUUM", "cannot convert the database to incremental auto_vacuum"); !r) {
        return core::fail(std::move(r).error());
      }
    }
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Result<std::size_t> SqliteStore::schema_version() {
  std::lock_guard lock(impl_->mu);
  return impl_->user_version();
}

// ---- namespaces ---------------------------------------------------------------------------

Result<void> SqliteStore::create_namespace(const model::Namespace& ns) {
  if (auto bad = detail::check_name("namespace", ns.name)) return core::fail(*bad);
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("INSERT INTO namespaces (name, labels, annotations) VALUES (?1, ?2, ?3)");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ns.name).text(2, codec::encode_map(ns.labels)).text(3, codec::encode_map(ns.annotations));
  return impl_->write_one(q, "namespace " + ns.name);
}

Result<void> SqliteStore::update_namespace(const model::Namespace& ns) {
  if (auto bad = detail::check_name("namespace", ns.name)) return core::fail(*bad);
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("UPDATE namespaces SET labels = ?2, annotations = ?3 WHERE name = ?1");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ns.name).text(2, codec::encode_map(ns.labels)).text(3, codec::encode_map(ns.annotations));
  return impl_->write_one(q, "namespace " + ns.name);
}

Result<void> SqliteStore::delete_namespace(const std::string& name) {
  if (auto bad = detail::check_name("namespace", name)) return core::fail(*bad);
  if (name == model::kDefaultNamespace) {
    return core::fail(error(StoreErrc::conflict, "the default namespace " + name + " cannot be deleted"));
  }
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Result<void> {
    auto stmt = impl_->prepare(
        "SELECT (SELECT COUNT(*) FROM functions WHERE ns = ?1), (SELECT COUNT(*) FROM secrets WHERE ns = ?1)");
    if (!stmt) return core::fail(stmt.error());
    {
      Query q(*stmt);
      q.text(1, name);
      if (int rc = q.step(); rc != SQLITE_ROW) return core::fail(impl_->io("cannot read namespace " + name, rc));
      auto functions = q.col_int(0);
      auto secrets = q.col_int(1);
      if (functions != 0 || secrets != 0) {
        return core::fail(error(StoreErrc::conflict, "namespace " + name + " still holds " + std::to_string(functions) +
                                                         " functions and " + std::to_string(secrets) + " secrets"));
      }
    }
    auto del = impl_->prepare("DELETE FROM namespaces WHERE name = ?1");
    if (!del) return core::fail(del.error());
    Query q(*del);
    q.text(1, name);
    return impl_->write_one(q, "namespace " + name);
  });
}

Result<model::Namespace> SqliteStore::get_namespace(const std::string& name) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("SELECT name, labels, annotations FROM namespaces WHERE name = ?1");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, name);
  int rc = q.step();
  if (rc == SQLITE_ROW) return impl_->read_namespace(q);
  if (rc == SQLITE_DONE) return core::fail(error(StoreErrc::not_found, "namespace " + core::printable(name, 64) + " not found"));
  return core::fail(impl_->io("cannot read namespace " + core::printable(name, 64), rc));
}

Result<std::vector<model::Namespace>> SqliteStore::list_namespaces() {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("SELECT name, labels, annotations FROM namespaces ORDER BY name");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  std::vector<model::Namespace> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    auto ns = impl_->read_namespace(q);
    if (!ns) return core::fail(ns.error());
    out.push_back(std::move(*ns));
  }
  if (rc != SQLITE_DONE) return core::fail(impl_->io("cannot list namespaces", rc));
  return out;
}

// ---- functions ----------------------------------------------------------------------------

Result<void> SqliteStore::create_function(const model::FunctionDeployment& fn, core::Instant now) {
  if (auto bad = detail::check_name("namespace", fn.namespace_)) return core::fail(*bad);
  if (auto bad = detail::check_name("function", fn.service)) return core::fail(*bad);
  const auto what = detail::fn_label(fn.namespace_, fn.service);
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Result<void> {
    auto exists = impl_->namespace_exists(fn.namespace_);
    if (!exists) return core::fail(exists.error());
    if (!*exists) return core::fail(error(StoreErrc::conflict, what + ": the namespace does not exist"));
    auto stmt = impl_->prepare(
        "INSERT INTO functions (ns, name, deployment, replicas, invocation_count, created_at) "
        "VALUES (?1, ?2, ?3, ?4, 0, ?5)");
    if (!stmt) return core::fail(stmt.error());
    Query q(*stmt);
    q.text(1, fn.namespace_).text(2, fn.service).text(3, codec::encode_deployment(fn)).integer(4, fn.replicas);
    q.integer(5, core::to_unix(now));
    return impl_->write_one(q, what);
  });
}

Result<void> SqliteStore::update_function(const model::FunctionDeployment& fn) {
  if (auto bad = detail::check_name("namespace", fn.namespace_)) return core::fail(*bad);
  if (auto bad = detail::check_name("function", fn.service)) return core::fail(*bad);
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare(
      "UPDATE functions SET deployment = ?3, replicas = CASE WHEN ?4 = 0 THEN replicas ELSE ?4 END "
      "WHERE ns = ?1 AND name = ?2");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, fn.namespace_).text(2, fn.service).text(3, codec::encode_deployment(fn)).integer(4, fn.replicas);
  return impl_->write_one(q, detail::fn_label(fn.namespace_, fn.service));
}

Result<void> SqliteStore::delete_function(const std::string& ns, const std::string& name) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("DELETE FROM functions WHERE ns = ?1 AND name = ?2");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ns).text(2, name);
  return impl_->write_one(q, detail::fn_label(core::printable(ns, 64), core::printable(name, 64)));
}

Result<model::FunctionStatus> SqliteStore::get_function(const std::string& ns, const std::string& name) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare(
      "SELECT deployment, replicas, invocation_count, created_at FROM functions WHERE ns = ?1 AND name = ?2");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ns).text(2, name);
  int rc = q.step();
  if (rc == SQLITE_ROW) return impl_->read_function(q, ns, name);
  const auto what = detail::fn_label(core::printable(ns, 64), core::printable(name, 64));
  if (rc == SQLITE_DONE) return core::fail(error(StoreErrc::not_found, what + " not found"));
  return core::fail(impl_->io("cannot read " + what, rc));
}

Result<std::vector<model::FunctionStatus>> SqliteStore::list_functions(const std::string& ns) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare(
      "SELECT deployment, replicas, invocation_count, created_at, ns, name FROM functions "
      "WHERE ?1 = '' OR ns = ?1 ORDER BY ns, name");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ns);
  std::vector<model::FunctionStatus> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    auto status = impl_->read_function(q, q.col_text(4), q.col_text(5));
    if (!status) return core::fail(status.error());
    out.push_back(std::move(*status));
  }
  if (rc != SQLITE_DONE) return core::fail(impl_->io("cannot list functions", rc));
  return out;
}

Result<void> SqliteStore::set_replicas(const std::string& ns, const std::string& name, std::uint32_t replicas) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("UPDATE functions SET replicas = ?3 WHERE ns = ?1 AND name = ?2");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ns).text(2, name).integer(3, replicas);
  return impl_->write_one(q, detail::fn_label(core::printable(ns, 64), core::printable(name, 64)));
}

Result<void> SqliteStore::add_invocations(const std::string& ns, const std::string& name, std::uint64_t count) {
  std::lock_guard lock(impl_->mu);
  // Saturates at 2^63-1 rather than overflowing SQLite's integer into a REAL.
  auto stmt = impl_->prepare(
      "UPDATE functions SET invocation_count = CASE WHEN invocation_count > 9223372036854775807 - ?3 "
      "THEN 9223372036854775807 ELSE invocation_count + ?3 END WHERE ns = ?1 AND name = ?2");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ns).text(2, name).integer(3, clamp_i64(count));
  return impl_->write_one(q, detail::fn_label(core::printable(ns, 64), core::printable(name, 64)));
}

// ---- secrets ------------------------------------------------------------------------------

Result<void> SqliteStore::create_secret(const model::SecretRef& ref, const core::Secret& value) {
  if (auto bad = detail::check_name("namespace", ref.namespace_)) return core::fail(*bad);
  if (auto bad = detail::check_name("secret", ref.name)) return core::fail(*bad);
  if (auto bad = detail::check_secret_value(ref, value)) return core::fail(*bad);
  const auto what = detail::secret_label(ref.namespace_, ref.name);
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Result<void> {
    auto exists = impl_->namespace_exists(ref.namespace_);
    if (!exists) return core::fail(exists.error());
    if (!*exists) return core::fail(error(StoreErrc::conflict, what + ": the namespace does not exist"));
    auto sealed = impl_->box->seal(value.reveal(), aad_for(ref));
    auto stmt = impl_->prepare("INSERT INTO secrets (ns, name, nonce, ciphertext) VALUES (?1, ?2, ?3, ?4)");
    if (!stmt) return core::fail(stmt.error());
    Query q(*stmt);
    q.text(1, ref.namespace_).text(2, ref.name).blob(3, sealed.nonce).blob(4, sealed.ciphertext);
    return impl_->write_one(q, what);
  });
}

Result<void> SqliteStore::update_secret(const model::SecretRef& ref, const core::Secret& value) {
  if (auto bad = detail::check_name("namespace", ref.namespace_)) return core::fail(*bad);
  if (auto bad = detail::check_name("secret", ref.name)) return core::fail(*bad);
  if (auto bad = detail::check_secret_value(ref, value)) return core::fail(*bad);
  std::lock_guard lock(impl_->mu);
  auto sealed = impl_->box->seal(value.reveal(), aad_for(ref));
  auto stmt = impl_->prepare("UPDATE secrets SET nonce = ?3, ciphertext = ?4 WHERE ns = ?1 AND name = ?2");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ref.namespace_).text(2, ref.name).blob(3, sealed.nonce).blob(4, sealed.ciphertext);
  return impl_->write_one(q, detail::secret_label(ref.namespace_, ref.name));
}

Result<void> SqliteStore::delete_secret(const model::SecretRef& ref) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("DELETE FROM secrets WHERE ns = ?1 AND name = ?2");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ref.namespace_).text(2, ref.name);
  return impl_->write_one(q, detail::secret_label(core::printable(ref.namespace_, 64), core::printable(ref.name, 64)));
}

Result<std::vector<model::SecretRef>> SqliteStore::list_secrets(const std::string& ns) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("SELECT name FROM secrets WHERE ns = ?1 ORDER BY name");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ns);
  std::vector<model::SecretRef> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back({q.col_text(0), ns});
  if (rc != SQLITE_DONE) return core::fail(impl_->io("cannot list secrets", rc));
  return out;
}

Result<core::Secret> SqliteStore::secret_value(const model::SecretRef& ref) {
  const auto what = detail::secret_label(core::printable(ref.namespace_, 64), core::printable(ref.name, 64));
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("SELECT nonce, ciphertext FROM secrets WHERE ns = ?1 AND name = ?2");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, ref.namespace_).text(2, ref.name);
  int rc = q.step();
  if (rc == SQLITE_DONE) return core::fail(error(StoreErrc::not_found, what + " not found"));
  if (rc != SQLITE_ROW) return core::fail(impl_->io("cannot read " + what, rc));
  auto value = impl_->box->open({q.col_blob(0), q.col_blob(1)}, aad_for(ref));
  if (!value) {
    return core::fail(error(StoreErrc::io, what + " cannot be decrypted: the stored row was altered or moved, "
                                                  "or encrypted with another key"));
  }
  return std::move(*value);
}

// ---- the async queue ----------------------------------------------------------------------

Result<void> SqliteStore::enqueue(const AsyncCall& call, const QueueLimits& limits) {
  if (auto bad = detail::check_call_id(call.id)) return core::fail(*bad);
  std::lock_guard lock(impl_->mu);
  // One write transaction for the count and the insert: BEGIN IMMEDIATE holds the write lock
  // from the count on, so no other connection (or process) can enqueue in between. The commit
  // is fsynced (synchronous=FULL) before this returns.
  return impl_->transaction([&]() -> Result<void> {
    if (!detail::unlimited(limits)) {
      auto used = impl_->queue_usage(call.namespace_, call.function);
      if (!used) return core::fail(used.error());
      if (auto full = detail::check_room(call, limits, used->first, used->second)) return core::fail(*full);
    }
    return impl_->insert_call(call);
  });
}

Result<void> SqliteStore::Impl::insert_call(const AsyncCall& call) {
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
  return write_one(q, detail::call_label(call.id));
}

Result<std::vector<AsyncCall>> SqliteStore::lease_calls(std::size_t max, core::Instant now, std::chrono::seconds lease) {
  if (auto bad = detail::check_lease(lease)) return core::fail(*bad);
  if (max == 0) return std::vector<AsyncCall>{};
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Result<std::vector<AsyncCall>> {
    static const std::string select = "SELECT seq, " + std::string(Impl::kCallColumns) +
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

Result<void> SqliteStore::record_result(const AsyncCall& call) {
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
  return impl_->write_one(q, detail::call_label(call.id));
}

Result<void> SqliteStore::retry_later(const std::string& id, core::Instant when) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare(
      "UPDATE async_calls SET due_at = ?2, lease_until = NULL, attempts = attempts + 1 WHERE id = ?1");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, id).integer(2, core::to_unix(when));
  return impl_->write_one(q, detail::call_label(id));
}

Result<void> SqliteStore::complete(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("DELETE FROM async_calls WHERE id = ?1");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  q.text(1, id);
  return impl_->write_one(q, detail::call_label(id));
}

Result<std::size_t> SqliteStore::queue_depth() {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("SELECT COUNT(*) FROM async_calls");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  if (int rc = q.step(); rc != SQLITE_ROW) return core::fail(impl_->io("cannot count the async queue", rc));
  return static_cast<std::size_t>(q.col_int(0));
}

Result<void> SqliteStore::release_leases() {
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
Result<void> SqliteStore::reclaim_space() {
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

Result<void> SqliteStore::add_revocation(const Revocation& revocation) {
  if (revocation.value.empty()) return core::fail(StoreError{StoreErrc::invalid, "a revocation needs a subject or a jti"});
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare(
      "INSERT INTO revocations (kind, value, revoked_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (kind, value) DO UPDATE SET revoked_at = excluded.revoked_at");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  // A subject of one issuer is kind "iss-sub" with the value ["<issuer>", "<sub>"]: the table's
  // key (kind, value) keeps one row per revoked thing without a new column.
  const bool of_issuer = revocation.kind == Revocation::Kind::subject && !revocation.issuer.empty();
  const std::string value = of_issuer ? boost::json::serialize(boost::json::array{revocation.issuer, revocation.value})
                                      : revocation.value;
  q.text(1, of_issuer ? "iss-sub" : revocation.kind == Revocation::Kind::subject ? "sub" : "jti")
      .text(2, value)
      .integer(3, core::to_unix(revocation.revoked_at));
  if (int rc = q.step(); rc != SQLITE_DONE) return core::fail(impl_->io("cannot record the revocation", rc));
  return {};
}

Result<std::vector<Revocation>> SqliteStore::list_revocations() {
  std::lock_guard lock(impl_->mu);
  auto stmt = impl_->prepare("SELECT kind, value, revoked_at FROM revocations");
  if (!stmt) return core::fail(stmt.error());
  Query q(*stmt);
  std::vector<Revocation> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    const std::string kind = q.col_text(0);
    Revocation r{kind == "jti" ? Revocation::Kind::token_id : Revocation::Kind::subject, q.col_text(1),
                 core::from_unix(q.col_int(2))};
    if (kind == "iss-sub") {
      auto pair = core::parse_json_strict(r.value, {4096, 2});
      if (!pair || !pair->is_array() || pair->as_array().size() != 2 || !pair->as_array()[0].is_string() ||
          !pair->as_array()[1].is_string())
        return core::fail(impl_->io("a revocation row is malformed", SQLITE_CORRUPT));
      r.issuer = pair->as_array()[0].as_string();
      r.value = pair->as_array()[1].as_string();
    }
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return core::fail(impl_->io("cannot read the revocations", rc));
  return out;
}

}  // namespace faasgate::store
