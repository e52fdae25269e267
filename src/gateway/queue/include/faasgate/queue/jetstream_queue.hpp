#pragma once
// JetStreamQueue: the async queue on NATS JetStream, shared by every gateway connected to the
// same server, laid out as upstream's queue worker lays it out (docs/async-queue.md):
//  - one stream per queue, `OF_<queue>`, with work-queue retention (a message is gone once
//    acknowledged) and file storage;
//  - a call is published on `<queue>.<namespace>.<function>` (the stream takes `<queue>.>`), with
//    Nats-Msg-Id = the call id: a publish retried within the stream's duplicate window (2 min) is
//    not stored twice;
//  - one durable pull consumer, `<queue>-workers`, explicit acks, unlimited deliveries (the
//    workers decide retries), ack_wait = the lease.
//
// How the Queue contract maps, and where it is weaker (queue.hpp lists the differences):
//  - enqueue() returns once JetStream acknowledged the publish (stored, fsynced per the server's
//    settings); a server that is unreachable or slower than `timeout` is `unavailable`, and a
//    call whose message is beyond the server's max_payload `too_large`. A timeout can hide a
//    stored call: the caller, told 503, may send it again - a duplicate, never a loss.
//  - lease_calls() fetches from the consumer and keeps each message by call id (one thread fetches
//    at a time: a caller that finds another fetching gets nothing at once); a call not yet
//    due (its due time is in the message) is handed back with a delay of due - now. The lease is
//    the consumer's ack_wait, in the server's time: the `lease` argument is checked, not used.
//  - complete() is a synchronous ack, extend_lease() an in-progress ack (restarts ack_wait),
//    retry_later() publishes the call again (attempts + 1, its due time, its result if it has
//    one: only the callback is retried) and then acks the leased message. If that publish is
//    refused (the stream is full), the leased message is handed back with the delay instead: the
//    attempt is then not counted and a kept result is lost (the function runs again). A crash
//    between the publish and the ack leaves both: a duplicate, never a loss.
//  - record_result() keeps the result with the leased message, in memory: it is stored when
//    retry_later() republishes the call. A gateway that dies before then loses the result, and
//    the call runs again.
//  - record_result, retry_later, extend_lease and complete act on the calls this object leased;
//    another gateway's (or an expired lease's) are not_found.
//  - depth() is the stream's message count: every call queued by any gateway, leased or not,
//    retries included.
//  - release_leases(): nothing to do - a gateway cannot end another's leases; the server hands
//    out what a dead gateway held once its ack_wait passes. reclaim_space(): nothing to do - the
//    server gives an acknowledged message's space back itself.
//
// Limits, enforced on the server, atomically across every gateway (the stream's discard-new
// policy refuses the publish: `full`, naming the limit):
//  - max_calls: the stream's max_msgs;  max_calls_per_function: its max_msgs_per_subject (one
//    subject per function);
//  - max_bytes: the stream's max_bytes, which counts what the server stores - each call's
//    envelope (its JSON line, ~300 bytes plus its headers) with its body;
//  - max_bytes_per_function: JetStream keeps no byte count per subject, so across replicas only
//    a single call beyond it is refused; what one function holds in all is bounded by
//    max_calls_per_function times the largest call (the gateway's body limit, 413).
// The limits are the stream's configuration: an enqueue() with other limits than the last one
// updates the stream first (the gateway's are fixed, so that happens once; gateways sharing a
// stream with different limits would take turns setting theirs - give them the same).
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/nats/nats.hpp"
#include "faasgate/queue/queue.hpp"

namespace faasgate::queue {

struct JetStreamQueueOptions {
  std::string queue = "faas-request";  // letters, digits, '-' and '_': check_queue_name()
  std::chrono::seconds ack_wait{30};   // the lease
  std::chrono::milliseconds timeout{2000};     // each publish, ack and API request
  std::chrono::milliseconds fetch_wait{100};   // lease_calls() with nothing due waits this long
  QueueLimits limits;                          // the stream's until an enqueue() brings others
};

class JetStreamQueue final : public Queue {
 public:
  // `connection` must outlive the queue. Nothing is sent yet: the stream and the consumer are
  // set up by the first operation that finds the server reachable (ready()).
  JetStreamQueue(nats::Connection& connection, JetStreamQueueOptions options);
  ~JetStreamQueue() override;

  static std::optional<std::string> check_queue_name(std::string_view name);
  std::string stream_name() const { return "OF_" + options_.queue; }
  // Sets up the stream (created, or updated to the limits) and the consumer, once.
  Result<void> ready();

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
  struct Leased {
    std::shared_ptr<nats::Message> message;
    AsyncCall call;
    core::Instant touched{};        // leased, or its lease extended, at (the caller's clock)
    std::chrono::seconds lease{0};  // the lease it was given
  };
  // Forgets leases neither completed, rescheduled nor extended for two of their leases: JetStream
  // has handed those messages out again by then (to this gateway or another), so acknowledging
  // the old message would mean nothing, and a worker that left one behind must not grow the map.
  void forget_abandoned(core::Instant now);
  Result<std::shared_ptr<nats::Subscription>> subscription();
  Result<void> apply_limits(const QueueLimits& limits);
  void reset();  // the stream or consumer is gone (a server that lost its store): set up again
  std::optional<Leased> find(const std::string& id);

  nats::Connection& nc_;
  JetStreamQueueOptions options_;
  std::mutex setup_mu_;  // guards the three below
  bool stream_ready_ = false;
  QueueLimits applied_;
  std::shared_ptr<nats::Subscription> sub_;
  std::mutex fetch_mu_;  // a subscription fetches for one thread at a time
  std::mutex mu_;        // guards leased_ and last_now_
  std::map<std::string, Leased> leased_;
  core::Instant last_now_{};
};

}  // namespace faasgate::queue
