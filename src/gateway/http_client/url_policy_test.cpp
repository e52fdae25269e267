// The URL policy every HttpClient applies before any I/O (http_client.hpp).
#include "faasgate/http_client/http_client.hpp"

#include <gtest/gtest.h>

namespace faasgate::http_client {
namespace {

TEST(UrlPolicy, HttpsToAnyHostIsAllowed) {
  EXPECT_TRUE(check_url("https://idp.example.com/.well-known/openid-configuration", true));
  EXPECT_TRUE(check_url("https://10.0.0.1:6443/openid/v1/jwks", true));
  EXPECT_TRUE(check_url("HTTPS://idp.example.com/keys", true));
}

TEST(UrlPolicy, HttpOnlyToLoopback) {
  EXPECT_TRUE(check_url("http://127.0.0.1:8080/keys", true));
  EXPECT_TRUE(check_url("http://127.1.2.3/keys", true));
  EXPECT_TRUE(check_url("http://[::1]:9000/keys", true));
  EXPECT_TRUE(check_url("http://localhost/keys", true));
  EXPECT_TRUE(check_url("http://LocalHost:1/keys", true));
  for (const char* url : {"http://idp.example.com/keys", "http://10.0.0.1/keys", "http://128.0.0.1/",
                          "http://126.255.255.255/", "http://[::2]/", "http://[::ffff:127.0.0.1]/",
                          "http://localhost.example.com/", "http://0.0.0.0/"}) {
    auto r = check_url(url, true);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, Errc::insecure_url) << url;
  }
}

TEST(UrlPolicy, HostThatOnlyStartsWithALoopbackAddressIsNotLoopback) {
  // Boost.URL 1.81 reads these as host 127.0.0.1 plus a path not starting with "/"; curl would
  // resolve the whole name. They must be refused, never treated as loopback.
  for (const char* url : {"http://127.0.0.1.evil.example/", "http://127.0.0.1x/", "https://127.0.0.1.evil.example:443/k",
                          "http://[::1]x/"}) {
    EXPECT_FALSE(check_url(url, true)) << url;
    EXPECT_FALSE(is_loopback_url(url)) << url;
  }
}

TEST(UrlPolicy, OtherSchemesAndShapesAreRefused) {
  for (const char* url : {"ftp://127.0.0.1/keys", "file:///etc/passwd", "gopher://localhost/", "/relative/path",
                          "idp.example.com/keys", "", "https://", "https://user:pw@idp.example.com/keys",
                          "https://user@idp.example.com/keys", "https://idp.example.com/a b",
                          "https://idp.example.com/keys#frag"}) {
    auto r = check_url(url, true);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, Errc::bad_url) << url;
  }
}

TEST(UrlPolicy, LoopbackDetection) {
  EXPECT_TRUE(is_loopback_url("https://127.0.0.1/"));
  EXPECT_TRUE(is_loopback_url("https://localhost:8443/"));
  EXPECT_FALSE(is_loopback_url("https://idp.example.com/"));
  EXPECT_FALSE(is_loopback_url("not a url"));
}

TEST(UrlPolicy, PlainHttpAnywhereWhenTheRequestAllowsIt) {
  EXPECT_TRUE(check_url("http://receiver.example/done", false));
  EXPECT_TRUE(check_url("http://192.0.2.1:9000/", false));
  EXPECT_EQ(check_url("http://user@192.0.2.1/", false).error().code, Errc::bad_url) << "never userinfo";
  EXPECT_EQ(check_url("http://127.0.0.1.evil.example/", false).error().code, Errc::bad_url);
}

TEST(UrlPolicy, DestinationsAreLiteralsOrPlainNames) {
  auto literal = destination_of("http://[::1]:9000/x");
  ASSERT_TRUE(literal);
  EXPECT_TRUE(literal->address);
  EXPECT_EQ(literal->port, 9000u);
  auto name = destination_of("https://receiver-1.example_x./done");
  ASSERT_TRUE(name);
  EXPECT_FALSE(name->address);
  EXPECT_EQ(name->name, "receiver-1.example_x.");
  EXPECT_EQ(name->port, 443u);
  EXPECT_EQ(destination_of("http://local%68ost:9000/").error().code, Errc::bad_url) << "percent-encoding in a name";
}

}  // namespace
}  // namespace faasgate::http_client
