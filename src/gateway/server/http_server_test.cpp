// The server on loopback, port 0, two event loops, driven by a plain blocking client: keep-alive,
// limits and their status codes, timeouts, streaming and graceful shutdown.
#include "faasgate/server/http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <poll.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace faasgate::server {
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A blocking HTTP/1.1 client over one connection, from 127.0.0.1 or another loopback address.
class Client {
 public:
  explicit Client(unsigned short port, const char* from = "127.0.0.1") : socket_(io_) {
    socket_.open(tcp::v4());
    socket_.bind(tcp::endpoint(asio::ip::make_address(from), 0));
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  // False when the server closed (a refused connection may be reset before the request is sent).
  bool send(const std::string& bytes) {
    beast::error_code ec;
    asio::write(socket_, asio::buffer(bytes), ec);
    return !ec;
  }
  // The next whole response (Content-Length or chunked), or nullopt when the server closed.
  std::optional<http::response<http::string_body>> receive(bool to_head = false) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    parser.skip(to_head);  // the answer to a HEAD has no body, whatever its Content-Length says
    beast::error_code ec;
    http::read(socket_, buffer_, parser, ec);
    if (ec) return std::nullopt;
    return parser.release();
  }
  // True when the server closed the connection (EOF or reset) without sending more.
  bool closed_by_server() {
    char c;
    beast::error_code ec;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
  // True when the server closes the connection within `limit`; false if it is still open then.
  bool closed_within(std::chrono::milliseconds limit) {
    pollfd fd{socket_.native_handle(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(limit.count())) <= 0) return false;
    return closed_by_server();
  }
  // Nothing from the server, and not closed by it, at this moment.
  bool open_and_quiet() { return !closed_within(std::chrono::milliseconds(0)); }
  std::optional<http::response<http::string_body>> request(const std::string& method, const std::string& target,
                                                           const std::string& body = "") {
    send(method + " " + target + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body);
    return receive();
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

// What the tests' handler can be told to do.
struct Script {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;       // a request to /hold waits for this
  int holding = 0;            // how many /hold requests are waiting
  int parked = 0;             // how many /park requests are waiting (without blocking their loop)
  std::set<std::thread::id> threads;  // loops that served a request
  int streams_ended = 0;      // /flood and /quiet streams that returned
};

class HttpServerTest : public ::testing::Test {
 protected:
  void start(Limits limits = {}) {
    limits_ = limits;
    server_ = std::make_unique<HttpServer>(
        loops_, limits_, [this](Request&& request, const RequestInfo&) { return handle(std::move(request)); },
        [](const http::request_header<>& header) -> std::size_t {
          return header.target() == "/small" ? 10 : 1024 * 1024;
        });
    port_ = server_->listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)).port();
    server_->start();
    loops_.start();
  }

  void TearDown() override {
    release();
    if (server_) server_->shutdown({});
    loops_.stop();
    loops_.join();
  }

  // Sends GET /hold on `client`; true once its handler is blocking its loop.
  [[nodiscard]] bool hold(Client& client) {
    client.send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
    std::unique_lock lock(script_.mu);
    return script_.cv.wait_for(lock, std::chrono::seconds(10), [&] { return script_.holding == 1; });
  }

  // Sends nothing; true once `n` /park requests are waiting in their handler.
  [[nodiscard]] bool parked(int n) {
    std::unique_lock lock(script_.mu);
    return script_.cv.wait_for(lock, std::chrono::seconds(10), [&] { return script_.parked == n; });
  }

  // True once `condition` holds of the server's connection counts (within a bounded time).
  template <class Condition>
  [[nodiscard]] bool counts_become(Condition condition) {
    for (int i = 0; i < 2000; ++i) {
      if (condition(server_->connection_counts())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  // Lets every /hold and /park request finish.
  void release() {
    {
      std::lock_guard lock(script_.mu);
      script_.release = true;
    }
    script_.cv.notify_all();
  }

  asio::awaitable<Reply> handle(Request request) {
    {
      std::lock_guard lock(script_.mu);
      script_.threads.insert(std::this_thread::get_id());
    }
    if (request.target() == "/hold") {
      // Blocks this loop's thread on purpose: the other loop must keep serving.
      std::unique_lock lock(script_.mu);
      ++script_.holding;
      script_.cv.notify_all();
      script_.cv.wait(lock, [&] { return script_.release; });
    }
    if (request.target() == "/park") {
      // Waits for release() without blocking the loop: a running handler, as a function call is.
      {
        std::lock_guard lock(script_.mu);
        ++script_.parked;
      }
      script_.cv.notify_all();
      asio::steady_timer timer(co_await asio::this_coro::executor);
      for (;;) {
        {
          std::lock_guard lock(script_.mu);
          if (script_.release) break;
        }
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(use_tuple);
      }
    }
    if (request.target() == "/stream") {
      Reply reply;
      reply.response = Response{http::status::ok, 11};
      reply.stream = [](BodyWriter& body) -> asio::awaitable<void> {
        for (std::string part : {"one\n", "two\n"}) {
          if (!co_await body.write(part)) co_return;
        }
      };
      co_return reply;
    }
    if (request.target() == "/flood" || request.target() == "/quiet") {
      // A log stream's two ways to outlive its client: writing to one that stopped reading, and
      // waiting for lines while the client has left. The server's writer ends both.
      const bool flood = request.target() == "/flood";
      Reply reply;
      reply.response = Response{http::status::ok, 11};
      reply.stream = [this, flood](BodyWriter& body) -> asio::awaitable<void> {
        const std::string chunk(64 * 1024, 'x');
        asio::steady_timer timer(body.executor());
        while (flood ? co_await body.write(chunk) : !body.client_gone()) {
          if (flood) continue;
          timer.expires_after(std::chrono::milliseconds(10));
          co_await timer.async_wait(use_tuple);
        }
        std::lock_guard lock(script_.mu);
        ++script_.streams_ended;
      };
      co_return reply;
    }
    if (request.target() == "/throw") throw std::runtime_error("a handler bug");
    Response response{request.target() == "/no-content" ? http::status::no_content : http::status::ok, 11};
    response.body() = std::string(request.method_string()) + " " + std::string(request.target()) + " " + request.body();
    co_return Reply{std::move(response), {}};
  }

  EventLoops loops_{2};
  Limits limits_;
  std::unique_ptr<HttpServer> server_;
  unsigned short port_ = 0;
  Script script_;
};

TEST_F(HttpServerTest, AnswersSeveralRequestsOnOneConnection) {
  start();
  Client client(port_);
  for (int i = 0; i < 3; ++i) {
    auto response = client.request("POST", "/echo", "body" + std::to_string(i));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body(), "POST /echo body" + std::to_string(i));
    EXPECT_TRUE(response->keep_alive());
  }
}

TEST_F(HttpServerTest, ConnectionsAreSpreadOverTheLoops) {
  start();
  Client a(port_), b(port_);
  ASSERT_TRUE(a.request("GET", "/x"));
  ASSERT_TRUE(b.request("GET", "/x"));
  std::lock_guard lock(script_.mu);
  EXPECT_EQ(script_.threads.size(), 2u);
}

TEST_F(HttpServerTest, ABlockedLoopDoesNotStopTheOther) {
  start();
  Client held(port_), other(port_);
  // Both connections are accepted (the acceptor runs on a loop that /hold may block).
  ASSERT_TRUE(held.request("GET", "/warm"));
  ASSERT_TRUE(other.request("GET", "/warm"));
  ASSERT_TRUE(hold(held));
  auto response = other.request("GET", "/free");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "GET /free ");
}

TEST_F(HttpServerTest, ADeclaredBodyOverTheRouteLimitIs413) {
  start();
  Client client(port_);
  auto response = client.request("POST", "/small", std::string(11, 'x'));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::payload_too_large);
  EXPECT_NE(response->body().find("the limit is 10 bytes"), std::string::npos);
  EXPECT_FALSE(response->keep_alive());
}

TEST_F(HttpServerTest, AClientThatExpects100ContinueIsAskedForItsBody) {
  start();
  Client client(port_);
  client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n");
  auto interim = client.receive();  // before the body is sent
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result(), http::status::continue_);
  client.send("hello");
  auto response = client.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::ok);
  EXPECT_EQ(response->body(), "POST /echo hello");
  // A body already sent with the header needs no 100 Continue: the answer comes straight.
  client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi");
  response = client.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::ok);
  EXPECT_EQ(response->body(), "POST /echo hi");
}

TEST_F(HttpServerTest, AClientThatExpects100ContinueWithABodyOverTheLimitGets413Instead) {
  start();
  Client client(port_);
  client.send("POST /small HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n");
  auto response = client.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::payload_too_large);
}

// The connection serves another request: nothing of the previous answer was left on it.
void expect_still_serves(Client& client) {
  auto next = client.request("GET", "/after");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "GET /after ");
}

TEST_F(HttpServerTest, TheAnswerToHeadHasTheLengthOfTheBodyButNoBody) {
  start();
  Client client(port_);
  client.send("HEAD /page HTTP/1.1\r\nHost: t\r\n\r\n");
  auto head = client.receive(/*to_head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result(), http::status::ok);
  EXPECT_EQ((*head)[http::field::content_length], std::to_string(std::string("HEAD /page ").size()));
  EXPECT_EQ(head->body(), "");
  expect_still_serves(client);
}

TEST_F(HttpServerTest, A204HasNoBodyAndNoContentLength) {
  start();
  Client client(port_);
  auto response = client.request("DELETE", "/no-content");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::no_content);
  EXPECT_EQ(response->count(http::field::content_length), 0u);
  EXPECT_EQ(response->body(), "");
  expect_still_serves(client);
}

TEST_F(HttpServerTest, AHandlerThatThrowsGets500AndTheConnectionGoesOn) {
  start();
  Client client(port_);
  auto response = client.request("GET", "/throw");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::internal_server_error);
  EXPECT_EQ(response->body().find("a handler bug"), std::string::npos);  // details stay in the log
  expect_still_serves(client);
}

TEST_F(HttpServerTest, ATransferEncodingThatDoesNotEndWithChunkedIs400AndOtherCodingsAre501) {
  start();
  {
    Client client(port_);
    // Read as no body, the chunks would be taken for the next request.
    client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n");
    auto response = client.receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result(), http::status::bad_request);
    EXPECT_TRUE(client.closed_by_server());
  }
  {
    Client client(port_);
    client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    auto response = client.receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result(), http::status::not_implemented);
  }
  Client client(port_);
  client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n");
  auto response = client.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST /echo hi");
}

TEST_F(HttpServerTest, ATraceWithABodyIs400) {
  start();
  Client client(port_);
  auto response = client.request("TRACE", "/x", "body");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::bad_request);
  EXPECT_NE(response->body().find("TRACE"), std::string::npos);
  Client other(port_);
  auto plain = other.request("TRACE", "/x");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->result(), http::status::ok);
}

TEST_F(HttpServerTest, AChunkedBodyOverTheRouteLimitIs413) {
  start();
  Client client(port_);
  client.send("POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
  auto response = client.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::payload_too_large);
}

TEST_F(HttpServerTest, AHeaderOverTheLimitIs431) {
  Limits limits;
  limits.header_bytes = 1024;
  start(limits);
  Client client(port_);
  client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2048, 'a') + "\r\n\r\n");
  auto response = client.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::request_header_fields_too_large);
}

TEST_F(HttpServerTest, GarbageIs400) {
  start();
  Client client(port_);
  client.send("NOT HTTP AT ALL\r\n\r\n");
  auto response = client.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::bad_request);
  EXPECT_NE(response->body().find("malformed HTTP request"), std::string::npos);
}

// A keep-alive request's header is parsed from what its first read brought: the same answers.
TEST_F(HttpServerTest, AKeepAliveRequestIsReadAsTheFirstIs) {
  Limits limits;
  limits.header_bytes = 1024;
  start(limits);
  {
    Client client(port_);
    ASSERT_TRUE(client.request("GET", "/x"));
    client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2048, 'a') + "\r\n\r\n");
    auto response = client.receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result(), http::status::request_header_fields_too_large);
  }
  {
    Client client(port_);
    ASSERT_TRUE(client.request("GET", "/x"));
    client.send("NOT HTTP AT ALL\r\n\r\n");
    auto response = client.receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result(), http::status::bad_request);
  }
  Client client(port_);
  ASSERT_TRUE(client.request("GET", "/x"));
  // Two requests in one write, the second in two parts, and a header sent in pieces.
  client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhiGET /two HTTP/1.1\r\nHo");
  auto first = client.receive();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body(), "POST /echo hi");
  client.send("st: t\r\n\r\n");
  auto second = client.receive();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body(), "GET /two ");
  client.send("GET /three HTTP/1.1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  client.send("Host: t\r\n\r\n");
  auto third = client.receive();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->body(), "GET /three ");
}

TEST_F(HttpServerTest, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  Limits limits;
  limits.idle_timeout = std::chrono::seconds(1);
  start(limits);
  Client client(port_);
  ASSERT_TRUE(client.request("GET", "/x"));
  EXPECT_TRUE(client.closed_by_server());  // blocks until the server closes: about a second
}

TEST_F(HttpServerTest, ABodyThatNeverCompletesIsCutAtTheBodyTimeout) {
  Limits limits;
  limits.body_timeout = std::chrono::seconds(1);
  start(limits);
  Client client(port_);
  client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab");  // 8 bytes never come
  EXPECT_TRUE(client.closed_within(std::chrono::seconds(10)));
}

// Slowloris: a header sent a little at a time holds a connection for as long as it is allowed to.
// The header's deadline is short; a body may take longer (an upload on a slow link).
TEST_F(HttpServerTest, AHalfSentHeaderIsCutAtTheHeaderTimeoutButASlowBodyIsNot) {
  Limits limits;
  limits.header_timeout = std::chrono::seconds(1);
  limits.body_timeout = std::chrono::seconds(30);
  start(limits);
  Client half(port_);
  half.send("GET /slow HTTP/1.1\r\nHost: t\r\n");  // the header never ends
  Client slow(port_);
  slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\n");
  for (char c : std::string("body")) {  // two seconds in all: twice the header timeout
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    slow.send(std::string(1, c));
  }
  auto response = slow.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST /echo body");
  EXPECT_TRUE(half.closed_within(std::chrono::seconds(10)));  // the body timeout would be 30 s
}

// On a keep-alive connection the wait for the next request is the idle timeout's; once its first
// byte has come, the header has the header timeout.
TEST_F(HttpServerTest, TheHeaderTimeoutStartsWithTheFirstByteOfAKeepAliveRequest) {
  Limits limits;
  limits.header_timeout = std::chrono::seconds(1);
  limits.idle_timeout = std::chrono::seconds(30);
  start(limits);
  Client client(port_);
  ASSERT_TRUE(client.request("GET", "/x"));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // idle, for twice the header timeout
  expect_still_serves(client);
  client.send("GET /slow HTTP/1.1\r\nHost: t\r\n");
  EXPECT_TRUE(client.closed_within(std::chrono::seconds(10)));  // the idle timeout would be 30 s
}

constexpr std::string_view kHalfHeader = "GET /slow HTTP/1.1\r\nHost: t\r\n";

// Slowloris at the connection limit: every connection holds half a header. A new client is served
// all the same, in the place of the connection whose header has taken longest.
TEST_F(HttpServerTest, AtTheConnectionLimitTheSlowestHalfSentHeaderMakesRoomForANewClient) {
  Limits limits;
  limits.max_connections = 8;
  start(limits);
  std::vector<std::unique_ptr<Client>> slow;
  for (std::size_t i = 0; i < limits.max_connections; ++i) {
    slow.push_back(std::make_unique<Client>(port_));
    slow.back()->send(std::string(kHalfHeader));
    // One at a time, so that their order is known.
    ASSERT_TRUE(counts_become([&](const ConnectionCounts& c) { return c.reading_header == i + 1; }));
  }
  Client newcomer(port_);
  auto response = newcomer.request("GET", "/x");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::ok);
  EXPECT_TRUE(slow.front()->closed_within(std::chrono::seconds(10)));
  for (std::size_t i = 1; i < slow.size(); ++i) EXPECT_TRUE(slow[i]->open_and_quiet()) << i;
}

// Each new connection takes the place of an older one, on either loop, while those end on their
// own too: the count of open connections comes back to the limit and the server still serves.
TEST_F(HttpServerTest, ManyHalfSentHeadersAtTheLimitLeaveTheServerWithinItAndServing) {
  Limits limits;
  limits.max_connections = 8;
  start(limits);
  std::vector<std::unique_ptr<Client>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<Client>(port_));
    slow.back()->send(std::string(kHalfHeader));
    if (i % 3 == 0) slow.pop_back();  // some leave on their own
  }
  // Settled: the connections still open all wait for the rest of their header.
  ASSERT_TRUE(counts_become([](const ConnectionCounts& c) { return c.open <= 8 && c.reading_header == c.open; }))
      << server_->connection_counts().open << " open, " << server_->connection_counts().reading_header
      << " reading a header";
  Client newcomer(port_);
  auto response = newcomer.request("GET", "/x");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::ok);
  EXPECT_TRUE(counts_become([](const ConnectionCounts& c) { return c.open <= 8; }));
}

TEST_F(HttpServerTest, AtTheLimitAnIdleConnectionGoesFirstThenAHalfSentHeaderButNeverARunningHandler) {
  Limits limits;
  limits.max_connections = 3;
  start(limits);
  const std::string park = "GET /park HTTP/1.1\r\nHost: t\r\n";
  Client busy(port_);  // the oldest connection of all, but its handler runs
  busy.send(park + "\r\n");
  ASSERT_TRUE(parked(1));
  Client half(port_);
  half.send(std::string(kHalfHeader));
  ASSERT_TRUE(counts_become([](const ConnectionCounts& c) { return c.reading_header == 1; }));
  Client idle(port_);
  ASSERT_TRUE(idle.request("GET", "/x"));
  ASSERT_TRUE(counts_become([](const ConnectionCounts& c) { return c.open == 3 && c.awaiting_request == 1; }));

  // The idle keep-alive connection goes first, though the half-sent header is older.
  {
    Client newcomer(port_);
    auto response = newcomer.request("GET", "/first");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result(), http::status::ok);
  }
  EXPECT_TRUE(idle.closed_within(std::chrono::seconds(10)));
  EXPECT_TRUE(half.open_and_quiet());
  ASSERT_TRUE(counts_become([](const ConnectionCounts& c) { return c.open == 2; }));  // the newcomer left

  // With no idle connection, the half-sent header that began first goes.
  Client half2(port_);
  half2.send(park);  // the rest of its header comes later
  ASSERT_TRUE(counts_become([](const ConnectionCounts& c) { return c.open == 3 && c.reading_header == 2; }));
  {
    Client newcomer(port_);
    auto response = newcomer.request("GET", "/second");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result(), http::status::ok);
  }
  EXPECT_TRUE(half.closed_within(std::chrono::seconds(10)));
  EXPECT_TRUE(half2.open_and_quiet());
  ASSERT_TRUE(counts_become([](const ConnectionCounts& c) { return c.open == 2; }));

  // Every connection has a running handler: none is taken, and a newcomer is refused.
  half2.send("\r\n");
  ASSERT_TRUE(parked(2));
  Client busy3(port_);
  busy3.send(park + "\r\n");
  ASSERT_TRUE(parked(3));
  Client refused(port_);
  EXPECT_FALSE(refused.request("GET", "/third"));
  release();
  for (Client* client : {&busy, &half2, &busy3}) {
    auto response = client->receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body(), "GET /park ");
  }
}

// One address cannot take every connection: past its cap its new connections are refused, while
// another address (127.0.0.2, on loopback too) is served.
TEST_F(HttpServerTest, AnAddressOverItsCapIsRefusedWhileAnotherIsServed) {
  Limits limits;
  limits.max_connections_per_address = 3;
  start(limits);
  std::vector<std::unique_ptr<Client>> first;
  for (std::size_t i = 0; i < limits.max_connections_per_address; ++i) {
    first.push_back(std::make_unique<Client>(port_));
    ASSERT_TRUE(first.back()->request("GET", "/x"));
  }
  Client over(port_);
  EXPECT_FALSE(over.request("GET", "/x"));
  Client other(port_, "127.0.0.2");
  auto response = other.request("GET", "/x");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::status::ok);
  // A connection that ends gives its place back.
  first.pop_back();
  ASSERT_TRUE(counts_become([](const ConnectionCounts& c) { return c.open == 3; }));
  Client again(port_);
  expect_still_serves(again);
}

TEST_F(HttpServerTest, AHandlerCanStreamTheBody) {
  start();
  Client client(port_);
  auto response = client.request("GET", "/stream");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "one\ntwo\n");
  auto next = client.request("GET", "/after");  // the connection is still usable
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "GET /after ");
}

TEST_F(HttpServerTest, AStreamToAClientThatStopsReadingEndsAtTheWriteTimeout) {
  Limits limits;
  limits.write_timeout = std::chrono::seconds(1);
  start(limits);
  Client client(port_);
  ASSERT_TRUE(client.send("GET /flood HTTP/1.1\r\nHost: t\r\n\r\n"));  // and never reads
  ASSERT_TRUE(counts_become([&](const ConnectionCounts& c) {
    std::lock_guard lock(script_.mu);
    return script_.streams_ended == 1 && c.open == 0;
  }));
}

TEST_F(HttpServerTest, AQuietStreamNoticesThatItsClientLeft) {
  start();
  auto client = std::make_unique<Client>(port_);
  ASSERT_TRUE(client->send("GET /quiet HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(counts_become([](const ConnectionCounts& c) { return c.open == 1; }));
  client.reset();  // gone, without a word
  ASSERT_TRUE(counts_become([&](const ConnectionCounts& c) {
    std::lock_guard lock(script_.mu);
    return script_.streams_ended == 1 && c.open == 0;
  }));
}

TEST_F(HttpServerTest, ShutdownClosesIdleConnectionsAndFinishesBusyOnes) {
  start();
  Client idle(port_), busy(port_);
  ASSERT_TRUE(idle.request("GET", "/x"));
  ASSERT_TRUE(busy.request("GET", "/warm"));
  ASSERT_TRUE(hold(busy));
  std::promise<void> drained;
  server_->shutdown([&] { drained.set_value(); });
  EXPECT_TRUE(idle.closed_by_server());
  release();
  auto response = busy.receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "GET /hold ");
  EXPECT_FALSE(response->keep_alive());  // the in-flight request is answered with Connection: close
  EXPECT_EQ(drained.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(server_->open_connections(), 0u);
  server_.reset();  // must not be shut down twice in TearDown
}

}  // namespace
}  // namespace faasgate::server
