// CurlFetcher against a real HTTP(S) server on 127.0.0.1 (OS-chosen port). Nothing here touches a
// non-loopback address: URLs to other hosts are refused by policy before any I/O.
#include "faasgate/oidc/curl_fetcher.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

#include "test_http_server.hpp"

namespace faasgate::oidc {
namespace {

using namespace std::chrono_literals;
using testing::TestHttpServer;
using testing::TestResponse;
using testing::TlsIdentity;

const std::string kJwks = R"({"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","kid":"k1"}]})";

TestResponse route(const std::string& path) {
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

FetchRequest request(std::string url) {
  FetchRequest req;
  req.url = std::move(url);
  req.limits.connect_timeout = 2s;
  req.limits.total_timeout = 5s;
  return req;
}

class OidcCurlFetcherTest : public ::testing::Test {
 protected:
  TestHttpServer server{route};
  CurlFetcher fetcher;
};

TEST_F(OidcCurlFetcherTest, FetchesBodyAndMaxAge) {
  auto r = fetcher.get(request(server.base_url() + "/jwks"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kJwks);
  EXPECT_EQ(r->max_age, 600s);
}

TEST_F(OidcCurlFetcherTest, NoCacheControlMeansNoMaxAge) {
  auto r = fetcher.get(request(server.base_url() + "/no-cache-control"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->max_age, std::nullopt);
}

TEST_F(OidcCurlFetcherTest, LocalhostByNameIsAllowedOverHttp) {
  auto r = fetcher.get(request("http://localhost:" + std::to_string(server.port()) + "/jwks"));
  // localhost may resolve to ::1 first where the server listens on 127.0.0.1 only; curl falls back.
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->body, kJwks);
}

TEST_F(OidcCurlFetcherTest, RedirectIsNotFollowed) {
  auto r = fetcher.get(request(server.base_url() + "/redirect"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::http_status);
  EXPECT_EQ(r.error().status, 302);
  EXPECT_EQ(server.paths(), std::vector<std::string>{"/redirect"});
}

TEST_F(OidcCurlFetcherTest, NotFoundIsAnError) {
  auto r = fetcher.get(request(server.base_url() + "/missing"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::http_status);
  EXPECT_EQ(r.error().status, 404);
}

TEST_F(OidcCurlFetcherTest, ServerErrorDoesNotLeakTheBody) {
  auto r = fetcher.get(request(server.base_url() + "/error"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 500);
  EXPECT_EQ(r.error().detail.find("secret internals"), std::string::npos);
}

TEST_F(OidcCurlFetcherTest, OversizedBodyWithContentLengthIsRefused) {
  auto req = request(server.base_url() + "/big");
  req.limits.max_body_bytes = 64 * 1024;
  auto r = fetcher.get(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::too_large) << r.error().detail;
}

TEST_F(OidcCurlFetcherTest, OversizedBodyWithoutContentLengthIsAborted) {
  auto req = request(server.base_url() + "/big-no-length");
  req.limits.max_body_bytes = 64 * 1024;
  auto r = fetcher.get(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::too_large) << r.error().detail;
}

TEST_F(OidcCurlFetcherTest, DefaultLimitRefusesOneMebibyte) {
  auto r = fetcher.get(request(server.base_url() + "/big-no-length"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::too_large);
}

TEST_F(OidcCurlFetcherTest, BodyExactlyAtTheLimitIsAccepted) {
  auto req = request(server.base_url() + "/exact");
  req.limits.max_body_bytes = 1000;
  auto r = fetcher.get(req);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->body.size(), 1000u);
  req.limits.max_body_bytes = 999;
  r = fetcher.get(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::too_large);
}

TEST_F(OidcCurlFetcherTest, SlowResponseTimesOut) {
  auto req = request(server.base_url() + "/slow");
  req.limits.total_timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto r = fetcher.get(req);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::timeout) << r.error().detail;
  EXPECT_LT(took, 3s);
}

TEST_F(OidcCurlFetcherTest, ConnectionRefused) {
  unsigned short closed_port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = a.local_endpoint().port();
  }
  auto r = fetcher.get(request("http://127.0.0.1:" + std::to_string(closed_port) + "/jwks"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::connect_failed) << r.error().detail;
}

TEST_F(OidcCurlFetcherTest, PolicyIsEnforcedBeforeAnyIo) {
  // None of these is ever contacted: the URL policy refuses them first.
  auto r = fetcher.get(request("http://192.0.2.1/jwks"));  // TEST-NET-1, non-loopback
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::insecure_url);
  r = fetcher.get(request("ftp://127.0.0.1:" + std::to_string(server.port()) + "/jwks"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::bad_url);
  r = fetcher.get(request("http://user:pw@127.0.0.1:" + std::to_string(server.port()) + "/jwks"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::bad_url);
  EXPECT_EQ(server.requests(), 0u);
}

TEST_F(OidcCurlFetcherTest, ManyThreadsAtOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 4; ++j)
        if (auto r = fetcher.get(request(server.base_url() + "/jwks")); r && r->body == kJwks) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 32);
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    path_ = (std::filesystem::temp_directory_path() /
             ("oidc_test_ca_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++) + ".pem"))
                .string();
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline std::atomic<int> counter_{0};
  std::string path_;
};

class OidcCurlFetcherTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { identity_ = new TlsIdentity(TlsIdentity::self_signed()); }
  static void TearDownTestSuite() {
    delete identity_;
    identity_ = nullptr;
  }
  static inline TlsIdentity* identity_ = nullptr;
  TestHttpServer server{route, *identity_};
  CurlFetcher fetcher;
};

TEST_F(OidcCurlFetcherTlsTest, UntrustedCertificateFails) {
  auto r = fetcher.get(request(server.base_url() + "/jwks"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::tls_failed) << r.error().detail;
}

TEST_F(OidcCurlFetcherTlsTest, CaFileMakesItTrusted) {
  TempFile ca(identity_->cert_pem);
  auto req = request(server.base_url() + "/jwks");
  req.ca_file = ca.path();
  auto r = fetcher.get(req);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->body, kJwks);
  EXPECT_EQ(r->max_age, 600s);
}

TEST_F(OidcCurlFetcherTlsTest, HostNameIsVerified) {
  // The certificate names 127.0.0.1 only; "localhost" reaches the same server but must not match.
  TempFile ca(identity_->cert_pem);
  auto req = request("https://localhost:" + std::to_string(server.port()) + "/jwks");
  req.ca_file = ca.path();
  auto r = fetcher.get(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::tls_failed) << r.error().detail;
}

TEST_F(OidcCurlFetcherTlsTest, MissingCaFileFails) {
  auto req = request(server.base_url() + "/jwks");
  req.ca_file = "/nonexistent/ca.pem";
  auto r = fetcher.get(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FetchErrc::tls_failed) << r.error().detail;
}

TEST_F(OidcCurlFetcherTlsTest, RedirectOverTlsIsNotFollowed) {
  TempFile ca(identity_->cert_pem);
  auto req = request(server.base_url() + "/redirect");
  req.ca_file = ca.path();
  auto r = fetcher.get(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 302);
}

}  // namespace
}  // namespace faasgate::oidc
