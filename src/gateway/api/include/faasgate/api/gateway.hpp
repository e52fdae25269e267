#pragma once
// The gateway's HTTP face: the route table and the request pipeline (route -> authenticate ->
// decide, in access/decisions.hpp -> audit -> handler). Handlers turn domain results into
// statuses; nothing below this layer knows HTTP.
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "faasgate/access/authenticator.hpp"
#include "faasgate/api/audit.hpp"
#include "faasgate/api/metrics.hpp"
#include "faasgate/api/router.hpp"
#include "faasgate/api/stream_quota.hpp"
#include "faasgate/core/clock.hpp"
#include "faasgate/invoke/function_invoker.hpp"
#include "faasgate/jose/jwk.hpp"
#include "faasgate/oauth/exchange.hpp"
#include "faasgate/platform/platform.hpp"
#include "faasgate/queue/queue.hpp"

namespace faasgate::queue {
class AsyncWorkers;
}  // namespace faasgate::queue

namespace faasgate::api {

// Everything that reloads (IAM objects, trusted issuers, signing keys), as one snapshot.
struct GatewayState {
  std::uint64_t generation = 0;  // increases with every snapshot
  oauth::ExchangeState exchange;
  jose::KeySet published_keys;   // the system issuer's keys at the time the snapshot was built
  std::string jwks_json;         // published_keys serialised once
};

class StateHolder {
 public:
  std::shared_ptr<const GatewayState> load() const { return state_.load(std::memory_order_acquire); }
  void store(std::shared_ptr<const GatewayState> s) { state_.store(std::move(s), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const GatewayState>> state_;
};

struct GatewayOptions {
  std::string system_issuer;                        // e.g. http://127.0.0.1:8080
  // Serve the upstream provider API instead (`faasgate provider`, reference §6): the /system
  // routes for the basic-auth admin alone - the gateway in front of it holds the credentials and
  // does the authorization - and /function/ open, as faas-netes serves it behind its gateway;
  // no exchange, no IAM, no async route.
  bool provider_api = false;
  std::size_t max_body_bytes = 1 << 20;             // /system API bodies
  std::size_t max_invoke_body_bytes = 32 << 20;     // function invocations
  std::size_t max_async_body_bytes = 1 << 20;       // queued (async) invocations, as upstream's queue
  std::size_t max_token_request_bytes = 64 * 1024;
  std::size_t max_log_streams = 256;            // logs with follow, open at once
  std::size_t max_log_streams_per_caller = 8;   // the same, per subject (or the admin)
  std::string version;
  std::string commit;
};

struct GatewayServices {
  const StateHolder& state;
  const oauth::TokenExchange& exchange;
  access::Authenticator& auth;
  platform::Platform& platform;
  invoke::FunctionInvoker& invoker;
  queue::Queue& queue;  // the async calls: /async-function enqueues, metrics reads the depth
  queue::AsyncWorkers* async_workers;  // may be null (tests)
  Metrics& metrics;
  boost::asio::thread_pool& blocking;
  const core::Clock& clock;
  AuditLog* audit = nullptr;  // may be null
};

class Gateway {
 public:
  Gateway(GatewayOptions options, GatewayServices services);

  asio::awaitable<Reply> handle(Request&& request, const RequestInfo& info);
  // The metrics listener's requests (GET /metrics, /healthz): Prometheus text that names every
  // function of every namespace, so never on the public API's listener.
  asio::awaitable<Reply> handle_metrics(Request&& request, const RequestInfo& info);
  // Ends long-lived streams (logs with follow) so that a graceful shutdown can finish.
  void stop_streams() noexcept { stopping_ = true; }
  std::size_t body_limit(const http::request_header<>& header) const;
  const Router& router() const noexcept { return router_; }

 private:
  // identity
  asio::awaitable<Reply> token(Call& call);
  asio::awaitable<Reply> discovery(Call& call);
  asio::awaitable<Reply> jwks(Call& call);
  asio::awaitable<Reply> healthz(Call& call);
  asio::awaitable<Reply> metrics(Call& call);
  // /system
  asio::awaitable<Reply> info(Call& call);
  asio::awaitable<Reply> list_functions(Call& call);
  asio::awaitable<Reply> get_function(Call& call);
  asio::awaitable<Reply> deploy_function(Call& call);
  asio::awaitable<Reply> update_function(Call& call);
  asio::awaitable<Reply> delete_function(Call& call);
  asio::awaitable<Reply> scale_function(Call& call);
  asio::awaitable<Reply> list_secrets(Call& call);
  asio::awaitable<Reply> create_secret(Call& call);
  asio::awaitable<Reply> update_secret(Call& call);
  asio::awaitable<Reply> delete_secret(Call& call);
  asio::awaitable<Reply> list_namespaces(Call& call);
  asio::awaitable<Reply> get_namespace(Call& call);
  asio::awaitable<Reply> create_namespace(Call& call);
  asio::awaitable<Reply> update_namespace(Call& call);
  asio::awaitable<Reply> delete_namespace(Call& call);
  asio::awaitable<Reply> logs(Call& call);
  asio::awaitable<Reply> explain(Call& call);
  // functions
  asio::awaitable<Reply> invoke(Call& call);
  asio::awaitable<Reply> invoke_async(Call& call);
  asio::awaitable<Reply> invoke_guarded(Call& call, const Route& route);

  // Runs blocking domain work (SQLite, process control) off the I/O threads.
  template <class F>
  asio::awaitable<std::invoke_result_t<F>> blocking(F f);

  RouteHandler bind(asio::awaitable<Reply> (Gateway::*fn)(Call&));
  void add_routes();
  void add_system_routes(Guard guard);
  Reply unauthorized(std::string_view message) const;
  // The pipeline of an admin or IAM route: authentication, the resource, the decision, the audit.
  asio::awaitable<Reply> api_call(Call& call, const Route& route);
  // For list handlers: whether a non-admin caller may see a namespace / a function.
  bool visible(const Call& call, std::string_view action, std::string_view ns, std::string_view fn = {}) const;
  // For long-lived answers: whether `who` (authenticated when the stream began) still may do
  // `action` on ns:fn now - its token not expired or revoked, the live IAM objects allowing it.
  bool still_allowed(const Principal& who, iam::Action action, std::string_view ns, std::string_view fn) const;

  GatewayOptions options_;
  GatewayServices s_;
  Router router_;
  std::string discovery_json_;
  std::atomic<bool> stopping_{false};
  StreamQuota log_streams_;
};

}  // namespace faasgate::api
