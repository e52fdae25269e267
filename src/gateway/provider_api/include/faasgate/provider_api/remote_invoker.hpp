#pragma once
// invoke::FunctionInvoker over the provider's /function/ proxy (reference §6), as upstream's
// forwarding proxy calls it: /function/{name}.{ns}{path}?{query} with the caller's method,
// headers and body, without the gateway's credentials, through invoke::UpstreamPool (keep-alive
// connections on the I/O threads). It adds X-Forwarded-Host (the Host the caller named) and
// X-Forwarded-For (the caller's address) when the call has none, never follows a redirect, and
// passes the provider's answer through - its own ones too (503 "No endpoints available for:
// <fn>." with X-OpenFaaS-Internal: proxy).
//
// A provider that cannot be reached answers 502 at once (the connection is refused, or not made
// within connect_timeout), as upstream's gateway answers when its provider's proxy fails; one
// that does not answer within invoke_timeout, 504. A path with a "." or ".." segment is refused
// (400): the provider's router would clean it into another of its routes. Answers are buffered
// (at most the pool's response limit): server-sent events and NDJSON reach the caller whole, not
// streamed.
#include "faasgate/invoke/function_invoker.hpp"
#include "faasgate/invoke/upstream.hpp"
#include "faasgate/provider_api/remote_platform.hpp"

namespace faasgate::provider_api {

class RemoteInvoker final : public invoke::FunctionInvoker {
 public:
  // `observer` hears of every call the provider answered (counts, metrics).
  RemoteInvoker(const RemotePlatform& platform, invoke::UpstreamPool& upstreams, invoke::InvocationObserver observer = {});

  // From the platform's lookups (may block on a cache miss: call it off the I/O threads). A
  // provider that cannot say is taken to have it: the call is queued and fails when it runs, as
  // upstream's queue would.
  bool exists(const std::string& ns, const std::string& name) const override;
  server::asio::awaitable<server::Response> invoke(server::asio::any_io_executor executor,
                                                   invoke::Invocation call) override;

 private:
  const RemotePlatform& platform_;
  invoke::UpstreamPool& upstreams_;
  invoke::InvocationObserver observer_;
};

}  // namespace faasgate::provider_api
