#include "faasgate/oidc/fetcher.hpp"

#include <gtest/gtest.h>

namespace faasgate::oidc {
namespace {

using std::chrono::seconds;

TEST(OidcFetchUrlPolicy, HttpsToAnyHostIsAllowed) {
  EXPECT_TRUE(check_fetch_url("https://idp.example.com/.well-known/openid-configuration"));
  EXPECT_TRUE(check_fetch_url("https://10.0.0.1:6443/openid/v1/jwks"));
  EXPECT_TRUE(check_fetch_url("HTTPS://idp.example.com/keys"));
}

TEST(OidcFetchUrlPolicy, HttpOnlyToLoopback) {
  EXPECT_TRUE(check_fetch_url("http://127.0.0.1:8080/keys"));
  EXPECT_TRUE(check_fetch_url("http://127.1.2.3/keys"));
  EXPECT_TRUE(check_fetch_url("http://[::1]:9000/keys"));
  EXPECT_TRUE(check_fetch_url("http://localhost/keys"));
  EXPECT_TRUE(check_fetch_url("http://LocalHost:1/keys"));
  for (const char* url : {"http://idp.example.com/keys", "http://10.0.0.1/keys", "http://128.0.0.1/",
                          "http://126.255.255.255/", "http://[::2]/", "http://[::ffff:127.0.0.1]/",
                          "http://localhost.example.com/", "http://0.0.0.0/"}) {
    auto r = check_fetch_url(url);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, FetchErrc::insecure_url) << url;
  }
}

TEST(OidcFetchUrlPolicy, HostThatOnlyStartsWithALoopbackAddressIsNotLoopback) {
  // Boost.URL 1.81 reads these as host 127.0.0.1 plus a path not starting with "/"; curl would
  // resolve the whole name. They must be refused, never treated as loopback.
  for (const char* url : {"http://127.0.0.1.evil.example/", "http://127.0.0.1x/", "https://127.0.0.1.evil.example:443/k",
                          "http://[::1]x/"}) {
    EXPECT_FALSE(check_fetch_url(url)) << url;
    EXPECT_FALSE(is_loopback_url(url)) << url;
  }
}

TEST(OidcFetchUrlPolicy, OtherSchemesAndShapesAreRefused) {
  for (const char* url : {"ftp://127.0.0.1/keys", "file:///etc/passwd", "gopher://localhost/", "/relative/path",
                          "idp.example.com/keys", "", "https://", "https://user:pw@idp.example.com/keys",
                          "https://user@idp.example.com/keys", "https://idp.example.com/a b",
                          "https://idp.example.com/keys#frag"}) {
    auto r = check_fetch_url(url);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, FetchErrc::bad_url) << url;
  }
}

TEST(OidcFetchUrlPolicy, LoopbackDetection) {
  EXPECT_TRUE(is_loopback_url("https://127.0.0.1/"));
  EXPECT_TRUE(is_loopback_url("https://localhost:8443/"));
  EXPECT_FALSE(is_loopback_url("https://idp.example.com/"));
  EXPECT_FALSE(is_loopback_url("not a url"));
}

TEST(OidcParseMaxAge, Values) {
  EXPECT_EQ(parse_max_age("max-age=3600"), seconds{3600});
  EXPECT_EQ(parse_max_age("public, max-age=600, must-revalidate"), seconds{600});
  EXPECT_EQ(parse_max_age("Max-Age=7"), seconds{7});
  EXPECT_EQ(parse_max_age("max-age=\"120\""), seconds{120});
  EXPECT_EQ(parse_max_age("  max-age = 5 "), seconds{5});
  EXPECT_EQ(parse_max_age("max-age=0"), seconds{0});
  EXPECT_EQ(parse_max_age("max-age=99999999999999999999999"), seconds{2147483648LL});
  EXPECT_EQ(parse_max_age("max-age=600, max-age=60"), seconds{60});  // conflicting: the smaller
}

TEST(OidcParseMaxAge, NoStoreAndNoCacheMeanZero) {
  EXPECT_EQ(parse_max_age("no-store"), seconds{0});
  EXPECT_EQ(parse_max_age("no-cache, max-age=600"), seconds{0});
}

TEST(OidcParseMaxAge, AbsentOrMalformed) {
  EXPECT_EQ(parse_max_age(""), std::nullopt);
  EXPECT_EQ(parse_max_age("public"), std::nullopt);
  EXPECT_EQ(parse_max_age("max-age="), std::nullopt);
  EXPECT_EQ(parse_max_age("max-age=-5"), std::nullopt);
  EXPECT_EQ(parse_max_age("max-age=12abc"), std::nullopt);
  EXPECT_EQ(parse_max_age("s-maxage=100"), std::nullopt);
}

}  // namespace
}  // namespace faasgate::oidc
