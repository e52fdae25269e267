#include "faasgate/queue/callback.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "faasgate/http_client/curl_http_client.hpp"
#include "faasgate/http_client/fake_http_client.hpp"

namespace faasgate::queue {
namespace {

using http_client::refuse_resolved;

const AddressPolicy kDefaults;

TEST(CallbackUrl, AbsoluteHttpUrlsAreAccepted) {
  for (const char* url : {"http://receiver.example/done", "https://receiver.example:8443/a?b=c", "http://127.0.0.1:9000/",
                          "http://[::1]:9000/x", "http://user@192.0.2.10/", "HTTP://receiver.example/"}) {
    EXPECT_EQ(refuse_callback_url(url, kDefaults), std::nullopt) << url;
  }
}

TEST(CallbackUrl, AnythingElseIsRefusedWithTheRule) {
  for (const char* url : {"", "/relative", "receiver.example/done", "ftp://receiver.example/", "file:///etc/passwd",
                          "http:///no-host", "http://bad host/", "http://receiver.example/\x7f", "gopher://x/",
                          "http://receiver.example/a b"}) {
    auto why = refuse_callback_url(url, kDefaults);
    ASSERT_TRUE(why) << url;
    EXPECT_EQ(*why, "X-Callback-Url must be an absolute http(s) URL") << url;
  }
  const std::string embedded_nul("http://receiver.example/\0x", 26);
  EXPECT_TRUE(refuse_callback_url(embedded_nul, kDefaults));
  auto too_long = refuse_callback_url("http://receiver.example/" + std::string(2100, 'a'), kDefaults);
  ASSERT_TRUE(too_long);
  EXPECT_NE(too_long->find("2048"), std::string::npos);
}

TEST(CallbackUrl, LiteralAddressesThePolicyRefusesAreRefusedAtOnce) {
  for (const char* url : {"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://0.0.0.0:80/",
                          "http://[::]/", "http://[::ffff:169.254.1.1]/"}) {
    auto why = refuse_callback_url(url, kDefaults);
    ASSERT_TRUE(why) << url;
    EXPECT_NE(why->find("does not call back"), std::string::npos) << *why;
    EXPECT_EQ(why->find("169.254"), std::string::npos) << "the caller's URL is not echoed";
  }
  AddressPolicy cluster;
  ASSERT_TRUE(cluster.deny("10.0.0.0/8"));
  EXPECT_TRUE(refuse_callback_url("http://10.1.2.3:8080/x", cluster));
  EXPECT_EQ(refuse_callback_url("http://10.1.2.3:8080/x", kDefaults), std::nullopt);
  // A name is checked when the callback connects, on the address it resolves to then.
  EXPECT_EQ(refuse_callback_url("http://metadata.google.internal/", cluster), std::nullopt);
}

// A real HTTP receiver on every loopback address, both families ([::] with IPV6_V6ONLY off), so
// a callback that reaches 127.0.0.1 or ::1 by any route is seen. Counts the requests answered.
class Receiver {
 public:
  // `ipv6_loopback_only`: on ::1 alone, unreachable over IPv4.
  explicit Receiver(bool ipv6_loopback_only = false) {
    fd_ = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int v6only = ipv6_loopback_only ? 1 : 0, on = 1;
    ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = ipv6_loopback_only ? in6addr_loopback : in6addr_any;  // only loopback peers exist here
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("cannot listen");
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin6_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Receiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  unsigned port() const { return port_; }
  int requests() const { return requests_; }
  std::vector<std::string> peers() const {  // the address each request came from, IPv4 unmapped
    std::lock_guard lock(mu_);
    return peers_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_in6 peer{};
      socklen_t peer_length = sizeof peer;
      int c = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &peer_length, SOCK_CLOEXEC);
      if (c < 0) continue;
      {
        char text[INET6_ADDRSTRLEN] = {};
        if (IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr)) inet_ntop(AF_INET, peer.sin6_addr.s6_addr + 12, text, sizeof text);
        else inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof text);
        std::lock_guard lock(mu_);
        peers_.push_back(text);
      }
      std::string in;
      char buffer[4096];
      // Headers, then Content-Length bytes of body.
      std::size_t want = std::string::npos;
      while (true) {
        auto end = in.find("\r\n\r\n");
        if (end != std::string::npos && want == std::string::npos) {
          auto at = in.find("Content-Length: ");
          want = end + 4 + (at == std::string::npos || at > end ? 0 : std::stoul(in.substr(at + 16)));
        }
        if (want != std::string::npos && in.size() >= want) break;
        auto n = ::recv(c, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        in.append(buffer, static_cast<std::size_t>(n));
      }
      // Counted before the answer: the caller may read requests() as soon as it has one.
      ++requests_;
      static constexpr std::string_view ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)::send(c, ok.data(), ok.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1;
  unsigned port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::vector<std::string> peers_;
  std::thread thread_;
};

CallbackOutcome post(const std::string& url, const AddressPolicy& policy) {
  static http_client::CurlHttpClient client;
  return post_callback(client, CallbackRequest{url, {{"X-Call-Id", "c1"}}, "result", std::chrono::seconds(5), &policy});
}

TEST(CallbackDelivery, ReachesAnAllowedNameAndLiteral) {
  Receiver receiver;
  AddressPolicy cluster;
  ASSERT_TRUE(cluster.deny("10.0.0.0/8"));
  const auto port = std::to_string(receiver.port());
  auto by_name = post("http://localhost:" + port + "/done", cluster);
  EXPECT_TRUE(by_name.delivered) << by_name.error;
  auto by_v6 = post("http://[::1]:" + port + "/done", cluster);
  EXPECT_TRUE(by_v6.delivered) << by_v6.error;
  EXPECT_EQ(receiver.requests(), 2);
}

// A name is connected to only at the addresses the system resolver gave for it - the ones that
// were checked - not at addresses curl finds by a lookup of its own (it knows "localhost" as
// both loopbacks, whatever /etc/hosts says).
TEST(CallbackDelivery, ANameIsConnectedToOnlyAtItsCheckedAddresses) {
  std::set<std::string> resolved;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  ASSERT_EQ(::getaddrinfo("localhost", nullptr, &hints, &found), 0);
  for (const addrinfo* a = found; a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET) inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, text, sizeof text);
    else inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, text, sizeof text);
    resolved.insert(text);
  }
  freeaddrinfo(found);

  Receiver receiver;
  for (int i = 0; i < 3; ++i) {
    auto outcome = post("http://localhost:" + std::to_string(receiver.port()) + "/done", kDefaults);
    ASSERT_TRUE(outcome.delivered) << outcome.error;
  }
  for (const auto& peer : receiver.peers()) EXPECT_TRUE(resolved.count(peer)) << peer << " was not checked";

  // Where the system resolver does not give ::1 for localhost (this machine's /etc/hosts), a
  // receiver on ::1 alone must not be reached by that name: curl's own lookup would find it.
  if (resolved.count("::1")) GTEST_SKIP() << "localhost resolves to ::1 here";
  Receiver v6_only(true);
  auto outcome = post("http://localhost:" + std::to_string(v6_only.port()) + "/done", kDefaults);
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(v6_only.requests(), 0) << "connected to an address the resolver never gave";
}

TEST(CallbackDelivery, OneRefusedAddressRefusesTheName) {
  // Two addresses, as a name with A records in two networks resolves: either order is refused.
  sockaddr_in allowed{}, denied{};
  allowed.sin_family = denied.sin_family = AF_INET;
  inet_pton(AF_INET, "192.0.2.1", &allowed.sin_addr);
  inet_pton(AF_INET, "10.1.2.3", &denied.sin_addr);
  addrinfo second{}, first{};
  first.ai_family = second.ai_family = AF_INET;
  first.ai_addrlen = second.ai_addrlen = sizeof(sockaddr_in);
  AddressPolicy cluster;
  ASSERT_TRUE(cluster.deny("10.0.0.0/8"));
  first.ai_addr = reinterpret_cast<sockaddr*>(&allowed);
  second.ai_addr = reinterpret_cast<sockaddr*>(&denied);
  first.ai_next = &second;
  EXPECT_TRUE(refuse_resolved(&first, cluster));
  first.ai_addr = reinterpret_cast<sockaddr*>(&denied);
  second.ai_addr = reinterpret_cast<sockaddr*>(&allowed);
  EXPECT_TRUE(refuse_resolved(&first, cluster));
  second.ai_addr = reinterpret_cast<sockaddr*>(&denied);
  first.ai_addr = reinterpret_cast<sockaddr*>(&allowed);
  first.ai_next = nullptr;
  EXPECT_EQ(refuse_resolved(&first, cluster), std::nullopt);
}

TEST(CallbackUrl, HostNamesMustBePlainNames) {
  EXPECT_TRUE(refuse_callback_url("http://local%68ost:9000/", kDefaults)) << "percent-encoding in a name";
  EXPECT_EQ(refuse_callback_url("http://receiver-1.example_x.:9000/", kDefaults), std::nullopt);
}

// The report: with --callback-deny 127.0.0.0/8, [::1] and localhost still got their callbacks.
TEST(CallbackDelivery, DenyingTheLoopbackDeniesItUnderEveryName) {
  Receiver receiver;
  AddressPolicy policy;
  ASSERT_TRUE(policy.deny("127.0.0.0/8"));
  const auto port = std::to_string(receiver.port());
  for (const std::string host : {"localhost", "[::1]", "127.0.0.1", "[::ffff:127.0.0.1]", "LocalHost"}) {
    auto outcome = post("http://" + host + ":" + port + "/done", policy);
    EXPECT_FALSE(outcome.delivered) << host;
    EXPECT_TRUE(outcome.refused) << host << ": " << outcome.error;
  }
  EXPECT_EQ(receiver.requests(), 0) << "no callback reached the receiver";
  EXPECT_TRUE(refuse_callback_url("http://[::1]:" + port + "/", policy)) << "a literal is refused when offered";
}

// Through the fake: what post_callback sends, and how the client's answers become outcomes.
class CallbackThroughTheClient : public ::testing::Test {
 protected:
  CallbackOutcome send(const std::string& url) {
    return post_callback(client, CallbackRequest{url, {{"X-Call-Id", "c1"}}, "result", std::chrono::seconds(7), &cluster});
  }
  void SetUp() override { ASSERT_TRUE(cluster.deny("10.0.0.0/8")); }
  http_client::FakeHttpClient client;
  AddressPolicy cluster;
};

TEST_F(CallbackThroughTheClient, A2xxIsDeliveredAndTheRequestIsAPolicedPost) {
  client.set("http://receiver.example/done", http_client::Response{202, "", std::nullopt});
  auto outcome = send("http://receiver.example/done");
  EXPECT_TRUE(outcome.delivered) << outcome.error;
  EXPECT_FALSE(outcome.refused);
  EXPECT_EQ(outcome.status, 202);
  auto requests = client.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& sent = requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.body, "result");
  EXPECT_EQ(sent.address_policy, &cluster) << "the connection is held to the policy";
  EXPECT_FALSE(sent.plain_http_only_to_loopback);
  EXPECT_TRUE(sent.discard_body);
  EXPECT_EQ(sent.limits.total_timeout, std::chrono::seconds(7));
  EXPECT_NE(std::find(sent.headers.begin(), sent.headers.end(), std::pair<std::string, std::string>{"X-Call-Id", "c1"}),
            sent.headers.end());
}

TEST_F(CallbackThroughTheClient, OtherStatusesAreNotDeliveredAndMayBeRetried) {
  for (long status : {100L, 199L, 302L, 404L, 500L, 503L}) {
    client.set("http://receiver.example/done", http_client::Response{status, "", std::nullopt});
    auto outcome = send("http://receiver.example/done");
    EXPECT_FALSE(outcome.delivered) << status;
    EXPECT_FALSE(outcome.refused) << status;
    EXPECT_EQ(outcome.status, status);
    EXPECT_EQ(outcome.error, "the callback answered " + std::to_string(status));
  }
}

TEST_F(CallbackThroughTheClient, ARefusedAddressIsRefusedATransportErrorIsRetried) {
  // A name that resolves to a refused address: the client says so.
  client.fail_call(1, http_client::Error{http_client::Errc::refused, "POST http://receiver.example/done: not allowed"});
  auto refused = send("http://receiver.example/done");
  EXPECT_FALSE(refused.delivered);
  EXPECT_TRUE(refused.refused) << refused.error;
  client.fail_call(2, http_client::Error{http_client::Errc::connect_failed, "connection refused"});
  auto down = send("http://receiver.example/done");
  EXPECT_FALSE(down.delivered);
  EXPECT_FALSE(down.refused);
  EXPECT_EQ(down.status, 0);
  EXPECT_EQ(down.error, "connection refused");
  // A literal the policy refuses never reaches the client.
  auto literal = send("http://10.1.2.3:8080/done");
  EXPECT_TRUE(literal.refused);
  EXPECT_EQ(client.calls(), 2u);
}

}  // namespace
}  // namespace faasgate::queue
