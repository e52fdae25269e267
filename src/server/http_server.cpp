#include "server/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include <array>

namespace faasgate::server {

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// True for errors that mean the client sent something that is not HTTP (worth a 400), as opposed
// to the connection ending or timing out (nothing to answer).
bool is_protocol_error(const beast::error_code& ec) {
  static const auto& http_category = beast::error_code(http::error::bad_method).category();
  return ec.category() == http_category && ec != http::error::end_of_stream && ec != http::error::partial_message;
}

}  // namespace

// The last answer on a connection that is about to close (the request was refused before a
// handler saw it).
static asio::awaitable<void> send_final_error(beast::tcp_stream& stream, std::chrono::seconds timeout,
                                              http::status status, std::string message) {
  auto reply = make_error_reply(status, message);
  reply.response.keep_alive(false);
  stream.expires_after(timeout);
  co_await http::async_write(stream, reply.response, use_tuple);
}

Reply make_error_reply(http::status status, std::string_view message, unsigned version) {
  Response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.body() = boost::json::serialize(boost::json::object{{"message", message}}) + "\n";
  res.prepare_payload();
  return {std::move(res), {}};
}

class HttpServer::Session {
 public:
  explicit Session(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  std::atomic<bool> idle{true};  // waiting for the next request: may be closed at shutdown
};

HttpServer::HttpServer(asio::io_context& io, Limits limits, Handler handler, BodyLimit body_limit)
    : io_(io), limits_(limits), handler_(std::move(handler)), body_limit_(std::move(body_limit)), acceptor_(io) {}

HttpServer::~HttpServer() = default;

tcp::endpoint HttpServer::listen(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  return acceptor_.local_endpoint();
}

void HttpServer::start() { asio::co_spawn(io_, accept_loop(), asio::detached); }

asio::awaitable<void> HttpServer::accept_loop() {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), use_tuple);
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      // EMFILE and friends: back off briefly instead of spinning.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer t(io_, std::chrono::milliseconds(50));
      co_await t.async_wait(use_tuple);
      continue;
    }
    if (open_.load() >= limits_.max_connections) {
      socket.close();  // over the connection limit: refuse rather than queue without bound
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    auto session = std::make_shared<Session>(std::move(socket));
    {
      std::lock_guard lock(mu_);
      sessions_.insert(session.get());
      ++open_;
    }
    auto executor = session->stream.get_executor();
    asio::co_spawn(executor, serve(session), asio::detached);
  }
}

asio::awaitable<void> HttpServer::serve(std::shared_ptr<Session> session) {
  auto& stream = session->stream;
  beast::flat_buffer buffer;
  RequestInfo info;
  {
    beast::error_code ec;
    info.remote = stream.socket().remote_endpoint(ec);
  }
  bool first = true;
  bool drain = false;  // the client may still be sending a body we refused
  while (!stopping_) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.header_bytes));
    // The body limit depends on the route, known once the header is read: until then none, or
    // Beast would refuse a large Content-Length while parsing the header, as a malformed request.
    parser.body_limit(boost::none);
    session->idle = true;
    stream.expires_after(first ? limits_.read_timeout : limits_.idle_timeout);
    first = false;

    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    session->idle = false;
    if (hec) {
      if (hec == http::error::header_limit) {
        co_await send_final_error(stream, limits_.write_timeout, http::status::request_header_fields_too_large,
                                  "request header too large");
      } else if (is_protocol_error(hec)) {
        co_await send_final_error(stream, limits_.write_timeout, http::status::bad_request,
                                  "malformed HTTP request: " + hec.message());
      }
      break;
    }
    // The route decides how large a body may be. Beast checks Content-Length against the limit
    // only while parsing the header, so a declared length is checked here; chunked bodies are
    // checked by the parser as they arrive.
    const std::size_t body_limit = body_limit_ ? body_limit_(parser.get().base()) : limits_.body_bytes;
    parser.body_limit(body_limit);
    if (auto declared = parser.content_length(); declared && *declared > body_limit) {
      co_await send_final_error(stream, limits_.write_timeout, http::status::payload_too_large,
                                "request body too large: the limit is " + std::to_string(body_limit) + " bytes");
      drain = true;
      break;
    }
    stream.expires_after(limits_.read_timeout);
    auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (bec) {
      if (bec == http::error::body_limit) {
        co_await send_final_error(stream, limits_.write_timeout, http::status::payload_too_large,
                                  "request body too large: the limit is " + std::to_string(body_limit) + " bytes");
        drain = true;
      } else if (is_protocol_error(bec)) {
        co_await send_final_error(stream, limits_.write_timeout, http::status::bad_request,
                                  "malformed HTTP request: " + bec.message());
      }
      break;
    }

    Request request = parser.release();
    const bool keep_alive = request.keep_alive() && !stopping_;
    const unsigned version = request.version();
    stream.expires_never();  // the handler bounds its own work (function timeouts, fetch timeouts)
    Reply reply = co_await handler_(std::move(request), info);
    reply.response.version(version);
    reply.response.keep_alive(keep_alive && !stopping_);

    bool keep = reply.response.keep_alive();
    if (reply.stream) {
      keep = co_await reply.stream(stream) && keep;
    } else {
      reply.response.prepare_payload();
      stream.expires_after(limits_.write_timeout);
      auto [wec, wn] = co_await http::async_write(stream, reply.response, use_tuple);
      if (wec) break;
    }
    if (!keep) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (drain) {
    // Closing with unread input makes the kernel send RST, and the client may lose our answer
    // before reading it. Discard what is still coming, bounded in bytes and time.
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink;
    std::size_t discarded = 0;
    while (discarded < 8 * 1024 * 1024) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
      if (rec) break;
      discarded += n;
    }
  }
  stream.close();
  finished(session.get());
}

void HttpServer::finished(Session* session) {
  std::function<void()> drained;
  {
    std::lock_guard lock(mu_);
    sessions_.erase(session);
    --open_;
    if (stopping_ && sessions_.empty() && on_drained_) drained = std::exchange(on_drained_, {});
  }
  if (drained) drained();
}

void HttpServer::shutdown(std::function<void()> done) {
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  // Idle keep-alive connections are closed now; busy ones finish their request (the loop sees
  // stopping_ and answers with Connection: close). Sessions erase themselves under mu_, and each
  // is only touched on its own strand, so we post rather than touch them here.
  std::lock_guard lock(mu_);
  if (sessions_.empty()) {
    if (done) done();
    return;
  }
  on_drained_ = std::move(done);
  for (auto* s : sessions_) {
    asio::post(s->stream.get_executor(), [this, s] {
      std::lock_guard inner(mu_);
      if (sessions_.count(s) && s->idle) s->stream.socket().cancel();
    });
  }
  // After the grace period, whatever is still open is cut.
  auto timer = std::make_shared<asio::steady_timer>(io_, limits_.shutdown_grace);
  timer->async_wait([this, timer](const beast::error_code&) {
    std::lock_guard lock(mu_);
    for (auto* s : sessions_) {
      asio::post(s->stream.get_executor(), [this, s] {
        std::lock_guard inner(mu_);
        if (sessions_.count(s)) s->stream.socket().cancel();
      });
    }
  });
}

}  // namespace faasgate::server
