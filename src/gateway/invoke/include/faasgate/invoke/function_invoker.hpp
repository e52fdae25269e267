#pragma once
// The invocation seam: what the /function routes and the async workers ask of whatever runs a
// function. EmbeddedInvoker (embedded_invoker.hpp) invokes the embedded runtime's processes;
// FakeInvoker (fake_invoker.hpp) answers from memory in tests; a remote provider (faas-netes,
// faasd) is another implementation. Callers have decided already that the call is allowed.
#include <functional>
#include <string>

#include "faasgate/server/http_server.hpp"

namespace faasgate::invoke {

struct Invocation {
  std::string name;
  std::string namespace_;
  std::string path;   // after the function name, with a leading '/', percent-encoded as received
  std::string query;  // without '?'
  std::string call_id;
  server::Request request;  // method, headers and body as received
  // The caller's address, for X-Forwarded-For where an invoker forwards the call (a queued call
  // carries its caller's in its headers instead). Empty when unknown.
  std::string forwarded_for;
};

// Called after each answered invocation of an existing function: its status and duration.
using InvocationObserver =
    std::function<void(const std::string& ns, const std::string& name, unsigned status, double seconds)>;

class FunctionInvoker {
 public:
  virtual ~FunctionInvoker() = default;

  // Whether `name` is deployed in `ns` and can be called: an async call is queued only for
  // a function that is.
  virtual bool exists(const std::string& ns, const std::string& name) const = 0;

  // Always answers: a function that is missing is 404, one that fails 502, one that is too slow
  // 504, one at its concurrency limit 429. The answer carries X-Call-Id, X-Start-Time and
  // X-Duration-Seconds.
  virtual server::asio::awaitable<server::Response> invoke(server::asio::any_io_executor executor,
                                                           Invocation call) = 0;
};

// The path itself when it is already fit for a request line (percent-encoded, no space or
// control character), else the path percent-encoded: an async call queued by a gateway that
// stored paths decoded may hold "/a b".
std::string request_path(std::string_view path);

// Sets X-Call-Id, X-Start-Time and X-Duration-Seconds on an invocation's answer, as every
// FunctionInvoker does.
void stamp_answer(server::Response& response, const std::string& call_id,
                  std::chrono::system_clock::time_point started, double seconds);

// A plain-text answer, the gateway's own words (not the function's).
server::Response plain_answer(server::http::status status, std::string message);

}  // namespace faasgate::invoke
