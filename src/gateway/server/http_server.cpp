#include "faasgate/server/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/object.hpp>
#include <boost/range/iterator_range_core.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "faasgate/server/message_writer.hpp"

namespace faasgate::server {

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// True for errors that mean the client sent something that is not HTTP (worth a 400), as opposed
// to the connection ending or timing out (nothing to answer).
bool is_protocol_error(const beast::error_code& ec) {
  static const auto& http_category = beast::error_code(http::error::bad_method).category();
  return ec.category() == http_category && ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// An HTTP/1.1 request whose client waits for "100 Continue" before sending its body.
bool expects_continue(const http::request_header<>& header) {
  if (header.version() < 11) return false;
  const auto expect = header[http::field::expect];
  return expect.size() == 12 && beast::iequals(expect, "100-continue");
}

// A Transfer-Encoding the server cannot frame a body by. RFC 9112 §6.3: when chunked is not the
// last coding, the body's length cannot be known and the answer is 400, then close (Beast would
// read no body, and take the chunks for the next request); §6.1: any other coding, which the
// server does not decode, is 501.
std::optional<std::pair<http::status, std::string>> unsupported_transfer_coding(const http::request_header<>& header,
                                                                                 bool chunked) {
  bool present = false, others = false;
  for (const auto& field : boost::make_iterator_range(header.equal_range(http::field::transfer_encoding))) {
    present = true;
    for (const auto& coding : http::token_list(field.value())) others = others || !beast::iequals(coding, "chunked");
  }
  if (!present) return std::nullopt;
  if (!chunked) return std::pair{http::status::bad_request, std::string("a Transfer-Encoding must end with chunked")};
  if (others) return std::pair{http::status::not_implemented, std::string("only the chunked transfer coding is supported")};
  return std::nullopt;
}

// Sets the framing fields of an answer and says whether its body is written. A 1xx, 204 or 304
// answer has no body and no Content-Length (RFC 9110 §6.4.1, §8.6); Beast's prepare_payload
// would throw for one with a body. The answer to a HEAD has no body either, but keeps a
// Content-Length its handler set - a proxied function's, the size a GET would get.
bool prepare_payload(Response& response, bool head) {
  const unsigned status = response.result_int();
  if (status < 200 || status == 204 || status == 304) {
    response.body().clear();
    response.erase(http::field::content_length);
    response.chunked(false);
    return false;
  }
  if (head && response.has_content_length()) return false;
  response.prepare_payload();
  return !head;
}

// What a client's connections are counted by: its IPv4 address, or its IPv6 address's /64 (a host
// is usually given a whole /64, and could use a new address for each connection). A dual-stack
// listener's IPv4 clients (IPv4-mapped addresses) count as IPv4. An IPv4 key is the low half of
// the IPv4-mapped form, ::ffff:a.b.c.d; the /64 with the same bits lies in the reserved ::/8,
// which is not routed, so the two kinds do not meet.
std::uint64_t address_key(const asio::ip::address& address) {
  if (address.is_v6()) {
    const auto v6 = address.to_v6();
    if (!v6.is_v4_mapped()) {
      const auto bytes = v6.to_bytes();
      std::uint64_t prefix = 0;
      for (int i = 0; i < 8; ++i) prefix = prefix << 8 | bytes[i];
      return prefix;
    }
    return 0xffff'0000'0000ULL | asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint();
  }
  return 0xffff'0000'0000ULL | address.to_v4().to_uint();
}

// Counts the connections the accept loop sheds and logs them at most every 10 s: under attack a
// line per connection would flood the log. Used by the accept loop alone.
class SheddingLog {
 public:
  void evicted() { ++evicted_, report(); }
  void refused() { ++refused_, report(); }
  void refused_for_address() { ++refused_for_address_, report(); }

 private:
  void report() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) return;
    spdlog::warn(
        "connections shed since the last report: {} closed to make room at the connection limit, {} refused there, "
        "{} refused over their address's cap",
        evicted_, refused_, refused_for_address_);
    evicted_ = refused_ = refused_for_address_ = 0;
    next_ = now + std::chrono::seconds(10);
  }

  std::size_t evicted_ = 0, refused_ = 0, refused_for_address_ = 0;
  std::chrono::steady_clock::time_point next_{};
};

// The BodyWriter of one streamed answer: chunks on the client's socket, each write bounded by
// the write timeout, no deadline while the stream waits between writes.
class ChunkedBodyWriter final : public BodyWriter {
 public:
  ChunkedBodyWriter(tcp::socket& socket, Deadline& deadline, std::chrono::seconds write_timeout)
      : socket_(socket), deadline_(deadline), write_timeout_(write_timeout) {}

  asio::awaitable<bool> write(std::string_view chunk) override {
    if (!ok_ || chunk.empty()) co_return ok_;
    deadline_.expires_after(write_timeout_);
    auto [ec, n] = co_await asio::async_write(socket_, http::make_chunk(asio::buffer(chunk)), use_tuple);
    deadline_.expires_never();
    ok_ = !ec;
    co_return ok_;
  }

  bool client_gone() override {
    if (!ok_) return true;
    // A peek that finds the end of the stream (or an error) means the client closed; one that
    // would block means it is still there, just quiet.
    beast::error_code ec;
    socket_.non_blocking(true, ec);
    char probe;
    const auto n = socket_.receive(asio::buffer(&probe, 1), asio::socket_base::message_peek, ec);
    beast::error_code ignored;
    socket_.non_blocking(false, ignored);
    if ((!ec && n == 0) || (ec && ec != asio::error::would_block)) ok_ = false;
    return !ok_;
  }

  asio::any_io_executor executor() override { return socket_.get_executor(); }
  bool ok() const noexcept { return ok_; }

 private:
  tcp::socket& socket_;
  Deadline& deadline_;
  std::chrono::seconds write_timeout_;
  bool ok_ = true;
};

// Writes a streamed answer: its header, the body its stream writes, the last chunk. Whether
// the connection may be kept alive.
asio::awaitable<bool> write_streamed(tcp::socket& socket, Deadline& deadline, std::chrono::seconds write_timeout,
                                     Reply& reply) {
  reply.response.body().clear();
  reply.response.chunked(true);
  http::response_serializer<http::string_body> serializer(reply.response);
  deadline.expires_after(write_timeout);
  auto [hec, hn] = co_await http::async_write_header(socket, serializer, use_tuple);
  if (hec) co_return false;
  deadline.expires_never();
  ChunkedBodyWriter writer(socket, deadline, write_timeout);
  co_await reply.stream(writer);
  if (!writer.ok()) co_return false;
  deadline.expires_after(write_timeout);
  auto [ec, n] = co_await asio::async_write(socket, http::make_chunk_last(), use_tuple);
  co_return !ec;
}

}  // namespace

Reply make_error_reply(http::status status, std::string_view message, unsigned version) {
  Response res{status, version};
  // Plain text, as upstream's gateway and providers write errors (Go's http.Error): the clients
  // built for them (faas-cli, go-sdk) print the body, and some decode a JSON body as an answer.
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body().reserve(message.size() + 1);
  res.body().append(message).push_back('\n');
  res.prepare_payload();
  return {std::move(res), {}};
}

// What a connection is doing. The first two are between requests: shutdown closes those at once
// (the others finish their request first), and at the connection limit one of them makes room.
enum class Phase : std::uint8_t {
  awaiting_request,  // keep-alive: no byte of the next request yet
  reading_header,
  reading_body,
  busy,  // the handler runs, or the answer is being written or streamed
};

// One client connection. Built on its loop's thread (the Deadline registers with that loop's
// sweeper) and only touched there, but for the fields under mu_ and the atomics, which other
// threads read as hints: what acts on them runs on the session's loop, and checks again. The
// registry (under mu_) holds a pointer; whatever is posted to the session's loop holds a
// weak_ptr, so it finds the session gone rather than another session that took its address.
class HttpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  using clock = Deadline::clock;
  Session(tcp::socket s, const tcp::endpoint& peer) : socket(std::move(s)), deadline(socket), remote(peer) {}

  // Starts `next` now, with a deadline `timeout` from now: one clock read for both.
  void enter(Phase next, clock::duration timeout) noexcept {
    const auto now = clock::now();
    since.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    phase.store(next, std::memory_order_relaxed);
    deadline.expires_at(now + timeout);
  }
  void enter(Phase next) noexcept { phase.store(next, std::memory_order_relaxed); }
  // Waiting for a request or its header: nothing of a request is lost if the connection closes.
  bool between_requests() const noexcept { return phase.load(std::memory_order_relaxed) <= Phase::reading_header; }

  tcp::socket socket;
  Deadline deadline;
  const tcp::endpoint remote;
  std::atomic<Phase> phase{Phase::reading_header};
  std::atomic<clock::rep> since{clock::now().time_since_epoch().count()};  // when `phase` began
  std::size_t index = 0;   // in sessions_, under mu_
  bool evicting = false;   // chosen to make room for a new connection, under mu_
};

// Runs f(session) on the session's loop, if the session is still there then.
template <class F>
void HttpServer::post_to(Session& session, F f) {
  asio::post(session.socket.get_executor(), [weak = session.weak_from_this(), f = std::move(f)]() mutable {
    if (auto alive = weak.lock()) f(*alive);
  });
}

HttpServer::HttpServer(EventLoops& loops, Limits limits, Handler handler, BodyLimit body_limit)
    : loops_(loops),
      limits_(limits),
      handler_(std::move(handler)),
      body_limit_(std::move(body_limit)),
      acceptor_(loops.at(0)) {}

HttpServer::~HttpServer() = default;

tcp::endpoint HttpServer::listen(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  return acceptor_.local_endpoint();
}

void HttpServer::start() { asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached); }

HttpServer::Admission HttpServer::admit(const tcp::endpoint& peer) {
  std::lock_guard lock(mu_);
  Admission admission = Admission::admitted;
  // Checked first: a client over its cap gets no other client's connection closed for it.
  const bool capped = limits_.max_connections_per_address > 0;
  const std::uint64_t key = capped ? address_key(peer.address()) : 0;
  std::size_t* from_address = capped ? &per_address_[key] : nullptr;
  if (capped && *from_address >= limits_.max_connections_per_address) return Admission::refused_for_address;
  // Connections chosen for eviction are on their way out (on their own loops): they make room.
  if (open_.load() - evicting_ >= limits_.max_connections) {
    Session* victim = choose_eviction();
    if (!victim) {
      // Connections accepted but not yet started on their loops cannot be chosen yet, though
      // they may be between requests (a burst of slowloris' is): wait for them rather than refuse.
      if (capped && *from_address == 0) per_address_.erase(key);
      return open_.load() > sessions_.size() ? Admission::not_yet : Admission::refused_at_limit;
    }
    evict(*victim);
    admission = Admission::in_place_of_another;
  }
  if (capped) ++*from_address;
  ++open_;
  return admission;
}

// The connection whose loss costs least: one between requests - the longest idle keep-alive
// connection, else the one whose header began longest ago (slowloris' connections are the
// oldest). Never one whose body is being read, whose handler runs or whose answer is being
// written: that work would be lost. A linear scan, under mu_, only while at the limit.
HttpServer::Session* HttpServer::choose_eviction() const {
  Session* chosen = nullptr;
  Phase chosen_phase{};
  Session::clock::rep chosen_since{};
  for (Session* s : sessions_) {
    if (s->evicting) continue;
    const Phase phase = s->phase.load(std::memory_order_relaxed);
    if (phase > Phase::reading_header) continue;
    const auto since = s->since.load(std::memory_order_relaxed);
    if (!chosen || phase < chosen_phase || (phase == chosen_phase && since < chosen_since)) {
      chosen = s;
      chosen_phase = phase;
      chosen_since = since;
    }
  }
  return chosen;
}

// Closes `session` on its own loop, if it is still between requests there. Under mu_.
void HttpServer::evict(Session& session) {
  session.evicting = true;
  ++evicting_;
  post_to(session, [this](Session& s) {
    std::lock_guard lock(mu_);
    if (!s.evicting) return;  // ended meanwhile: finished() counted it out
    if (s.between_requests()) {
      // Its pending read ends with operation_aborted, and the session ends as on a timeout. The
      // error_code overload: its deadline may have closed the socket already.
      beast::error_code ignored;
      s.socket.close(ignored);
      return;  // still counted in evicting_ until finished()
    }
    // It began a request in the meantime: it stays, and until a connection ends the server has
    // one more than max_connections open - a file descriptor, not a failure.
    s.evicting = false;
    --evicting_;
  });
}

asio::awaitable<void> HttpServer::accept_loop() {
  SheddingLog shed;
  while (!stopping_) {
    auto& loop = loops_.next();
    tcp::endpoint peer;  // from accept(2) itself: no getpeername(2) per connection
    auto [ec, socket] = co_await acceptor_.async_accept(loop, peer, use_tuple);
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      // EMFILE and friends: back off briefly instead of spinning.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer t(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(use_tuple);
      continue;
    }
    Admission admission = admit(peer);
    // A bounded wait (at most ~50 ms, in which the acceptor takes no other connection: the kernel's
    // backlog holds them), for connections on their way to their loops.
    for (int tries = 0; admission == Admission::not_yet && tries < 50; ++tries) {
      asio::steady_timer t(acceptor_.get_executor(), std::chrono::milliseconds(1));
      co_await t.async_wait(use_tuple);
      admission = admit(peer);
    }
    bool refused = true;
    switch (admission) {
      case Admission::admitted: refused = false; break;
      case Admission::in_place_of_another: refused = false, shed.evicted(); break;
      case Admission::not_yet:
      case Admission::refused_at_limit: shed.refused(); break;
      case Admission::refused_for_address: shed.refused_for_address(); break;
    }
    if (refused) {
      // Closed at once, without an answer: a refusal must cost the server nothing (a 503 would be
      // a write, and a wait for the request, lest closing over unread input reset the answer),
      // and a client sees a closed connection as it would a refused one.
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(loop, serve(std::move(socket), peer), asio::detached);
  }
}

asio::awaitable<void> HttpServer::serve(tcp::socket socket, tcp::endpoint remote) {
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto session = std::make_shared<Session>(std::move(socket), remote);
  {
    std::lock_guard lock(mu_);
    session->index = sessions_.size();
    sessions_.push_back(session.get());
  }
  try {
    co_await serve_requests(*session);
  } catch (const std::exception& e) {
    // Nothing a client sends may end up here (handlers answer errors), but if something does,
    // the connection ends and the session is still unregistered: a session left in sessions_
    // would be touched after its destruction at shutdown, and would hold the drain forever.
    spdlog::error("connection from {}:{} ended by an internal error: {}", remote.address().to_string(), remote.port(),
                  e.what());
  }
  session->socket.shutdown(tcp::socket::shutdown_send, ignored);
  session->socket.close(ignored);
  finished(session.get());
}

asio::awaitable<void> HttpServer::serve_requests(Session& session) {
  auto& socket = session.socket;
  auto& deadline = session.deadline;
  beast::flat_buffer buffer;
  const RequestInfo info{session.remote};
  bool first = true;
  // A request refused before a handler saw it: the last answer on this connection.
  std::optional<Reply> refusal;
  auto refuse = [&](http::status status, const std::string& message) {
    refusal = make_error_reply(status, message);
    refusal->response.keep_alive(false);
  };
  const auto malformed = [](const beast::error_code& ec) { return "malformed HTTP request: " + ec.message(); };
  const auto too_large = [](std::size_t limit) {
    return "request body too large: the limit is " + std::to_string(limit) + " bytes";
  };
  while (!stopping_) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.header_bytes));
    // The body limit depends on the route, known once the header is read: until then none, or
    // Beast would refuse a large Content-Length while parsing the header, as a malformed request.
    parser.body_limit(boost::none);
    if (!first && buffer.size() == 0) {
      // Keep-alive: the wait for the next request is the idle timeout's, and the header's own,
      // shorter, deadline starts with its first bytes. They are read here rather than by Beast,
      // which parses what the buffer holds before it reads more: no extra system call, and no
      // timer either (the Deadline is a store).
      session.enter(Phase::awaiting_request, limits_.idle_timeout);
      auto [ec, n] = co_await socket.async_read_some(buffer.prepare(beast::read_size(buffer, 65536)), use_tuple);
      if (ec) break;  // the client closed, the idle timeout passed, or shutdown or eviction
      buffer.commit(n);
    }
    // A new connection's first request is due at once: connecting and then sending nothing, or
    // a header a few bytes at a time, is how slowloris holds connections.
    first = false;
    session.enter(Phase::reading_header, limits_.header_timeout);

    // A header that came whole (most do, in the read above) is parsed here: Beast's read, finding
    // it in the buffer, would post its completion rather than complete inline.
    beast::error_code hec;
    if (buffer.size() > 0) {
      buffer.consume(parser.put(buffer.data(), hec));
      if (hec == http::error::need_more) hec = {};
    }
    if (!hec && !parser.is_header_done()) {
      auto [ec, n] = co_await http::async_read_header(socket, buffer, parser, use_tuple);
      hec = ec;
    }
    session.enter(Phase::reading_body, limits_.body_timeout);
    if (hec) {
      if (hec == http::error::header_limit) {
        refuse(http::status::request_header_fields_too_large, "request header too large");
      } else if (is_protocol_error(hec)) {
        refuse(http::status::bad_request, malformed(hec));
      }
      break;
    }
    // The route decides how large a body may be. Beast checks Content-Length against the limit
    // only while parsing the header, so a declared length is checked here; chunked bodies are
    // checked by the parser as they arrive.
    const std::size_t body_limit = body_limit_ ? body_limit_(parser.get().base()) : limits_.body_bytes;
    parser.body_limit(body_limit);
    if (auto declared = parser.content_length(); declared && *declared > body_limit) {
      refuse(http::status::payload_too_large, too_large(body_limit));
      break;
    }
    if (auto coding = unsupported_transfer_coding(parser.get(), parser.chunked())) {
      refuse(coding->first, coding->second);
      break;
    }
    if (parser.get().method() == http::verb::trace && (parser.chunked() || parser.content_length().value_or(0) > 0)) {
      refuse(http::status::bad_request, "a TRACE request cannot have a body (RFC 9110 section 9.3.8)");
      break;
    }
    if (expects_continue(parser.get()) && !parser.is_done() && buffer.size() == 0) {
      // RFC 9110 §10.1.1: the client waits for this before it sends the body (curl does for a
      // body over 1 MiB, for up to a second); the body's size is acceptable, so ask for it.
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [cec, cn] = co_await asio::async_write(socket, asio::buffer(kContinue), use_tuple);
      if (cec) break;
    }
    auto [bec, bn] = co_await http::async_read(socket, buffer, parser, use_tuple);
    if (bec) {
      if (bec == http::error::body_limit) {
        refuse(http::status::payload_too_large, too_large(body_limit));
      } else if (is_protocol_error(bec)) {
        refuse(http::status::bad_request, malformed(bec));
      }
      break;
    }

    Request request = parser.release();
    const bool keep_alive = request.keep_alive() && !stopping_;
    const unsigned version = request.version();
    const bool head = request.method() == http::verb::head;
    session.enter(Phase::busy);
    deadline.expires_never();  // the handler bounds its own work (function timeouts, fetch timeouts)
    Reply reply;
    std::optional<std::string> failure;
    try {
      reply = co_await handler_(std::move(request), info);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (failure) {
      // A handler that throws has a bug; the client still gets an answer, and the details (which
      // may quote the request) go to the log only.
      spdlog::error("a request handler failed: {}", *failure);
      reply = make_error_reply(http::status::internal_server_error, "internal error");
    }
    reply.response.version(version);
    reply.response.keep_alive(keep_alive && !stopping_);

    bool keep = reply.response.keep_alive();
    if (reply.stream) {
      keep = co_await write_streamed(socket, deadline, limits_.write_timeout, reply) && keep;
    } else {
      const bool with_body = prepare_payload(reply.response, head);
      deadline.expires_after(limits_.write_timeout);
      auto [wec, wn] = co_await write_message(socket, reply.response, with_body);
      if (wec) break;
    }
    if (!keep) break;
  }
  if (!refusal || !socket.is_open()) co_return;
  session.enter(Phase::busy);
  deadline.expires_after(limits_.write_timeout);
  auto [wec, wn] = co_await write_message(socket, refusal->response);
  if (wec || refusal->response.result() != http::status::payload_too_large) co_return;
  // The client may still be sending the body we refused. Closing with unread input makes the
  // kernel send RST, and the client may lose our answer before reading it: discard what is still
  // coming, bounded in bytes and time.
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  deadline.expires_after(std::chrono::seconds(2));
  std::array<char, 16384> sink;
  std::size_t discarded = 0;
  while (discarded < 8 * 1024 * 1024) {
    auto [rec, n] = co_await socket.async_read_some(asio::buffer(sink), use_tuple);
    if (rec) break;
    discarded += n;
  }
}

void HttpServer::finished(Session* session) {
  std::function<void()> drained;
  {
    std::lock_guard lock(mu_);
    if (limits_.max_connections_per_address > 0) {
      const auto key = address_key(session->remote.address());
      if (auto it = per_address_.find(key); it != per_address_.end() && --it->second == 0) per_address_.erase(it);
    }
    if (session->evicting) {
      session->evicting = false;  // a posted eviction that still finds it leaves it be
      --evicting_;
    }
    Session* last = sessions_.back();
    last->index = session->index;
    sessions_[session->index] = last;
    sessions_.pop_back();
    // open_ counts accepted connections, registered or not yet: drained means none is left.
    if (--open_ == 0 && stopping_ && on_drained_) drained = std::exchange(on_drained_, {});
  }
  if (drained) drained();
}

ConnectionCounts HttpServer::connection_counts() const {
  ConnectionCounts counts;
  std::lock_guard lock(mu_);
  counts.open = open_.load();
  for (const Session* s : sessions_) {
    const Phase phase = s->phase.load(std::memory_order_relaxed);
    counts.awaiting_request += phase == Phase::awaiting_request;
    counts.reading_header += phase == Phase::reading_header;
  }
  return counts;
}

void HttpServer::shutdown(std::function<void()> done) {
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  // Connections between requests are closed now; busy ones finish their request (the loop sees
  // stopping_ and answers with Connection: close). Each session is only touched on its own loop,
  // so we post rather than touch them here.
  std::lock_guard lock(mu_);
  if (open_ == 0) {
    if (done) done();
    return;
  }
  on_drained_ = std::move(done);
  for (Session* s : sessions_) {
    post_to(*s, [](Session& session) {
      // The error_code overload: the sweeper may have closed this socket already (its deadline
      // passed) before the session saw it and unregistered, and cancel() on a closed socket throws.
      beast::error_code ignored;
      if (session.between_requests()) session.socket.cancel(ignored);
    });
  }
  // After the grace period, whatever is still open is cut.
  auto timer = std::make_shared<asio::steady_timer>(acceptor_.get_executor(), limits_.shutdown_grace);
  timer->async_wait([this, timer](const beast::error_code&) {
    std::lock_guard lock(mu_);
    for (Session* s : sessions_) {
      post_to(*s, [](Session& session) {
        beast::error_code ignored;
        session.socket.cancel(ignored);
      });
    }
  });
}

}  // namespace faasgate::server
