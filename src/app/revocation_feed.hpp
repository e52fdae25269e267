#pragma once
// Revocations shared over NATS JetStream, for several gateways behind one NATS server: `faasgate
// iam revoke --nats-url` publishes one (a JSON object with store::Revocation's fields) on the
// subject faasgate.revocations, stored in the stream FAASGATE_REVOCATIONS; every gateway started
// with --nats-url reads that stream from its first message (an ordered consumer, deliver-all,
// which follows it across reconnects) and merges what it read with its own store's revocations
// (daemon.cpp, load_revocations). The stream keeps limits-based retention: a revocation older
// than the longest token lifetime names only expired tokens, so max_age is 24h plus a leeway (the
// state loader warns at every load about an issuer whose tokens live longer), and at most 100,000 of them.
// Only the operator publishes here: the NATS server is the operator's (protect it with NATS
// authentication, docs/async-queue.md); a tenant reaches neither the server nor this subject.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "faasgate/nats/nats.hpp"
#include "faasgate/store/store.hpp"

namespace faasgate::app {

inline constexpr std::string_view kRevocationStream = "FAASGATE_REVOCATIONS";
inline constexpr std::string_view kRevocationSubject = "faasgate.revocations";
inline constexpr std::chrono::seconds kRevocationMaxAge = std::chrono::hours(24) + std::chrono::minutes(5);
inline constexpr std::size_t kMaxSharedRevocations = 100'000;

nats::StreamConfig revocation_stream();
std::string encode_revocation(const store::Revocation& r);
std::optional<store::Revocation> decode_revocation(std::string_view json);

// Sets up the stream if needed and publishes `r`, waiting for JetStream's acknowledgement.
nats::Result<void> publish_revocation(nats::Connection& connection, const store::Revocation& r,
                                      std::chrono::milliseconds timeout);

// Reads the stream on a thread of its own and keeps what it read (at most kMaxSharedRevocations,
// one per subject or token: the latest).
class RevocationFeed {
 public:
  explicit RevocationFeed(nats::Connection& connection) : nc_(connection) {}
  ~RevocationFeed() { stop(); }
  RevocationFeed(const RevocationFeed&) = delete;
  RevocationFeed& operator=(const RevocationFeed&) = delete;
  void start();
  void stop();
  std::vector<store::Revocation> snapshot() const;

 private:
  void run();
  void add(store::Revocation r);
  using Key = std::tuple<int, std::string, std::string>;  // kind, value, issuer
  nats::Connection& nc_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<Key, store::Revocation> seen_;
};

}  // namespace faasgate::app
