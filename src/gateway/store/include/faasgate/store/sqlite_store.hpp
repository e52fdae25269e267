#pragma once
// SqliteStore: the gateway's state in one SQLite file (<data-dir>/faasgate.db), secret values
// encrypted at rest with a key in <data-dir>/secret.key (see secret_box.hpp).
//
// The file is shared: queue::SqliteQueue keeps the async queue in it, on a connection of its own
// (sqlite/database.hpp gives both the same settings); the store knows nothing of the queue's tables.
// Durability: WAL journal with synchronous=FULL, so a commit is fsynced before it returns: it
// survives kill -9 of the gateway and also a power cut.
// Thread-safety: one connection behind a mutex (SQLite serialises writers anyway; the gateway's
// calls are short), with prepared statements cached on that connection.
// Schema: PRAGMA user_version counts the migration steps applied; open() applies the missing
// ones, in order, in one transaction, and refuses a database newer than this code.
// The key: created with the database. A database that holds a key check (written at creation)
// refuses to open with a missing or different key, instead of failing later on every secret.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>

#include "faasgate/store/store.hpp"

namespace faasgate::store {

struct SqliteOptions {
  // Tests only: stop migrating at this schema version, to build a database as an older gateway did.
  std::optional<std::size_t> migrate_to;
  int busy_timeout_ms = 5000;  // waiting for another process's write lock
};

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed, mode 0600) the database at `db_path` and the key at
  // `key_dir`/secret.key (created, mode 0600, beside a new database).
  static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& db_path,
                                                   const std::filesystem::path& key_dir,
                                                   const SqliteOptions& options = {});
  static std::size_t latest_schema_version() noexcept;
  static constexpr const char* kKeyFileName = "secret.key";

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<std::size_t> schema_version();

  Result<void> create_namespace(const model::Namespace& ns) override;
  Result<void> update_namespace(const model::Namespace& ns) override;
  Result<void> delete_namespace(const std::string& name) override;
  Result<model::Namespace> get_namespace(const std::string& name) override;
  Result<std::vector<model::Namespace>> list_namespaces() override;

  Result<void> create_function(const model::FunctionDeployment& fn, core::Instant now) override;
  Result<void> update_function(const model::FunctionDeployment& fn) override;
  Result<void> delete_function(const std::string& ns, const std::string& name) override;
  Result<model::FunctionStatus> get_function(const std::string& ns, const std::string& name) override;
  Result<std::vector<model::FunctionStatus>> list_functions(const std::string& ns) override;
  Result<void> set_replicas(const std::string& ns, const std::string& name, std::uint32_t replicas) override;
  Result<void> add_invocations(const std::string& ns, const std::string& name, std::uint64_t count) override;

  Result<void> create_secret(const model::SecretRef& ref, const core::Secret& value) override;
  Result<void> update_secret(const model::SecretRef& ref, const core::Secret& value) override;
  Result<void> delete_secret(const model::SecretRef& ref) override;
  Result<std::vector<model::SecretRef>> list_secrets(const std::string& ns) override;
  Result<core::Secret> secret_value(const model::SecretRef& ref) override;

  Result<void> add_revocation(const Revocation& revocation) override;
  Result<std::vector<Revocation>> list_revocations() override;

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace faasgate::store
