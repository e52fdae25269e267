#include "faasgate/store/sqlite_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <mutex>
#include <string_view>

#include "checks.hpp"
#include "codec.hpp"
#include "faasgate/core/json.hpp"
#include "faasgate/sqlite/database.hpp"
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
    // 2: was the async queue's table (async_calls) - the one step ever emptied, and it changes
    // no database's result. The queue is a module of its own now:
    // queue::SqliteQueue creates that table in this file, with the same columns and `IF NOT
    // EXISTS`, so a database that ran this step keeps its queued calls and a new one gets the
    // table from the queue. The step stays, empty, so that the version numbers keep their meaning.
    "",
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

using sqlite::clamp_i64;
using sqlite::Query;

}  // namespace

// ---- the connection -----------------------------------------------------------------------

struct SqliteStore::Impl {
  std::unique_ptr<sqlite::Connection> db;
  std::mutex mu;  // guards db and its statement cache: one caller at a time
  std::optional<SecretBox> box;

  static StoreError io_error(sqlite::Failure f) { return error(StoreErrc::io, std::move(f.message)); }
  StoreError io(std::string_view what, int rc) const { return io_error(db->failure(what, rc)); }
  const std::string& path() const { return db->path(); }

  // A failed step: a uniqueness violation is `already_exists`, a foreign key `conflict`.
  StoreError step_error(int rc, const std::string& what) const {
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
      return error(StoreErrc::already_exists, what + " already exists");
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return error(StoreErrc::conflict, what + ": its namespace does not exist");
    return io("cannot write " + what, rc);
  }

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
    if (sqlite3_changes(db->handle()) == 0) return core::fail(error(StoreErrc::not_found, what + " not found"));
    return {};
  }

  Result<void> migrate(std::size_t target) {
    auto current = user_version();
    if (!current) return core::fail(current.error());
    if (*current > kMigrations.size()) {
      return core::fail(error(StoreErrc::io, "the database " + path() + " has schema version " + std::to_string(*current) +
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
                                                                    "encrypted with (" + path() + ")"));
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
  auto db = sqlite::Connection::open(db_path, options.busy_timeout_ms);
  if (!db) return core::fail(Impl::io_error(std::move(db).error()));
  impl->db = std::move(*db);
  // Set outside a transaction, on this connection: the store's tables reference its namespaces.
  if (auto r = impl->exec("PRAGMA foreign_keys = ON", "cannot configure the database"); !r) {
    return core::fail(std::move(r).error());
  }

  const auto key_path = key_dir / kKeyFileName;
  auto opened = impl->transaction([&]() -> Result<void> {
    if (auto migrated = impl->migrate(target); !migrated) return migrated;
    return impl->load_key(key_path);
  });
  if (!opened) return core::fail(std::move(opened).error());
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
