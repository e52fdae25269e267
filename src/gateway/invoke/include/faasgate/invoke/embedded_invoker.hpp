#pragma once
// The FunctionInvoker of the embedded runtime: classic mode through the runtime (one process per
// request), http mode through the upstream pool to a replica. It reports every call it answered
// for a function that exists (counts and metrics are the composition root's business).
#include <chrono>
#include <functional>
#include <string>

#include "faasgate/invoke/function_invoker.hpp"
#include "faasgate/invoke/upstream.hpp"
#include "faasgate/provider/runtime.hpp"

namespace faasgate::invoke {

class EmbeddedInvoker final : public FunctionInvoker {
 public:
  EmbeddedInvoker(provider::Runtime& runtime, UpstreamPool& upstreams, InvocationObserver observer = {});

  bool exists(const std::string& ns, const std::string& name) const override;
  server::asio::awaitable<server::Response> invoke(server::asio::any_io_executor executor, Invocation call) override;

 private:
  server::asio::awaitable<server::Response> invoke_http(server::asio::any_io_executor executor, Invocation& call);
  server::asio::awaitable<server::Response> invoke_classic(Invocation& call);

  provider::Runtime& runtime_;
  UpstreamPool& upstreams_;
  InvocationObserver observer_;
};

}  // namespace faasgate::invoke
