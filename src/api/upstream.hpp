#pragma once
// HTTP/1.1 client for the gateway's upstreams (http-mode function replicas), with a pool of
// keep-alive connections per endpoint. A pooled connection the replica has closed meanwhile is
// detected on first use and the request is retried once on a fresh connection (it cannot have
// reached the function: nothing was read back).
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include "core/result.hpp"
#include "server/http_server.hpp"

namespace faasgate::api {

enum class UpstreamErrc { connect_failed, timeout, broken, too_large };

struct UpstreamError {
  UpstreamErrc code;
  std::string message;
};

class UpstreamPool {
 public:
  explicit UpstreamPool(std::size_t max_idle_per_endpoint = 64, std::size_t max_response_bytes = 64 * 1024 * 1024);

  server::asio::awaitable<core::Expected<server::Response, UpstreamError>> send(
      server::asio::any_io_executor executor, const server::tcp::endpoint& endpoint, server::Request& request,
      std::chrono::seconds timeout);

  // Drops idle connections to an endpoint (its replica went away).
  void forget(const server::tcp::endpoint& endpoint);

 private:
  std::unique_ptr<server::beast::tcp_stream> take(const server::tcp::endpoint& endpoint);
  void give_back(const server::tcp::endpoint& endpoint, std::unique_ptr<server::beast::tcp_stream> stream);

  std::size_t max_idle_;
  std::size_t max_response_bytes_;
  std::mutex mu_;
  std::map<server::tcp::endpoint, std::vector<std::unique_ptr<server::beast::tcp_stream>>> idle_;
};

}  // namespace faasgate::api
