#pragma once
// The gateway's state, behind an interface: SqliteStore (store/sqlite_store.hpp) in production,
// MemoryStore (store/memory_store.hpp) in tests. Every method is thread-safe.
//
// Invariants every implementation keeps (and the shared contract test proves):
//  - a function, a secret, a namespace is unique by (namespace, name);
//  - a function or secret can only exist in a namespace that exists (the default namespace
//    "openfaas-fn" always exists and cannot be deleted);
//  - deleting a namespace that still holds functions or secrets is refused (conflict);
//  - secret values are returned only by secret_value(), never by listings;
//  - an async call, once enqueue() returned, survives a crash until complete() (at-least-once).
//
// Which error, when (the contract test checks each):
//  - invalid: a name that is not model::valid_name, or is "." or ".." (names become file names);
//    a secret value larger than kMaxSecretBytes; an empty call id; a lease shorter than 1s;
//  - already_exists: create_* (and enqueue) of a key that exists;
//  - full: enqueue() beyond one of its QueueLimits (the message says which): retry later;
//  - not_found: update/delete/get of an object that does not exist, including its namespace;
//  - conflict: create_function/create_secret in a namespace that does not exist; deleting a
//    namespace that holds functions or secrets; deleting the default namespace;
//  - io: the database or the secret key failed (a tampered secret row is io, never garbage).
// Listings of a namespace that does not exist are empty (callers check the namespace first).
// Queue times: a call is due when due_at <= now; a lease has expired when lease_until <= now.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
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
  full,           // the async queue is at one of its limits (QueueLimits): not a fault, retry later
};

struct StoreError {
  StoreErrc code;
  std::string message;  // says which object; never a secret value
};

template <class T>
using Result = core::Expected<T, StoreError>;

// The largest secret value a store accepts (as Kubernetes: 1 MiB); a larger one is `invalid`.
inline constexpr std::size_t kMaxSecretBytes = 1024 * 1024;

// A queued asynchronous invocation (POST /async-function/...): the request as received.
struct AsyncCall {
  std::string id;                 // the X-Call-Id
  std::string function;           // name
  std::string namespace_;
  std::string method = "POST";
  std::string path;               // the remainder after /async-function/<name>[.<ns>]
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string callback_url;       // X-Callback-Url, may be empty
  core::Instant enqueued_at{};
  std::uint32_t attempts = 0;     // invocation attempts so far
  // Set once the function ran and only the callback is outstanding.
  std::optional<std::uint32_t> result_status;
  std::string result_body;
  std::vector<std::pair<std::string, std::string>> result_headers;
  double duration_seconds = 0;
};

// Bounds on the async queue, which callers without credentials can fill (upstream's queue is
// bounded too). enqueue() checks them atomically with the insert - two enqueues racing for the
// last place cannot both get it - and refuses a call that would go beyond one with `full`.
// A call's bytes are its body plus, once the function ran, its result body: both stay on disk
// until the call completes. Calls leased by a worker count until they complete: their rows are
// still there. The store's defaults are no bounds; the gateway sets its own (AsyncOptions).
struct QueueLimits {
  static constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_calls = kNone;               // all functions together
  std::uint64_t max_bytes = kNone;
  std::uint64_t max_calls_per_function = kNone;  // one (namespace, function)
  std::uint64_t max_bytes_per_function = kNone;
};

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

  // The async queue. enqueue() returns after the call is durable (committed), or `full` (and
  // nothing stored) when the call would take the queue beyond `limits`.
  virtual Result<void> enqueue(const AsyncCall& call, const QueueLimits& limits) = 0;
  // Hands out up to `max` calls that are due (not leased, or whose lease expired), leasing them
  // until now + lease. A worker that dies leaves its lease to expire: the call is handed out
  // again (at-least-once).
  virtual Result<std::vector<AsyncCall>> lease_calls(std::size_t max, core::Instant now, std::chrono::seconds lease) = 0;
  // Records that the function ran: the result is kept so that only the callback is retried.
  virtual Result<void> record_result(const AsyncCall& call) = 0;
  // Makes the call due again at `when` (a failed invocation or callback), counting an attempt.
  virtual Result<void> retry_later(const std::string& id, core::Instant when) = 0;
  virtual Result<void> complete(const std::string& id) = 0;  // done: removed from the queue
  virtual Result<std::size_t> queue_depth() = 0;  // every queued call, leased or not
  // Ends every lease: for a gateway starting up, when no worker can hold one. Calls handed out
  // before a crash are due again at once instead of after their lease would have expired.
  virtual Result<void> release_leases() = 0;
  // Gives the space of completed calls back to the file system (SqliteStore: an incremental
  // vacuum and a WAL checkpoint; deleted rows otherwise leave the file at its high-water mark).
  // It moves pages and syncs, so callers batch it - the async workers call it when the queue has
  // gone idle after completions - rather than after every complete(). MemoryStore: nothing to do.
  virtual Result<void> reclaim_space() = 0;

  // Revocations. Adding one for a value already revoked moves its time forward.
  virtual Result<void> add_revocation(const Revocation& revocation) = 0;
  virtual Result<std::vector<Revocation>> list_revocations() = 0;
};

}  // namespace faasgate::store
