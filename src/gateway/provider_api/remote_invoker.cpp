#include "faasgate/provider_api/remote_invoker.hpp"

#include "faasgate/invoke/forwarding.hpp"
#include "paths.hpp"

namespace faasgate::provider_api {

namespace http = server::http;
namespace asio = server::asio;

RemoteInvoker::RemoteInvoker(const RemotePlatform& platform, invoke::UpstreamPool& upstreams,
                             invoke::InvocationObserver observer)
    : platform_(platform), upstreams_(upstreams), observer_(std::move(observer)) {}

bool RemoteInvoker::exists(const std::string& ns, const std::string& name) const {
  return platform_.lookup(ns, name).state != FunctionLookup::State::not_found;
}

asio::awaitable<server::Response> RemoteInvoker::invoke(asio::any_io_executor executor, invoke::Invocation call) {
  const auto started = std::chrono::steady_clock::now();
  const auto started_wall = std::chrono::system_clock::now();
  const auto& config = platform_.config();
  auto name = path_segment(call.name);
  auto ns = path_segment(call.namespace_);
  server::Response response;
  bool answered = false;
  if (!name || !ns || has_dot_segment(call.path)) {
    response = invoke::plain_answer(http::status::bad_request,
                                    "the function's name, namespace and path must not hold . or .. segments");
  } else {
    server::Request upstream = std::move(call.request);
    std::string target = config.address.prefix + "/function/" + *name + "." + *ns + invoke::request_path(call.path);
    if (!call.query.empty()) target.append("?").append(call.query);
    if (!upstream.count("X-Forwarded-Host") && upstream.count(http::field::host))
      upstream.set("X-Forwarded-Host", upstream[http::field::host]);
    if (!upstream.count("X-Forwarded-For") && !call.forwarded_for.empty())
      upstream.set("X-Forwarded-For", call.forwarded_for);
    upstream.target(target);
    upstream.version(11);
    invoke::drop_hop_by_hop(upstream);
    upstream.erase(http::field::expect);  // the gateway has the whole body already
    upstream.set(http::field::host, config.address.display);
    upstream.set("X-Call-Id", call.call_id);
    upstream.keep_alive(true);
    upstream.prepare_payload();
    auto answer = co_await upstreams_.send(executor, config.endpoint, upstream, config.invoke_timeout);
    if (!answer) {
      const auto code = answer.error().code;
      if (code == invoke::UpstreamErrc::timeout) {
        response = invoke::plain_answer(http::status::gateway_timeout,
                                        "the functions provider at " + config.address.display + " did not answer in time");
      } else {
        if (code != invoke::UpstreamErrc::too_large) upstreams_.forget(config.endpoint);
        response = invoke::plain_answer(http::status::bad_gateway,
                                        code == invoke::UpstreamErrc::too_large
                                            ? "the function's answer is too large"
                                            : "cannot reach the functions provider at " + config.address.display);
      }
      // The gateway's own words, not the function's: marked as upstream's proxy marks its own.
      response.set("X-OpenFaaS-Internal", "gateway");
    } else {
      response = std::move(*answer);
      response.reason("");
      invoke::drop_hop_by_hop(response);
      answered = true;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  invoke::stamp_answer(response, call.call_id, started_wall, seconds);
  // The function's answer, not the provider's own words about it ("No endpoints available").
  if (answered && observer_ && !response.count("X-OpenFaaS-Internal") && response.result() != http::status::not_found)
    observer_(call.namespace_, call.name, response.result_int(), seconds);
  co_return response;
}

}  // namespace faasgate::provider_api
