#pragma once
// The async queue, behind an interface: the calls POST /async-function/... accepted, waiting for
// a worker (queue::AsyncWorkers) to run them and deliver their callbacks. SqliteQueue
// (queue/sqlite_queue.hpp) keeps them in the gateway's database file; JetStreamQueue
// (queue/jetstream_queue.hpp) in a NATS JetStream stream shared by several gateways;
// MemoryQueue (queue/memory_queue.hpp) in memory, for tests. Every method is thread-safe.
//
// Invariants every implementation keeps (and the contract test, queue_contract_test.cpp, proves):
//  - at-least-once: a call, once enqueue() returned, is handed out by lease_calls() until
//    complete() removes it; a durable implementation keeps it across a crash of the gateway;
//  - a call is handed out to one worker at a time: while its lease runs, no other lease_calls()
//    returns it; once the lease expires (or release_leases()) it is handed out again;
//  - due calls are handed out in order: earliest due first, then arrival;
//  - enqueue() checks its QueueLimits atomically with the insert: of enqueues racing for the last
//    place, exactly one gets it; a refused call is not stored;
//  - a call is unique by its id.
//
// Where JetStreamQueue is weaker (the contract test checks what it promises instead):
//  - time is the server's: a lease is the consumer's ack_wait (the `lease` argument is checked,
//    not used) and a call handed back with a delay (not yet due, retry_later) returns when the
//    server redelivers it; due checks use `now`, but a hand-out is not exact to the second;
//  - order: due calls are handed out in arrival order (the stream's), not by due time;
//  - ids are unique within the stream's duplicate window (2 minutes), through Nats-Msg-Id;
//  - record_result / retry_later / extend_lease / complete act only on calls this queue leased;
//  - release_leases() does nothing (another gateway's leases are not ours to end): leases of a
//    gateway that died run out on the server;
//  - bytes: max_bytes counts what the server stores (envelopes too), and max_bytes_per_function
//    is checked only against one call (JetStream counts no bytes per subject).
//  - a publish that timed out may still have been stored: the caller (told `unavailable`) may
//    send it again - a duplicate, never a loss.
//
// Which error, when (the contract test checks each):
//  - invalid: an empty call id or one over 256 characters; a lease shorter than 1s;
//  - already_exists: enqueue() of an id that is queued (the queued call is kept as it was);
//  - full: enqueue() beyond one of its QueueLimits, the message says which: not a fault, retry later;
//  - not_found: record_result(), retry_later(), complete() of a call that is not queued;
//  - io: the queue's storage failed (disk full, corruption, a row that does not decode): a fault;
//  - unavailable: the queue's server is unreachable or did not answer in time (JetStream): retry
//    later - nothing was stored, or (a timeout) maybe it was;
//  - too_large: enqueue() of a call beyond what one message of the queue holds (JetStream: the
//    server's max_payload): retrying cannot help.
// Times: a call is due when due_at <= now; a lease has expired when lease_until <= now.
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

namespace faasgate::queue {

enum class QueueErrc {
  not_found,
  already_exists,
  invalid,  // a call id or lease the queue refuses
  full,     // at one of the caller's QueueLimits: not a fault, retry later
  io,       // the storage failed: a server fault
  unavailable,  // the queue's server (JetStream) is unreachable or did not answer in time: retry later
  too_large,    // the call does not fit in one of the queue's messages (JetStream's max_payload)
};

struct QueueError {
  QueueErrc code;
  std::string message;  // says which call, or which limit
};

template <class T>
using Result = core::Expected<T, QueueError>;

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
  core::Instant enqueued_at{};    // also when it is first due
  std::uint32_t attempts = 0;     // invocation attempts so far
  // Set once the function ran and only the callback is outstanding. Without a status, a result
  // body and headers are not kept.
  std::optional<std::uint32_t> result_status;
  std::string result_body;
  std::vector<std::pair<std::string, std::string>> result_headers;
  double duration_seconds = 0;
};

// Bounds on the async queue, which callers without credentials can fill (upstream's queue is
// bounded too). enqueue() checks them atomically with the insert - two enqueues racing for the
// last place cannot both get it - and refuses a call that would go beyond one with `full`.
// A call's bytes are its body plus, once the function ran, its result body: both are kept until
// the call completes. Calls leased by a worker count until they complete: they are still queued.
// The queue's defaults are no bounds; the gateway sets its own (api::AsyncOptions).
struct QueueLimits {
  static constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_calls = kNone;               // all functions together
  std::uint64_t max_bytes = kNone;
  std::uint64_t max_calls_per_function = kNone;  // one (namespace, function)
  std::uint64_t max_bytes_per_function = kNone;
};

class Queue {
 public:
  virtual ~Queue() = default;

  // Returns once the call is durable (SqliteQueue: committed and fsynced), or `full` (and nothing
  // stored) when the call would take the queue beyond `limits`.
  virtual Result<void> enqueue(const AsyncCall& call, const QueueLimits& limits) = 0;
  // Hands out up to `max` calls that are due (not leased, or whose lease expired), leasing them
  // until now + lease. A worker that dies leaves its lease to expire: the call is handed out
  // again (at-least-once).
  virtual Result<std::vector<AsyncCall>> lease_calls(std::size_t max, core::Instant now, std::chrono::seconds lease) = 0;
  // Records that the function ran: the result is kept so that only the callback is retried.
  virtual Result<void> record_result(const AsyncCall& call) = 0;
  // Makes the call due again at `when` (a failed invocation or callback), counting an attempt,
  // and ends its lease.
  virtual Result<void> retry_later(const std::string& id, core::Instant when) = 0;
  // Keeps a leased call's lease for `lease` from `now` (a worker still running it calls this
  // periodically, so a long call is not handed out again). not_found if it is not queued.
  virtual Result<void> extend_lease(const std::string& id, core::Instant now, std::chrono::seconds lease) = 0;
  virtual Result<void> complete(const std::string& id) = 0;  // done: removed from the queue
  virtual Result<std::size_t> depth() = 0;  // every queued call, leased or not
  // Ends every lease: for a gateway starting up, when no worker can hold one. Calls handed out
  // before a crash are due again at once instead of after their lease would have expired.
  virtual Result<void> release_leases() = 0;
  // Gives the space of completed calls back (SqliteQueue: an incremental vacuum and a WAL
  // checkpoint; deleted rows otherwise leave the file at its high-water mark). It moves pages and
  // syncs, so callers batch it - the async workers call it when the queue has gone idle after
  // completions - rather than after every complete(). MemoryQueue: nothing to do.
  virtual Result<void> reclaim_space() = 0;
};

}  // namespace faasgate::queue
