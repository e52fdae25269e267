// CurlHttpClient against a real HTTP(S) server on 127.0.0.1 (OS-chosen port). Nothing here touches
// a non-loopback address: URLs to other hosts are refused by policy before any I/O. (Sending with
// an address policy, and POST, are proven by api's callback tests against a receiver of theirs.)
#include "faasgate/http_client/curl_http_client.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

#include "test_http_server.hpp"

namespace faasgate::http_client {
namespace {

using namespace std::chrono_literals;
using testing::TestHttpServer;
using testing::TestResponse;
using testing::TlsIdentity;

const std::string kJwks = R"({"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","kid":"k1"}]})";

TestResponse route(const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  TestResponse r;
  if (path == "/jwks") {
    r.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "public, max-age=600"}};
    r.body = kJwks;
  } else if (path == "/no-cache-control") {
    r.body = kJwks;
  } else if (path == "/redirect") {
    r.status = 302;
    r.headers = {{"Location", "/jwks"}};
  } else if (path == "/big") {
    r.body.assign(1024 * 1024, 'x');
  } else if (path == "/big-no-length") {
    r.body.assign(1024 * 1024, 'x');
    r.content_length = false;
  } else if (path == "/exact") {
    r.body.assign(1000, 'x');
  } else if (path == "/slow") {
    r.delay = 5s;
    r.body = kJwks;
  } else if (path == "/error") {
    r.status = 500;
    r.body = "secret internals";
  } else {
    r.status = 404;
    r.body = "not found";
  }
  return r;
}

Request request(std::string url) {
  Request req;
  req.url = std::move(url);
  req.limits.connect_timeout = 2s;
  req.limits.total_timeout = 5s;
  return req;
}

class CurlHttpClientTest : public ::testing::Test {
 protected:
  TestHttpServer server{route};
  CurlHttpClient client;
};

TEST_F(CurlHttpClientTest, FetchesBodyAndCacheControl) {
  auto r = client.send(request(server.base_url() + "/jwks"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kJwks);
  EXPECT_EQ(r->cache_control, "public, max-age=600");
}

TEST_F(CurlHttpClientTest, NoCacheControlMeansNone) {
  auto r = client.send(request(server.base_url() + "/no-cache-control"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->cache_control, std::nullopt);
}

TEST_F(CurlHttpClientTest, LocalhostByNameIsAllowedOverHttp) {
  auto r = client.send(request("http://localhost:" + std::to_string(server.port()) + "/jwks"));
  // localhost may resolve to ::1 first where the server listens on 127.0.0.1 only; curl falls back.
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->body, kJwks);
}

TEST_F(CurlHttpClientTest, RedirectIsNotFollowed) {
  auto r = client.send(request(server.base_url() + "/redirect"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(server.paths(), std::vector<std::string>{"/redirect"});
}

TEST_F(CurlHttpClientTest, NotFoundIsAnAnswer) {
  auto r = client.send(request(server.base_url() + "/missing"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 404);
}

// The body of an error answer is the caller's to judge (oidc's fetch never logs it); an error's
// detail carries neither a body nor the URL's path or query.
TEST_F(CurlHttpClientTest, ErrorDetailsCarryNeitherBodyNorUrl) {
  auto r = client.send(request(server.base_url() + "/error"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 500);
  auto req = request(server.base_url() + "/big?access_token=s3cr3t");
  req.limits.max_body_bytes = 10;
  auto big = client.send(req);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::too_large);
  EXPECT_EQ(big.error().detail.find("s3cr3t"), std::string::npos) << big.error().detail;
  EXPECT_EQ(big.error().detail.find("xxxx"), std::string::npos) << big.error().detail;
  EXPECT_EQ(big.error().detail.find("/big"), std::string::npos) << big.error().detail;
}

TEST_F(CurlHttpClientTest, OversizedBodyWithContentLengthIsRefused) {
  auto req = request(server.base_url() + "/big");
  req.limits.max_body_bytes = 64 * 1024;
  auto r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::too_large) << r.error().detail;
}

TEST_F(CurlHttpClientTest, OversizedBodyWithoutContentLengthIsAborted) {
  auto req = request(server.base_url() + "/big-no-length");
  req.limits.max_body_bytes = 64 * 1024;
  auto r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::too_large) << r.error().detail;
}

TEST_F(CurlHttpClientTest, DefaultLimitRefusesOneMebibyte) {
  auto r = client.send(request(server.base_url() + "/big-no-length"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::too_large);
}

TEST_F(CurlHttpClientTest, BodyExactlyAtTheLimitIsAccepted) {
  auto req = request(server.base_url() + "/exact");
  req.limits.max_body_bytes = 1000;
  auto r = client.send(req);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->body.size(), 1000u);
  req.limits.max_body_bytes = 999;
  r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::too_large);
}

TEST_F(CurlHttpClientTest, SlowResponseTimesOut) {
  auto req = request(server.base_url() + "/slow");
  req.limits.total_timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto r = client.send(req);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::timeout) << r.error().detail;
  EXPECT_LT(took, 3s);
}

TEST_F(CurlHttpClientTest, ConnectionRefused) {
  unsigned short closed_port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = a.local_endpoint().port();
  }
  auto r = client.send(request("http://127.0.0.1:" + std::to_string(closed_port) + "/jwks"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::connect_failed) << r.error().detail;
}

TEST_F(CurlHttpClientTest, PolicyIsEnforcedBeforeAnyIo) {
  // None of these is ever contacted: the URL policy refuses them first.
  auto r = client.send(request("http://192.0.2.1/jwks"));  // TEST-NET-1, non-loopback
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::insecure_url);
  r = client.send(request("ftp://127.0.0.1:" + std::to_string(server.port()) + "/jwks"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::bad_url);
  r = client.send(request("http://user:pw@127.0.0.1:" + std::to_string(server.port()) + "/jwks"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::bad_url);
  EXPECT_EQ(server.requests(), 0u);
}

TEST_F(CurlHttpClientTest, ManyThreadsAtOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 4; ++j)
        if (auto r = client.send(request(server.base_url() + "/jwks")); r && r->body == kJwks) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 32);
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    path_ = (std::filesystem::temp_directory_path() /
             ("http_client_test_ca_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++) + ".pem"))
                .string();
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline std::atomic<int> counter_{0};
  std::string path_;
};

class CurlHttpClientTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { identity_ = new TlsIdentity(TlsIdentity::self_signed()); }
  static void TearDownTestSuite() {
    delete identity_;
    identity_ = nullptr;
  }
  static inline TlsIdentity* identity_ = nullptr;
  TestHttpServer server{route, *identity_};
  CurlHttpClient client;
};

TEST_F(CurlHttpClientTlsTest, UntrustedCertificateFails) {
  auto r = client.send(request(server.base_url() + "/jwks"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tls_failed) << r.error().detail;
}

TEST_F(CurlHttpClientTlsTest, CaFileMakesItTrusted) {
  TempFile ca(identity_->cert_pem);
  auto req = request(server.base_url() + "/jwks");
  req.ca_file = ca.path();
  auto r = client.send(req);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->body, kJwks);
  EXPECT_EQ(r->cache_control, "public, max-age=600");
}

TEST_F(CurlHttpClientTlsTest, HostNameIsVerified) {
  // The certificate names 127.0.0.1 only; "localhost" reaches the same server but must not match.
  TempFile ca(identity_->cert_pem);
  auto req = request("https://localhost:" + std::to_string(server.port()) + "/jwks");
  req.ca_file = ca.path();
  auto r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tls_failed) << r.error().detail;
}

TEST_F(CurlHttpClientTlsTest, MissingCaFileFails) {
  auto req = request(server.base_url() + "/jwks");
  req.ca_file = "/nonexistent/ca.pem";
  auto r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tls_failed) << r.error().detail;
}

TEST_F(CurlHttpClientTlsTest, RedirectOverTlsIsNotFollowed) {
  TempFile ca(identity_->cert_pem);
  auto req = request(server.base_url() + "/redirect");
  req.ca_file = ca.path();
  auto r = client.send(req);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 302);
}

}  // namespace
}  // namespace faasgate::http_client
