#pragma once
// A thin layer over libnats (the NATS C client, Debian's libnats-dev) for what the gateway does
// with NATS JetStream: the async queue (queue::JetStreamQueue) and the revocation broadcast
// (app/revocation_feed). Why it exists: libnats is C - every natsConnection, jsCtx,
// natsSubscription, natsMsg, natsMsgList, jsStreamInfo and jsPubAck must be destroyed by hand on
// every path, and its errors are a status plus a thread-local text. Here each handle has one
// owner that frees it (RAII), and every failure is a value (NatsError) whose message names the
// operation and the server's reason - never a message's payload, a header value, or the URL's
// credentials.
//
// Connection: reconnects forever (a bounded wait between attempts, with jitter); connects in the
// background when the server is unreachable at start (connect() returns at once); while it is
// disconnected, publishes are refused at once (`unavailable`) rather than buffered: a caller must
// know whether a publish was stored. The reconnect buffer (for acks and in-progress notices sent
// just before a disconnect) is bounded. Every call that waits for the server has a timeout.
// Thread-safety: a Connection and its JetStream context may be used from any thread; a
// Subscription from one thread at a time; a Message's acknowledgements from any one thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faasgate/core/result.hpp"

namespace faasgate::nats {

enum class NatsErrc {
  unavailable,  // not connected, or no JetStream answering: try again later
  timeout,      // the server did not answer in time (the operation may have happened)
  not_found,    // no such stream or consumer
  refused,      // the server answered no (a limit, a bad configuration): `server_code` says which
  too_large,    // a message beyond the server's max_payload
  invalid,      // a bad argument (a subject, a URL)
};

struct NatsError {
  NatsErrc code;
  std::string message;
  int server_code = 0;  // JetStream's error code (e.g. 10077 a store limit), 0 if none
};

template <class T>
using Result = core::Expected<T, NatsError>;

struct ConnectionOptions {
  std::string url;  // nats://host:port[,nats://...]; userinfo is accepted and never logged
  std::string name = "faasgate";
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds reconnect_wait{1000};  // between attempts, forever
  int reconnect_buffer_bytes = 8 << 20;
  std::string user, password;    // optional
  std::string credentials_file;  // optional: a .creds file (JWT and NKey seed)
};

// The URL without its userinfo, for logs and errors.
std::string redacted_url(std::string_view url);

// A message received on a subscription. Acknowledgements are JetStream's (the message must come
// from a JetStream consumer with explicit acks).
class Message {
 public:
  struct Raw;
  explicit Message(Raw* raw) noexcept : raw_(raw) {}
  Message(Message&& other) noexcept : raw_(std::exchange(other.raw_, nullptr)) {}
  Message& operator=(Message&& other) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message();

  std::string_view data() const;
  std::optional<std::string> header(const char* name) const;
  std::uint64_t stream_sequence() const;  // 0 if not a JetStream message
  std::uint64_t deliveries() const;       // how many times the server delivered it (1 the first)

  Result<void> ack(std::chrono::milliseconds timeout);  // waits for the server's confirmation
  Result<void> nak(std::chrono::milliseconds delay);    // redeliver after `delay` (0: now)
  Result<void> in_progress();                           // restart the ack_wait timer
  Result<void> term();                                  // never redeliver

 private:
  Raw* raw_;
};

class Subscription {
 public:
  struct Raw;
  explicit Subscription(Raw* raw) noexcept : raw_(raw) {}
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

  // Pull subscriptions: up to `batch` messages, what is there now, or else waiting at most `wait`
  // (at least 10ms) for some. None there is an empty list, not an error.
  Result<std::vector<Message>> fetch(int batch, std::chrono::milliseconds wait);
  // Push subscriptions (ordered consumers): the next message, or nullopt after `timeout`.
  Result<std::optional<Message>> next(std::chrono::milliseconds timeout);

 private:
  Raw* raw_;
};

enum class Retention { limits, work_queue };

struct StreamConfig {
  std::string name;
  std::vector<std::string> subjects;
  Retention retention = Retention::limits;
  std::int64_t max_msgs = -1;  // -1: none
  std::int64_t max_bytes = -1;
  std::int64_t max_msgs_per_subject = -1;
  std::chrono::seconds max_age{0};  // 0: none
  bool discard_new = false;         // at a limit, refuse new messages instead of dropping old ones
  std::chrono::seconds duplicate_window{0};  // Nats-Msg-Id de-duplication; 0: the server's (2 min)
};

struct StreamState {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
};

struct PublishAck {
  std::uint64_t sequence = 0;
  bool duplicate = false;  // the Nats-Msg-Id was seen in the duplicate window: not stored again
};

struct PullConsumer {
  std::string stream;
  std::string durable;
  std::string filter_subject;  // the subjects it takes (e.g. "faas-request.>")
  std::chrono::milliseconds ack_wait{30000};
  std::int64_t max_ack_pending = -1;  // -1: the server's default
};

class Connection {
 public:
  struct Raw;
  // Fails only for bad options; an unreachable server is retried in the background.
  static Result<std::unique_ptr<Connection>> connect(const ConnectionOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  bool connected() const;
  std::int64_t max_payload() const;  // the server's, once connected; 0 before

  // Creates the stream, or updates it to `config` when it exists (what cannot be updated, e.g.
  // the retention, is refused by the server: `refused`).
  Result<void> ensure_stream(const StreamConfig& config, std::chrono::milliseconds timeout);
  Result<StreamState> stream_state(const std::string& stream, std::chrono::milliseconds timeout);
  // Publishes and waits for JetStream's acknowledgement: once this returns a PublishAck the
  // message is stored. `msg_id` (may be empty) is the Nats-Msg-Id.
  Result<PublishAck> publish(const std::string& subject, std::string_view data, const std::string& msg_id,
                             std::chrono::milliseconds timeout,
                             const std::vector<std::pair<std::string, std::string>>& headers = {});
  // A durable pull consumer with explicit acks and unlimited deliveries, created if needed.
  Result<std::unique_ptr<Subscription>> pull_subscribe(const PullConsumer& consumer, std::chrono::milliseconds timeout);
  // An ordered consumer of every message of `subject` on `stream`, from the first (deliver all);
  // it follows the stream across reconnects by itself.
  Result<std::unique_ptr<Subscription>> subscribe_ordered(const std::string& stream, const std::string& subject);

 private:
  explicit Connection(Raw* raw) noexcept : raw_(raw) {}
  Raw* raw_;
};

}  // namespace faasgate::nats
