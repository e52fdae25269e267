#pragma once
// A small HTTP listener for /metrics, on one thread of its own (Boost.Beast, which stays inside
// metrics_server.cpp). It answers GET /metrics with `render()` and anything else with 404; one
// request per connection, a 5 s deadline for the whole exchange, 8 KiB of request head, no
// body, and at most 16 connections at once (more are closed at accept). It is the connector's
// program side: the SDK knows nothing of it.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"

namespace faasgate::cron_connector {

class MetricsServer {
 public:
  // Binds HOST:PORT (port 0: one the system picks) and starts serving.
  static core::Expected<std::unique_ptr<MetricsServer>, std::string> start(std::string_view listen,
                                                                         std::function<std::string()> render);
  ~MetricsServer();  // stops and joins its thread
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // "http://127.0.0.1:41234/metrics": the bound address.
  const std::string& url() const noexcept;

  struct Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace faasgate::cron_connector
