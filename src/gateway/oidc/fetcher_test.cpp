#include "faasgate/oidc/fetcher.hpp"

#include <gtest/gtest.h>

#include "faasgate/http_client/fake_http_client.hpp"

namespace faasgate::oidc {
namespace {

using std::chrono::seconds;

FetchRequest get(std::string url) {
  FetchRequest request;
  request.url = std::move(url);
  request.ca_file = "/etc/idp-ca.pem";
  return request;
}

TEST(OidcFetch, A200IsTheDocumentWithItsMaxAge) {
  http_client::FakeHttpClient client;
  client.set("https://idp.example.com/keys", "{\"keys\":[]}", "public, max-age=600");
  auto r = fetch(client, get("https://idp.example.com/keys"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->body, "{\"keys\":[]}");
  EXPECT_EQ(r->max_age, seconds{600});
  auto requests = client.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].ca_file, "/etc/idp-ca.pem");
  EXPECT_TRUE(requests[0].plain_http_only_to_loopback);
  EXPECT_EQ(requests[0].address_policy, nullptr);
}

TEST(OidcFetch, AnyOtherStatusIsAnErrorThatDoesNotCarryTheBody) {
  http_client::FakeHttpClient client;
  client.set("https://idp.example.com/redirect", http_client::Response{302, "", std::nullopt});
  client.set("https://idp.example.com/error", http_client::Response{500, "secret internals", std::nullopt});
  auto redirect = fetch(client, get("https://idp.example.com/redirect"));
  ASSERT_FALSE(redirect);
  EXPECT_EQ(redirect.error().code, FetchErrc::http_status);
  EXPECT_EQ(redirect.error().status, 302);
  EXPECT_NE(redirect.error().detail.find("not followed"), std::string::npos) << redirect.error().detail;
  auto missing = fetch(client, get("https://idp.example.com/missing"));  // the fake answers 404
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().status, 404);
  auto error = fetch(client, get("https://idp.example.com/error"));
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().status, 500);
  EXPECT_EQ(error.error().detail.find("secret internals"), std::string::npos);
}

TEST(OidcFetch, TransportErrorsKeepTheirReason) {
  http_client::FakeHttpClient client;
  client.fail_call(1, http_client::Error{http_client::Errc::tls_failed, "untrusted"});
  EXPECT_EQ(fetch(client, get("https://idp.example.com/keys")).error().code, FetchErrc::tls_failed);
  EXPECT_EQ(fetch(client, get("http://idp.example.com/keys")).error().code, FetchErrc::insecure_url);
  EXPECT_EQ(check_fetch_url("http://idp.example.com/keys").error().code, FetchErrc::insecure_url);
  EXPECT_TRUE(check_fetch_url("http://127.0.0.1:8080/keys"));
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
