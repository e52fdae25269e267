#pragma once
// HTTP/1.1 client for the gateway's upstreams (http-mode function replicas), with a pool of
// keep-alive connections per endpoint and event loop: a connection is reused only by requests on
// the loop it was opened on, so its readiness is noticed by the thread that is waiting for it.
// A pooled connection the replica has closed meanwhile is detected on first use and the request
// is retried once on a fresh connection (it cannot have reached the function: nothing was read
// back). Timeouts use server::Deadline, so the executor must be an io_context run by one thread.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/server/http_server.hpp"

namespace faasgate::invoke {

enum class UpstreamErrc { connect_failed, timeout, broken, too_large };

struct UpstreamError {
  UpstreamErrc code;
  std::string message;
};

class UpstreamPool {
 public:
  explicit UpstreamPool(std::size_t max_idle_per_endpoint = 64, std::size_t max_response_bytes = 64 * 1024 * 1024,
                        std::chrono::milliseconds connect_timeout = std::chrono::seconds(5));
  ~UpstreamPool();

  server::asio::awaitable<core::Expected<server::Response, UpstreamError>> send(
      server::asio::any_io_executor executor, const server::tcp::endpoint& endpoint, server::Request& request,
      std::chrono::seconds timeout);

  // Drops idle connections to an endpoint (its replica went away). They are closed on their own
  // loops.
  void forget(const server::tcp::endpoint& endpoint);

 private:
  struct Connection;
  using Key = std::pair<const void*, server::tcp::endpoint>;  // (io_context, replica)
  std::unique_ptr<Connection> take(const Key& key);
  void give_back(const Key& key, std::unique_ptr<Connection> connection);

  std::size_t max_idle_;
  std::size_t max_response_bytes_;
  std::chrono::milliseconds connect_timeout_;
  std::mutex mu_;
  std::map<Key, std::vector<std::unique_ptr<Connection>>> idle_;
};

}  // namespace faasgate::invoke
