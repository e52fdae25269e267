#include "api/upstream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace faasgate::api {

namespace asio = server::asio;
namespace beast = server::beast;
namespace http = server::http;

UpstreamPool::UpstreamPool(std::size_t max_idle_per_endpoint, std::size_t max_response_bytes)
    : max_idle_(max_idle_per_endpoint), max_response_bytes_(max_response_bytes) {}

std::unique_ptr<beast::tcp_stream> UpstreamPool::take(const server::tcp::endpoint& endpoint) {
  std::lock_guard lock(mu_);
  auto it = idle_.find(endpoint);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  auto stream = std::move(it->second.back());
  it->second.pop_back();
  return stream;
}

void UpstreamPool::give_back(const server::tcp::endpoint& endpoint, std::unique_ptr<beast::tcp_stream> stream) {
  std::lock_guard lock(mu_);
  auto& idle = idle_[endpoint];
  if (idle.size() < max_idle_) idle.push_back(std::move(stream));
}

void UpstreamPool::forget(const server::tcp::endpoint& endpoint) {
  std::lock_guard lock(mu_);
  idle_.erase(endpoint);
}

asio::awaitable<core::Expected<server::Response, UpstreamError>> UpstreamPool::send(
    asio::any_io_executor executor, const server::tcp::endpoint& endpoint, server::Request& request,
    std::chrono::seconds timeout) {
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto stream = take(endpoint);
    const bool pooled = stream != nullptr;
    if (!stream) {
      stream = std::make_unique<beast::tcp_stream>(executor);
      stream->expires_after(std::chrono::seconds(5));
      auto [cec] = co_await stream->async_connect(endpoint, use_tuple);
      if (cec) {
        co_return core::fail(UpstreamError{UpstreamErrc::connect_failed, "cannot connect to the function: " + cec.message()});
      }
      stream->socket().set_option(server::tcp::no_delay(true));
    }
    stream->expires_after(timeout);
    auto [wec, wn] = co_await http::async_write(*stream, request, use_tuple);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_response_bytes_);
    beast::error_code rec;
    if (!wec) std::tie(rec, std::ignore) = co_await http::async_read(*stream, buffer, parser, use_tuple);
    const auto ec = wec ? wec : rec;
    if (ec) {
      if (ec == beast::error::timeout) {
        co_return core::fail(UpstreamError{UpstreamErrc::timeout, "the function did not answer in time"});
      }
      if (ec == http::error::body_limit) {
        co_return core::fail(UpstreamError{UpstreamErrc::too_large, "the function's answer is too large"});
      }
      // A pooled connection closed by the replica while idle: nothing was read, so retry fresh.
      if (pooled && buffer.size() == 0 && !parser.got_some()) continue;
      co_return core::fail(UpstreamError{UpstreamErrc::broken, "the function's connection failed: " + ec.message()});
    }
    auto response = parser.release();
    if (response.keep_alive() && buffer.size() == 0) {
      stream->expires_never();
      give_back(endpoint, std::move(stream));
    }
    co_return response;
  }
  co_return core::fail(UpstreamError{UpstreamErrc::broken, "the function closed the connection"});
}

}  // namespace faasgate::api
