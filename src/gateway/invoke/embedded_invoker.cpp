#include "faasgate/invoke/embedded_invoker.hpp"

#include "faasgate/invoke/forwarding.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

namespace faasgate::invoke {

namespace http = server::http;
namespace asio = server::asio;

namespace {

std::string seconds_text(double s) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s, std::chars_format::fixed, 6);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

// A function at its max_inflight, or the gateway at its classic process limit: as upstream's
// watchdog, 429, and the caller may retry.
server::Response too_busy(const std::string& message) {
  auto response = plain_answer(http::status::too_many_requests, message);
  response.set(http::field::retry_after, "1");
  return response;
}

}  // namespace

std::string request_path(std::string_view path) {
  static constexpr auto kPathChars = boost::urls::pchars + '/';
  const bool encoded = boost::urls::make_pct_string_view(path).has_value() &&
                       std::all_of(path.begin(), path.end(), [](char c) { return c == '%' || kPathChars(c); });
  return encoded ? std::string(path) : boost::urls::encode(path, kPathChars);
}

server::Response plain_answer(http::status status, std::string message) {
  server::Response res{status, 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::move(message) + "\n";
  return res;
}

void stamp_answer(server::Response& response, const std::string& call_id, std::chrono::system_clock::time_point started,
                  double seconds) {
  response.set("X-Call-Id", call_id);
  response.set("X-Start-Time",
               std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(started.time_since_epoch()).count()));
  response.set("X-Duration-Seconds", seconds_text(seconds));
}

EmbeddedInvoker::EmbeddedInvoker(provider::Runtime& runtime, UpstreamPool& upstreams, InvocationObserver observer)
    : runtime_(runtime), upstreams_(upstreams), observer_(std::move(observer)) {}

bool EmbeddedInvoker::exists(const std::string& ns, const std::string& name) const {
  return runtime_.mode(ns, name).has_value();
}

asio::awaitable<server::Response> EmbeddedInvoker::invoke(asio::any_io_executor executor, Invocation call) {
  const auto started = std::chrono::steady_clock::now();
  const auto started_wall = std::chrono::system_clock::now();
  auto mode = runtime_.mode(call.namespace_, call.name);
  server::Response response;
  if (!mode) {
    response = plain_answer(http::status::not_found, "function " + call.name + "." + call.namespace_ + " not found");
  } else if (*mode == provider::Mode::http) {
    response = co_await invoke_http(executor, call);
  } else {
    response = co_await invoke_classic(call);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  stamp_answer(response, call.call_id, started_wall, seconds);
  if (mode && observer_) observer_(call.namespace_, call.name, response.result_int(), seconds);
  co_return response;
}

asio::awaitable<server::Response> EmbeddedInvoker::invoke_http(asio::any_io_executor executor, Invocation& call) {
  auto& runtime = runtime_;
  auto admitted = runtime.admit(call.namespace_, call.name);  // held until the answer is in
  if (!admitted) {
    if (admitted.error().code == provider::RuntimeErrc::busy) co_return too_busy(admitted.error().message);
    co_return plain_answer(http::status::not_found, "function " + call.name + "." + call.namespace_ + " not found");
  }
  auto replica = runtime.pick(call.namespace_, call.name);
  if (!replica) co_return plain_answer(http::status::service_unavailable, "no replica of " + call.name + " is ready");

  // The client's request becomes the function's: moved, not copied field by field (every field
  // is an allocation), less the hop-by-hop fields. Fields sent more than once stay, in order.
  server::Request upstream = std::move(call.request);
  std::string target = call.path;
  if (!call.query.empty()) target.append("?").append(call.query);
  upstream.target(target);
  upstream.version(11);
  drop_hop_by_hop(upstream);
  // The gateway has the whole body already: it answered the client's Expect: 100-continue
  // itself, and the function need not be asked again.
  upstream.erase(http::field::expect);
  upstream.set(http::field::host, "127.0.0.1:" + std::to_string(replica->endpoint.port()));
  upstream.set("X-Call-Id", call.call_id);
  upstream.keep_alive(true);
  upstream.prepare_payload();

  auto answer = co_await upstreams_.send(executor, replica->endpoint, upstream, runtime.timeout(call.namespace_, call.name));
  if (!answer) {
    const auto& e = answer.error();
    if (e.code == UpstreamErrc::timeout) co_return plain_answer(http::status::gateway_timeout, e.message);
    runtime.report_failure(call.namespace_, call.name, *replica);
    upstreams_.forget(replica->endpoint);
    co_return plain_answer(http::status::bad_gateway, e.message);
  }
  server::Response response = std::move(*answer);
  response.reason("");  // the standard reason for the status, as the gateway writes for its own answers
  drop_hop_by_hop(response);
  response.set("X-Served-By", call.name + "-" + std::to_string(replica->replica));
  co_return response;
}

asio::awaitable<server::Response> EmbeddedInvoker::invoke_classic(Invocation& call) {
  provider::ClassicRequest request;
  request.method = std::string(call.request.method_string());
  // Http_Path is decoded, as the watchdog's (Go's URL.Path).
  const auto path = boost::urls::make_pct_string_view(call.path);
  request.path = path ? path->decode() : call.path;
  request.query = call.query;
  for (const auto& field : call.request) request.headers.emplace_back(field.name_string(), field.value());
  request.body = std::move(call.request.body());
  const auto content_type = std::string(call.request[http::field::content_type]);

  auto result = co_await runtime_.invoke_classic(call.namespace_, call.name, std::move(request));
  if (!result) {
    const auto& e = result.error();
    switch (e.code) {
      case provider::RuntimeErrc::not_found: co_return plain_answer(http::status::not_found, e.message);
      case provider::RuntimeErrc::busy: co_return too_busy(e.message);
      case provider::RuntimeErrc::timeout: co_return plain_answer(http::status::gateway_timeout, e.message);
      case provider::RuntimeErrc::too_large: co_return plain_answer(http::status::bad_gateway, e.message);
      default: co_return plain_answer(http::status::bad_gateway, e.message);
    }
  }
  // As the classic watchdog: 200 with stdout, or 500 with it when the process failed.
  server::Response response{result->exit_code == 0 ? http::status::ok : http::status::internal_server_error, 11};
  response.set(http::field::content_type, content_type.empty() ? "text/plain; charset=utf-8" : content_type);
  response.body() = std::move(result->body);
  response.set("X-Served-By", call.name);
  co_return response;
}

}  // namespace faasgate::invoke
