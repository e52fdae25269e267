// make_curl_transport() against a real HTTP server on 127.0.0.1 (plain sockets, an OS-chosen
// port): what is sent and received, the limits, the error kinds, and streams that stop.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "faasgate/sdk/http.hpp"

namespace faasgate::sdk {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A tiny HTTP/1.1 server: one thread per connection; the handler writes each answer itself, so
// a test can send a head and then chunks, stay silent, or keep the connection alive.
class LoopbackServer {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    std::string header(std::string_view name) const {
      for (const auto& [n, v] : headers)
        if (n == name) return v;
      return "<none>";
    }
  };

  class Connection {
   public:
    Connection(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}
    bool write(std::string_view data) {
      while (!data.empty()) {
        const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
      }
      return true;
    }
    // Waits until the client closes the connection (true), or the server stops or `limit`
    // passes (false). Whatever the client sends meanwhile is read and dropped.
    bool wait_for_close(std::chrono::milliseconds limit) {
      const auto deadline = SteadyClock::now() + limit;
      while (!stopping_ && SteadyClock::now() < deadline) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) > 0) {
          char buf[4096];
          if (::recv(fd_, buf, sizeof buf, 0) <= 0) return true;
        }
      }
      return false;
    }
    bool keep_alive = false;  // after the handler: read the next request on this connection

   private:
    int fd_;
    const std::atomic<bool>& stopping_;
  };

  using Handler = std::function<void(const Request&, Connection&)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listen_fd_, 64) != 0)
      throw std::runtime_error("bind/listen");
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~LoopbackServer() {
    stopping_ = true;
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& w : workers) w.join();
    ::close(listen_fd_);
  }

  std::string url(std::string_view target) const { return "http://127.0.0.1:" + std::to_string(port_) + std::string(target); }
  int connections() const { return connections_.load(); }
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      std::lock_guard lock(mutex_);
      workers_.emplace_back([this, fd] {
        serve(fd);
        ::close(fd);
      });
    }
  }

  // Reads into `buffer` until it holds `want` bytes past `from`, or a "\r\n\r\n" when want is 0.
  bool read_more(int fd, std::string& buffer) {
    while (!stopping_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(n));
      return buffer.size() < 1024 * 1024;
    }
    return false;
  }

  void serve(int fd) {
    std::string buffer;
    for (;;) {
      std::size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos)
        if (!read_more(fd, buffer)) return;
      Request request;
      std::string head = buffer.substr(0, head_end);
      buffer.erase(0, head_end + 4);
      std::size_t line_end = head.find("\r\n");
      std::string first = head.substr(0, line_end);
      const auto space1 = first.find(' ');
      const auto space2 = first.find(' ', space1 + 1);
      request.method = first.substr(0, space1);
      request.target = first.substr(space1 + 1, space2 - space1 - 1);
      std::size_t content_length = 0;
      while (line_end != std::string::npos) {
        const std::size_t start = line_end + 2;
        line_end = head.find("\r\n", start);
        std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (name == "content-length") content_length = std::stoul(value);
        request.headers.emplace_back(std::move(name), std::move(value));
      }
      while (buffer.size() < content_length)
        if (!read_more(fd, buffer)) return;
      request.body = buffer.substr(0, content_length);
      buffer.erase(0, content_length);
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      Connection connection(fd, stopping_);
      handler_(request, connection);
      if (!connection.keep_alive) return;
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<Request> requests_;
};

void reply(LoopbackServer::Connection& c, int status, const std::string& body,
           const std::vector<std::string>& headers = {}, bool keep_alive = false) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " Whatever\r\n";
  for (const auto& h : headers) head += h + "\r\n";
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  head += keep_alive ? "\r\n" : "Connection: close\r\n\r\n";
  c.write(head + body);
  c.keep_alive = keep_alive;
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

constexpr const char* kChunkedHead = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";

HttpRequest get(std::string url, std::chrono::milliseconds timeout = 2000ms) {
  HttpRequest r;
  r.url = std::move(url);
  r.timeout = timeout;
  return r;
}

unsigned short unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);  // nobody listens on it now
  return ntohs(address.sin_port);
}

// --- send ----------------------------------------------------------------------------------

TEST(CurlTransport, SendsTheRequestAndReturnsStatusLowerCasedHeadersAndBody) {
  LoopbackServer server([](const LoopbackServer::Request&, LoopbackServer::Connection& c) {
    reply(c, 201, "created", {"X-Call-Id: 7", "Content-Type: text/plain", "X-Multi: a", "X-Multi: b"});
  });
  auto transport = make_curl_transport();
  HttpRequest request = get(server.url("/system/functions?namespace=dev"));
  request.method = "POST";
  request.headers = {{"Content-Type", "application/json"}, {"X-Custom", "value 1"}};
  request.body = R"({"service":"echo"})";
  auto response = transport->send(request);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "created");
  ASSERT_NE(response->header("X-Call-Id"), nullptr);
  EXPECT_EQ(*response->header("X-Call-Id"), "7");
  EXPECT_EQ(*response->header("x-multi"), "a");
  bool lower_cased = false;
  for (const auto& h : response->headers) {
    EXPECT_EQ(h.name.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::string::npos) << h.name;
    lower_cased = lower_cased || h.name == "content-type";
  }
  EXPECT_TRUE(lower_cased);

  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/system/functions?namespace=dev");
  EXPECT_EQ(seen[0].header("x-custom"), "value 1");
  EXPECT_EQ(seen[0].header("content-type"), "application/json");
  EXPECT_EQ(seen[0].header("expect"), "<none>");  // no 100-continue round trip
  EXPECT_EQ(seen[0].body, R"({"service":"echo"})");
}

TEST(CurlTransport, SendsEachMethodAsItIs) {
  LoopbackServer server([](const LoopbackServer::Request&, LoopbackServer::Connection& c) { reply(c, 200, "ok"); });
  auto transport = make_curl_transport();
  for (std::string method : {"GET", "PUT", "DELETE", "PATCH", "HEAD"}) {
    HttpRequest request = get(server.url("/x"));
    request.method = method;
    if (method != "GET" && method != "HEAD") request.body = "{}";
    auto response = transport->send(request);
    ASSERT_TRUE(response.has_value()) << method << ": " << response.error().message;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, method == "HEAD" ? "" : "ok");
  }
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[1].method, "PUT");
  EXPECT_EQ(seen[1].body, "{}");
  EXPECT_EQ(seen[2].method, "DELETE");
  EXPECT_EQ(seen[2].body, "{}");
  EXPECT_EQ(seen[4].method, "HEAD");
}

TEST(CurlTransport, KeepAliveConnectionsAreReusedAcrossThreads) {
  LoopbackServer server([](const LoopbackServer::Request&, LoopbackServer::Connection& c) {
    reply(c, 200, "ok", {}, /*keep_alive=*/true);
  });
  auto transport = make_curl_transport();
  ASSERT_TRUE(transport->send(get(server.url("/1"))).has_value());
  std::thread other([&] { EXPECT_TRUE(transport->send(get(server.url("/2"))).has_value()); });
  other.join();
  ASSERT_TRUE(transport->send(get(server.url("/3"))).has_value());
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.connections(), 1);
}

TEST(CurlTransport, NoAnswerWithinTheTimeoutIsTheTimeoutKind) {
  LoopbackServer server([](const LoopbackServer::Request&, LoopbackServer::Connection& c) { c.wait_for_close(5s); });
  auto transport = make_curl_transport();
  const auto start = SteadyClock::now();
  auto response = transport->send(get(server.url("/slow?access_token=hidden"), 300ms));
  const auto took = SteadyClock::now() - start;
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().kind, ErrorKind::timeout) << response.error().message;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);
  EXPECT_NE(response.error().message.find(server.url("/slow")), std::string::npos) << response.error().message;
  EXPECT_EQ(response.error().message.find("hidden"), std::string::npos) << response.error().message;
}

TEST(CurlTransport, ConnectionRefusedIsATransportErrorThatNamesTheUrlButNotItsQueryOrPassword) {
  const auto port = std::to_string(unused_port());
  auto transport = make_curl_transport();
  auto response = transport->send(get("http://127.0.0.1:" + port + "/oauth/token?subject_token=hidden"));
  ASSERT_FALSE(response.has_value());
  const Error& e = response.error();
  EXPECT_EQ(e.kind, ErrorKind::transport);
  EXPECT_NE(e.message.find("GET http://127.0.0.1:" + port + "/oauth/token: "), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("onnect"), std::string::npos) << e.message;  // curl: "Failed to connect ..."
  EXPECT_EQ(e.message.find("hidden"), std::string::npos) << e.message;

  auto with_password = transport->send(get("http://admin:hunter2@127.0.0.1:" + port + "/"));
  ASSERT_FALSE(with_password.has_value());
  EXPECT_EQ(with_password.error().message.find("hunter2"), std::string::npos) << with_password.error().message;
}

TEST(CurlTransport, AnAnswerLargerThanMaxBodyBytesIsTooLarge) {
  LoopbackServer server([](const LoopbackServer::Request& r, LoopbackServer::Connection& c) {
    if (r.target == "/announced") {
      reply(c, 200, std::string(2000, 'x'));
    } else if (r.target == "/exact") {
      reply(c, 200, std::string(1000, 'x'));
    } else {  // no Content-Length: the body ends when the connection does
      c.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(5000, 'x'));
    }
  });
  CurlTransportOptions options;
  options.max_body_bytes = 1000;
  auto transport = make_curl_transport(options);
  for (const char* target : {"/announced", "/unannounced"}) {
    auto response = transport->send(get(server.url(target)));
    ASSERT_FALSE(response.has_value()) << target;
    EXPECT_EQ(response.error().kind, ErrorKind::too_large) << target << ": " << response.error().message;
  }
  auto exact = transport->send(get(server.url("/exact")));
  ASSERT_TRUE(exact.has_value()) << exact.error().message;
  EXPECT_EQ(exact->body.size(), 1000u);
}

TEST(CurlTransport, ARedirectIsAnAnswerNotFollowedAndOnlyHttpIsSpoken) {
  LoopbackServer server([](const LoopbackServer::Request&, LoopbackServer::Connection& c) {
    reply(c, 302, "", {"Location: /elsewhere"});
  });
  auto transport = make_curl_transport();
  auto response = transport->send(get(server.url("/here")));
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(*response->header("location"), "/elsewhere");
  EXPECT_EQ(server.requests().size(), 1u);

  for (const char* url : {"file:///etc/hostname", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"}) {
    auto refused = transport->send(get(url));
    ASSERT_FALSE(refused.has_value()) << url;
    EXPECT_EQ(refused.error().kind, ErrorKind::transport) << url;
  }
}

TEST(CurlTransport, AHeaderOrMethodThatWouldSplitTheRequestIsRefusedUnsent) {
  LoopbackServer server([](const LoopbackServer::Request&, LoopbackServer::Connection& c) { reply(c, 200, "ok"); });
  auto transport = make_curl_transport();
  HttpRequest split = get(server.url("/"));
  split.headers = {{"X-A", "a\r\nX-Injected: 1"}};
  EXPECT_FALSE(transport->send(split).has_value());
  HttpRequest bad_name = get(server.url("/"));
  bad_name.headers = {{"X A", "a"}};
  EXPECT_FALSE(transport->send(bad_name).has_value());
  HttpRequest bad_method = get(server.url("/"));
  bad_method.method = "GET / HTTP/1.1\r\n";
  EXPECT_FALSE(transport->send(bad_method).has_value());
  HttpRequest get_with_body = get(server.url("/"));
  get_with_body.body = "x";
  EXPECT_FALSE(transport->send(get_with_body).has_value());
  EXPECT_EQ(server.requests().size(), 0u);
}

// --- stream --------------------------------------------------------------------------------

TEST(CurlTransportStream, DeliversChunksAsTheyArriveAndStopsOnRequestWhileTheServerIsSilent) {
  std::atomic<bool> client_left{false};
  LoopbackServer server([&](const LoopbackServer::Request&, LoopbackServer::Connection& c) {
    c.write(kChunkedHead);
    c.write(chunk("{\"text\":\"one\"}\n"));
    c.write(chunk("{\"text\":\"two\"}\n"));
    client_left = c.wait_for_close(10s);  // then silence, as a followed log that has nothing new
  });
  auto transport = make_curl_transport();
  std::mutex mutex;
  std::string received;
  std::atomic<bool> both{false};
  std::stop_source stop;
  Result<HttpResponse> result = core::fail(Error{});
  std::thread streamer([&] {
    result = transport->stream(get(server.url("/system/logs?follow=true"), 300ms), [&](std::string_view piece) {
      std::lock_guard lock(mutex);
      received += piece;
      if (received.find("two") != std::string::npos) both = true;
      return true;
    }, stop.get_token());
  });
  const auto deadline = SteadyClock::now() + 5s;
  while (!both && SteadyClock::now() < deadline) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(both.load());
  std::this_thread::sleep_for(500ms);  // longer than the timeout: it covers the head only
  const auto stopped_at = SteadyClock::now();
  stop.request_stop();
  streamer.join();
  const auto took = SteadyClock::now() - stopped_at;
  EXPECT_LT(took, 2s);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::cancelled) << result.error().message;
  EXPECT_EQ(received, "{\"text\":\"one\"}\n{\"text\":\"two\"}\n");
  const auto wait_until = SteadyClock::now() + 2s;
  while (!client_left && SteadyClock::now() < wait_until) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(client_left.load());
}

TEST(CurlTransportStream, ASinkThatReturnsFalseEndsTheStreamWithoutAnError) {
  LoopbackServer server([](const LoopbackServer::Request&, LoopbackServer::Connection& c) {
    c.write(kChunkedHead);
    c.write(chunk("first\n"));
    c.wait_for_close(10s);
  });
  auto transport = make_curl_transport();
  int pieces = 0;
  const auto start = SteadyClock::now();
  auto response = transport->stream(get(server.url("/logs")), [&](std::string_view) {
    ++pieces;
    return false;
  }, {});
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(*response->header("content-type"), "application/x-ndjson");
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(pieces, 1);
  EXPECT_LT(SteadyClock::now() - start, 2s);
}

TEST(CurlTransportStream, ANon2xxAnswerLandsInTheBodyCappedAndNotInTheSink) {
  LoopbackServer server([](const LoopbackServer::Request& r, LoopbackServer::Connection& c) {
    if (r.target == "/missing") reply(c, 404, "No such function: echo\n");
    else reply(c, 500, std::string(3 * Error::kMaxBody, 'e'));
  });
  auto transport = make_curl_transport();
  bool sink_called = false;
  auto sink = [&](std::string_view) { return sink_called = true; };
  auto missing = transport->stream(get(server.url("/missing")), sink, {});
  ASSERT_TRUE(missing.has_value()) << missing.error().message;
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, "No such function: echo\n");
  auto huge = transport->stream(get(server.url("/huge")), sink, {});
  ASSERT_TRUE(huge.has_value()) << huge.error().message;
  EXPECT_EQ(huge->status, 500);
  EXPECT_EQ(huge->body.size(), Error::kMaxBody);
  EXPECT_FALSE(sink_called);
}

TEST(CurlTransportStream, NoHeadWithinTheTimeoutIsTheTimeoutKind) {
  LoopbackServer server([](const LoopbackServer::Request&, LoopbackServer::Connection& c) { c.wait_for_close(10s); });
  auto transport = make_curl_transport();
  const auto start = SteadyClock::now();
  auto response = transport->stream(get(server.url("/logs"), 300ms), [](std::string_view) { return true; }, {});
  const auto took = SteadyClock::now() - start;
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().kind, ErrorKind::timeout) << response.error().message;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2500ms);
}

TEST(CurlTransportStream, AQuietStreamAfterItsHeadOutlivesTheTimeoutAndEndsNormally) {
  LoopbackServer server([](const LoopbackServer::Request&, LoopbackServer::Connection& c) {
    c.write(kChunkedHead);
    c.wait_for_close(700ms);
    c.write(chunk("late\n") + "0\r\n\r\n");
  });
  auto transport = make_curl_transport();
  std::string received;
  auto response = transport->stream(get(server.url("/logs"), 300ms), [&](std::string_view piece) {
    received += piece;
    return true;
  }, {});
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(received, "late\n");
}

TEST(CurlTransportStream, AStopRequestedBeforeTheCallSendsNothing) {
  LoopbackServer server([](const LoopbackServer::Request&, LoopbackServer::Connection& c) { reply(c, 200, "x"); });
  auto transport = make_curl_transport();
  std::stop_source stop;
  stop.request_stop();
  auto response = transport->stream(get(server.url("/")), [](std::string_view) { return true; }, stop.get_token());
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().kind, ErrorKind::cancelled);
  EXPECT_EQ(server.requests().size(), 0u);
}

}  // namespace
}  // namespace faasgate::sdk
