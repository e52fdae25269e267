#pragma once
// The HTTP/1.1 listener: connections, keep-alive, limits, timeouts and graceful shutdown.
// It knows nothing of routes or IAM: every complete request goes to one Handler.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "faasgate/server/deadline.hpp"
#include "faasgate/server/event_loops.hpp"

namespace faasgate::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct RequestInfo {
  tcp::endpoint remote;
};

// What a streaming answer writes its body to. The server owns the socket: it writes the answer's
// header (chunked) before the stream runs and the last chunk after it returns, bounds every
// write by its write timeout (a client that stops reading does not hold the connection), and
// nothing else - between writes the stream may wait as long as it likes.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Sends one chunk (nothing for an empty one). False once the client is gone or too slow: the
  // stream should end, and the connection closes.
  virtual asio::awaitable<bool> write(std::string_view chunk) = 0;
  // Whether the client has closed its side, checked without waiting: a quiet stream notices a
  // client that left without writing to it.
  virtual bool client_gone() = 0;
  virtual asio::any_io_executor executor() = 0;
};

// A handler may answer with a streamed body (NDJSON logs with follow): `stream` is then set,
// `response` holds the status and fields (the body is ignored), and the server calls `stream`
// with the client's BodyWriter after writing the header.
struct Reply {
  Response response;
  std::function<asio::awaitable<void>(BodyWriter&)> stream;
};

using Handler = std::function<asio::awaitable<Reply>(Request&&, const RequestInfo&)>;
// Decides, from the request header alone, how large a body this request may have.
using BodyLimit = std::function<std::size_t(const http::request_header<>&)>;

struct Limits {
  std::size_t header_bytes = 16 * 1024;
  std::size_t body_bytes = 1024 * 1024;                 // default when no BodyLimit is given
  // From a new connection's accept, or a keep-alive request's first byte, to the header's end:
  // a legitimate client sends its header at once, slowloris a few bytes at a time.
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{30};                // from the header's end to the body's
  std::chrono::seconds idle_timeout{60};                // keep-alive wait for a request's first byte
  std::chrono::seconds write_timeout{30};
  // At the limit a new connection takes the place of one between requests (the longest idle, else
  // the slowest header); it is refused only when every connection is in the middle of a request.
  std::size_t max_connections = 4096;
  // Past it a client address's new connections are refused: one address alone cannot take every
  // connection, or keep evicting everyone else's. An IPv6 client counts by its /64, which one
  // host usually has to itself. 128 is four times what bench/ opens from one address, and room
  // for a modest reverse proxy; 0: no cap (behind a proxy every client has the proxy's address).
  std::size_t max_connections_per_address = 128;
  std::chrono::seconds shutdown_grace{10};
};

// How many connections are open and what they are doing (a snapshot: each changes on its loop).
struct ConnectionCounts {
  std::size_t open = 0;              // accepted and not yet closed
  std::size_t awaiting_request = 0;  // keep-alive, no byte of the next request yet
  std::size_t reading_header = 0;
};

// A plain-text error answer: the message and a line break.
Reply make_error_reply(http::status status, std::string_view message, unsigned version = 11);

// Accepts on the first loop of `loops` and serves each connection on one loop (round robin);
// handlers run on the connection's loop.
class HttpServer {
 public:
  HttpServer(EventLoops& loops, Limits limits, Handler handler, BodyLimit body_limit = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; port 0 lets the OS choose. Returns the bound endpoint.
  tcp::endpoint listen(const tcp::endpoint& endpoint);
  void start();
  // Stops accepting, closes idle connections, lets in-flight requests finish (up to the grace
  // period) and then closes the rest. Calls `done` once every connection is gone.
  void shutdown(std::function<void()> done);

  std::size_t open_connections() const noexcept { return open_.load(); }
  ConnectionCounts connection_counts() const;

 private:
  class Session;
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket, tcp::endpoint remote);
  asio::awaitable<void> serve_requests(Session& session);
  enum class Admission { admitted, in_place_of_another, not_yet, refused_at_limit, refused_for_address };
  Admission admit(const tcp::endpoint& peer);
  Session* choose_eviction() const;
  void evict(Session& session);
  void finished(Session* session);
  template <class F>
  static void post_to(Session& session, F f);

  EventLoops& loops_;
  Limits limits_;
  Handler handler_;
  BodyLimit body_limit_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  mutable std::mutex mu_;
  // Registered sessions, in no order (a session knows its index: O(1) removal, and a scan that
  // walks an array). A session in here is alive: it unregisters before it is destroyed.
  std::vector<Session*> sessions_;
  std::size_t evicting_ = 0;  // sessions chosen for eviction and still open, under mu_
  // Open connections per client address (see AddressKey in the .cpp), under mu_.
  std::unordered_map<std::uint64_t, std::size_t> per_address_;
  std::function<void()> on_drained_;
};

}  // namespace faasgate::server
