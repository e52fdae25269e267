#pragma once
// Runs queued asynchronous invocations: leases them from the queue, invokes the function (keeping
// the lease alive meanwhile: extend_lease every lease/3, so a call longer than the lease is not
// handed out again; the invocation itself is bounded by the function's exec timeout), retries
// the statuses its RetryPolicy names (retry_policy.hpp: upstream's defaults, a function's
// com.openfaas.retry.* annotations), keeps the result, POSTs it to the callback (retrying with
// the same policy) and only then completes the call. At most `max_inflight` calls run at once in
// this gateway; with a shared queue (JetStream) the total is max_inflight times the gateways.
// At-least-once: a call leased by a gateway that died is leased again once its lease expires.
// Callbacks are sent through the HttpClient it is given (which must outlive it).
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "faasgate/core/clock.hpp"
#include "faasgate/http_client/address_policy.hpp"
#include "faasgate/http_client/http_client.hpp"
#include "faasgate/invoke/function_invoker.hpp"
#include "faasgate/queue/queue.hpp"
#include "faasgate/queue/retry_policy.hpp"

namespace faasgate::queue {

// A function's annotations by namespace and name, nullopt if it does not exist (the daemon reads
// the store). Called off the I/O threads; its answers are cached for `annotation_ttl`.
using AnnotationLookup =
    std::function<std::optional<std::map<std::string, std::string>>(const std::string& ns, const std::string& name)>;

struct AsyncOptions {
  unsigned max_inflight = 4;        // calls this gateway runs at once (--queue-max-inflight)
  std::chrono::seconds lease{30};   // renewed every lease/3 while a call runs (--queue-ack-wait)
  std::chrono::milliseconds idle_poll{200};
  RetryPolicy retry;                // the defaults; a function's annotations override them
  AnnotationLookup annotations;     // may be empty: every function has the defaults
  std::chrono::seconds annotation_ttl{10};
  std::chrono::seconds callback_timeout{10};
  http_client::AddressPolicy callback_addresses;  // where callbacks may connect
  // Bounds on what POST /async-function/... may queue (429 beyond them); see README. Callers
  // need no credentials for an open function, so these are what stands between a burst and the
  // disk. 256 MiB in all is 256 calls at the 1 MiB body limit, or 10,000 calls (the count cap)
  // of 26 KiB; a function gets at most a quarter of the bytes and a tenth of the calls, so that
  // one flooded function leaves the others room.
  queue::QueueLimits queue_limits{.max_calls = 10'000,
                                  .max_bytes = 256ull << 20,
                                  .max_calls_per_function = 1'000,
                                  .max_bytes_per_function = 64ull << 20};
  // Retry-After of a 429 for a full queue: a worker takes at least a moment per call, so an
  // earlier retry mostly finds the queue as full as before.
  std::chrono::seconds queue_full_retry_after{5};
  // Retry-After of a 503 when the queue's server (NATS) is unreachable: the client reconnects
  // every second or so.
  std::chrono::seconds queue_unavailable_retry_after{2};
};

class AsyncWorkers {
 public:
  AsyncWorkers(boost::asio::io_context& io, queue::Queue& queue, invoke::FunctionInvoker& invoker, boost::asio::thread_pool& blocking,
               const core::Clock& clock, http_client::HttpClient& http, AsyncOptions options = {});
  void start();
  void stop();   // workers finish the call in hand and exit
  void wake();   // a call was enqueued: look now instead of at the next poll
  const http_client::AddressPolicy& callback_addresses() const noexcept { return options_.callback_addresses; }
  const AsyncOptions& options() const noexcept { return options_; }

 private:
  boost::asio::awaitable<void> run(std::shared_ptr<boost::asio::steady_timer> timer);
  boost::asio::awaitable<void> handle(queue::AsyncCall call);
  boost::asio::awaitable<RetryPolicy> policy_for(const std::string& ns, const std::string& name);
  boost::asio::awaitable<void> retry(const queue::AsyncCall& call, std::chrono::seconds delay);
  double random01();
  void lease_failed(const std::string& why);

  boost::asio::io_context& io_;
  queue::Queue& queue_;
  invoke::FunctionInvoker& invoker_;
  boost::asio::thread_pool& blocking_;
  const core::Clock& clock_;
  http_client::HttpClient& http_;
  AsyncOptions options_;
  std::atomic<bool> stopping_{false};
  // Set by a worker that completed a call; the first worker to find the queue idle afterwards
  // has the queue give the space back (batched: once per burst, not once per call).
  std::atomic<bool> completed_since_reclaim_{false};
  std::vector<std::shared_ptr<boost::asio::steady_timer>> timers_;
  // On the control loop's one thread only:
  struct CachedPolicy {
    RetryPolicy policy;
    std::chrono::steady_clock::time_point fetched;
  };
  std::unordered_map<std::string, CachedPolicy> policies_;  // by "ns/name", at most kMaxCachedPolicies
  std::mt19937_64 random_{std::random_device{}()};
  std::string last_lease_error_;
  std::chrono::steady_clock::time_point last_lease_error_logged_{};
};

}  // namespace faasgate::queue
