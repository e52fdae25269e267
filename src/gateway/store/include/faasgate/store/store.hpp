#pragma once
// The gateway's state, behind an interface: SqliteStore (store/sqlite_store.hpp) in production,
// MemoryStore (store/memory_store.hpp) in tests. Every method is thread-safe.
//
// Invariants every implementation keeps (and the shared contract test proves):
//  - a function, a secret, a namespace is unique by (namespace, name);
//  - a function or secret can only exist in a namespace that exists (the default namespace
//    "openfaas-fn" always exists and cannot be deleted);
//  - deleting a namespace that still holds functions or secrets is refused (conflict);
//  - secret values are returned only by secret_value(), never by listings.
// The async queue is not here: it has an interface of its own (queue/queue.hpp).
//
// Which error, when (the contract test checks each):
//  - invalid: a name that is not model::valid_name, or is "." or ".." (names become file names);
//    a secret value larger than kMaxSecretBytes;
//  - already_exists: create_* of a key that exists;
//  - not_found: update/delete/get of an object that does not exist, including its namespace;
//  - conflict: create_function/create_secret in a namespace that does not exist; deleting a
//    namespace that holds functions or secrets; deleting the default namespace;
//  - io: the database or the secret key failed (a tampered secret row is io, never garbage).
// Listings of a namespace that does not exist are empty (callers check the namespace first).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/model/model.hpp"

namespace faasgate::store {

enum class StoreErrc {
  not_found,
  already_exists,
  conflict,       // e.g. deleting a namespace that is not empty; a namespace that does not exist
  invalid,        // a name or value the store refuses
  io,             // the database failed (disk full, corruption): a server fault
};

struct StoreError {
  StoreErrc code;
  std::string message;  // says which object; never a secret value
};

template <class T>
using Result = core::Expected<T, StoreError>;

// The largest secret value a store accepts (as Kubernetes: 1 MiB); a larger one is `invalid`.
inline constexpr std::size_t kMaxSecretBytes = 1024 * 1024;

// A revocation (faasgate iam revoke): every token of a subject issued at or before `revoked_at`,
// or one token by its jti, fails from then on.
struct Revocation {
  enum class Kind { subject, token_id };
  Kind kind = Kind::subject;
  std::string value;  // the sub, or the jti
  core::Instant revoked_at{};
  // Subject revocations only: the issuer whose sub this is (fed:iss); empty for the sub from any
  // issuer. Two issuers can mint the same sub, and revoking one must not need revoking both.
  std::string issuer;
};

class Store {
 public:
  virtual ~Store() = default;

  // Namespaces
  virtual Result<void> create_namespace(const model::Namespace& ns) = 0;
  virtual Result<void> update_namespace(const model::Namespace& ns) = 0;
  virtual Result<void> delete_namespace(const std::string& name) = 0;
  virtual Result<model::Namespace> get_namespace(const std::string& name) = 0;
  virtual Result<std::vector<model::Namespace>> list_namespaces() = 0;

  // Functions. create/update take the deployment; created_at is set on create.
  virtual Result<void> create_function(const model::FunctionDeployment& fn, core::Instant now) = 0;
  virtual Result<void> update_function(const model::FunctionDeployment& fn) = 0;  // keeps replicas if 0
  virtual Result<void> delete_function(const std::string& ns, const std::string& name) = 0;
  virtual Result<model::FunctionStatus> get_function(const std::string& ns, const std::string& name) = 0;
  virtual Result<std::vector<model::FunctionStatus>> list_functions(const std::string& ns) = 0;  // "" = all
  virtual Result<void> set_replicas(const std::string& ns, const std::string& name, std::uint32_t replicas) = 0;
  // Adds to the persisted invocation counter (the API batches increments).
  virtual Result<void> add_invocations(const std::string& ns, const std::string& name, std::uint64_t count) = 0;

  // Secrets. Values are stored encrypted at rest by SqliteStore.
  virtual Result<void> create_secret(const model::SecretRef& ref, const core::Secret& value) = 0;
  virtual Result<void> update_secret(const model::SecretRef& ref, const core::Secret& value) = 0;
  virtual Result<void> delete_secret(const model::SecretRef& ref) = 0;
  virtual Result<std::vector<model::SecretRef>> list_secrets(const std::string& ns) = 0;
  virtual Result<core::Secret> secret_value(const model::SecretRef& ref) = 0;

  // Revocations. Adding one for a value already revoked moves its time forward.
  virtual Result<void> add_revocation(const Revocation& revocation) = 0;
  virtual Result<std::vector<Revocation>> list_revocations() = 0;
};

}  // namespace faasgate::store
