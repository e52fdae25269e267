#pragma once
// The gateway's HTTP face: the route table and the request pipeline
// (route -> [authenticate -> authorize] -> handler). Handlers turn domain results into statuses;
// nothing below this layer knows HTTP.
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "api/router.hpp"
#include "core/clock.hpp"
#include "jose/jwk.hpp"
#include "oauth/exchange.hpp"

namespace faasgate::api {

// Everything that reloads (IAM objects, trusted issuers, signing keys), as one snapshot.
struct GatewayState {
  oauth::ExchangeState exchange;
  jose::KeySet published_keys;  // the system issuer's keys at the time the snapshot was built
  std::string jwks_json;        // published_keys serialised once
};

class StateHolder {
 public:
  std::shared_ptr<const GatewayState> load() const { return state_.load(std::memory_order_acquire); }
  void store(std::shared_ptr<const GatewayState> s) { state_.store(std::move(s), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const GatewayState>> state_;
};

struct GatewayOptions {
  std::string system_issuer;             // e.g. http://127.0.0.1:8080
  std::size_t max_body_bytes = 1 << 20;  // API bodies
  std::size_t max_token_request_bytes = 64 * 1024;
};

class Gateway {
 public:
  Gateway(GatewayOptions options, const StateHolder& state, const oauth::TokenExchange& exchange,
          boost::asio::thread_pool& blocking, const core::Clock& clock);

  asio::awaitable<Reply> handle(Request&& request, const RequestInfo& info);
  std::size_t body_limit(const http::request_header<>& header) const;
  const Router& router() const noexcept { return router_; }

 private:
  asio::awaitable<Reply> token(Call& call);
  asio::awaitable<Reply> discovery(Call& call);
  asio::awaitable<Reply> jwks(Call& call);
  asio::awaitable<Reply> healthz(Call& call);

  GatewayOptions options_;
  const StateHolder& state_;
  const oauth::TokenExchange& exchange_;
  boost::asio::thread_pool& blocking_;
  const core::Clock& clock_;
  Router router_;
  std::string discovery_json_;
};

}  // namespace faasgate::api
