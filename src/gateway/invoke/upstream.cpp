#include "faasgate/invoke/upstream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <optional>

#include "faasgate/server/message_writer.hpp"

namespace faasgate::invoke {

namespace asio = server::asio;
namespace beast = server::beast;
namespace http = server::http;

constexpr int kMaxInterimAnswers = 8;

// A keep-alive connection to a replica; it stays on the loop that opened it.
struct UpstreamPool::Connection {
  explicit Connection(asio::any_io_executor executor) : socket(std::move(executor)), deadline(socket) {}
  server::tcp::socket socket;
  server::Deadline deadline;
};

UpstreamPool::UpstreamPool(std::size_t max_idle_per_endpoint, std::size_t max_response_bytes,
                           std::chrono::milliseconds connect_timeout)
    : max_idle_(max_idle_per_endpoint), max_response_bytes_(max_response_bytes), connect_timeout_(connect_timeout) {}

UpstreamPool::~UpstreamPool() = default;

std::unique_ptr<UpstreamPool::Connection> UpstreamPool::take(const Key& key) {
  std::lock_guard lock(mu_);
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  auto connection = std::move(it->second.back());
  it->second.pop_back();
  return connection;
}

void UpstreamPool::give_back(const Key& key, std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  auto& idle = idle_[key];
  if (idle.size() < max_idle_) idle.push_back(std::move(connection));
}

void UpstreamPool::forget(const server::tcp::endpoint& endpoint) {
  std::vector<std::unique_ptr<Connection>> dropped;
  {
    std::lock_guard lock(mu_);
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (it->first.second != endpoint) {
        ++it;
        continue;
      }
      for (auto& c : it->second) dropped.push_back(std::move(c));
      it = idle_.erase(it);
    }
  }
  // A connection (its Deadline) is only touched on its own loop.
  for (auto& c : dropped) {
    auto executor = c->socket.get_executor();
    asio::post(executor, [c = std::shared_ptr<Connection>(std::move(c))] {});
  }
}

asio::awaitable<core::Expected<server::Response, UpstreamError>> UpstreamPool::send(
    asio::any_io_executor executor, const server::tcp::endpoint& endpoint, server::Request& request,
    std::chrono::seconds timeout) {
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  const Key key{&asio::query(executor, asio::execution::context), endpoint};
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto connection = take(key);
    const bool pooled = connection != nullptr;
    if (!connection) {
      connection = std::make_unique<Connection>(executor);
      connection->deadline.expires_after(connect_timeout_);
      auto [cec] = co_await connection->socket.async_connect(endpoint, use_tuple);
      if (cec) {
        const std::string why = connection->deadline.expired() ? "timed out" : cec.message();
        co_return core::fail(UpstreamError{UpstreamErrc::connect_failed, "cannot connect to the function: " + why});
      }
      beast::error_code ignored;
      connection->socket.set_option(server::tcp::no_delay(true), ignored);
    }
    connection->deadline.expires_after(timeout);
    auto [wec, wn] = co_await server::write_message(connection->socket, request);
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    bool answered = false;  // some answer, interim or final, came back
    beast::error_code rec;
    // Interim answers (100 Continue, 103 Early Hints) come before the final one: read past them,
    // a bounded number of them. 101 would be final, but Upgrade is never forwarded.
    for (int interim = 0; !wec && !rec; ++interim) {
      if (interim > kMaxInterimAnswers) {
        co_return core::fail(UpstreamError{UpstreamErrc::broken, "the function sent too many 1xx answers"});
      }
      parser.emplace();
      parser->body_limit(max_response_bytes_);
      parser->skip(request.method() == http::verb::head);  // its Content-Length is not followed by a body
      std::tie(rec, std::ignore) = co_await http::async_read(connection->socket, buffer, *parser, use_tuple);
      answered = answered || parser->got_some();
      if (rec) break;
      const unsigned status = parser->get().result_int();
      if (status < 100 || status > 199 || status == 101) break;
    }
    const auto ec = wec ? wec : rec;
    if (ec) {
      if (connection->deadline.expired()) {
        co_return core::fail(UpstreamError{UpstreamErrc::timeout, "the function did not answer in time"});
      }
      if (ec == http::error::body_limit) {
        co_return core::fail(UpstreamError{UpstreamErrc::too_large, "the function's answer is too large"});
      }
      // A pooled connection closed by the replica while idle: nothing was read, so retry fresh.
      if (pooled && buffer.size() == 0 && !answered) continue;
      co_return core::fail(UpstreamError{UpstreamErrc::broken, "the function's connection failed: " + ec.message()});
    }
    auto response = parser->release();
    if (response.keep_alive() && buffer.size() == 0) {
      connection->deadline.expires_never();
      give_back(key, std::move(connection));
    }
    co_return response;
  }
  co_return core::fail(UpstreamError{UpstreamErrc::broken, "the function closed the connection"});
}

}  // namespace faasgate::invoke
