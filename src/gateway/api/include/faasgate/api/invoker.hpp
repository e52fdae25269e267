#pragma once
// Invokes a function the way the gateway's /function route and the async workers both need:
// classic mode through the runtime (one process per request), http mode through the upstream
// pool to a replica. Counts the invocation and observes its duration.
#include <chrono>
#include <string>

#include "faasgate/api/metrics.hpp"
#include "faasgate/api/upstream.hpp"
#include "faasgate/platform/platform.hpp"
#include "faasgate/provider/runtime.hpp"
#include "faasgate/server/http_server.hpp"

namespace faasgate::api {

struct Invocation {
  std::string name;
  std::string namespace_;
  std::string path;   // after the function name, with a leading '/', percent-encoded as received
  std::string query;  // without '?'
  std::string call_id;
  server::Request request;  // method, headers and body as received
};

class Invoker {
 public:
  Invoker(platform::Platform& platform, UpstreamPool& upstreams, Metrics& metrics);

  // Always answers: a function that is missing is 404, one that fails 502, one that is too slow
  // 504. The answer carries X-Call-Id, X-Start-Time and X-Duration-Seconds.
  server::asio::awaitable<server::Response> invoke(server::asio::any_io_executor executor, Invocation call);

 private:
  server::asio::awaitable<server::Response> invoke_http(server::asio::any_io_executor executor, Invocation& call);
  server::asio::awaitable<server::Response> invoke_classic(Invocation& call);

  platform::Platform& platform_;
  UpstreamPool& upstreams_;
  Metrics& metrics_;
};

// "name" or "name.namespace" (the namespace is after the last dot, as upstream splits it).
std::pair<std::string, std::string> split_function_name(std::string_view qualified);

// The path itself when it is already fit for a request line (percent-encoded, no space or
// control character), else the path percent-encoded: an async call queued by a gateway that
// stored paths decoded may hold "/a b".
std::string request_path(std::string_view path);

}  // namespace faasgate::api
