#include "faasgate/oidc/key_source.hpp"

#include <gtest/gtest.h>

#include "faasgate/http_client/fake_http_client.hpp"
#include "test_util.hpp"

namespace faasgate::oidc {
namespace {

using namespace std::chrono_literals;
using testing::issuer_spec;
using testing::jwks_of;

std::shared_ptr<const TrustedIssuer> compile(const iam::JwtIssuer& spec) {
  auto issuer = compile_issuer(spec);
  if (!issuer) throw std::runtime_error(to_string(issuer.error()));
  return std::make_shared<const TrustedIssuer>(std::move(*issuer));
}

std::string discovery(const std::string& issuer, const std::string& jwks_uri) {
  return R"({"issuer":")" + issuer + R"(","jwks_uri":")" + jwks_uri +
         R"(","response_types_supported":["id_token"],"id_token_signing_alg_values_supported":["RS256"]})";
}

class OidcKeySourceTest : public ::testing::Test {
 protected:
  jose::Signer signer = jose::Signer::generate();
  http_client::FakeHttpClient fetcher;
};

TEST_F(OidcKeySourceTest, DiscoveryThenJwksUri) {
  auto issuer = compile(issuer_spec("https://idp.example.com"));
  fetcher.set("https://idp.example.com/.well-known/openid-configuration",
              discovery("https://idp.example.com", "https://keys.example.com/jwks"));
  fetcher.set("https://keys.example.com/jwks", jwks_of({&signer}), "max-age=900");
  auto keys = fetch_keys(*issuer, fetcher);
  ASSERT_TRUE(keys) << keys.error().detail;
  EXPECT_EQ(keys->jwks_url, "https://keys.example.com/jwks");
  EXPECT_EQ(keys->max_age, 900s);
  ASSERT_EQ(keys->keys->keys().size(), 1u);
  EXPECT_EQ(keys->keys->keys()[0].kid(), signer.kid());
  EXPECT_EQ(fetcher.calls(), 2u);
}

TEST_F(OidcKeySourceTest, IssuerMismatchIsRefusedBeforeFetchingKeys) {
  auto issuer = compile(issuer_spec("https://idp.example.com"));
  fetcher.set("https://idp.example.com/.well-known/openid-configuration",
              discovery("https://evil.example.com", "https://idp.example.com/jwks"));
  fetcher.set("https://idp.example.com/jwks", jwks_of({&signer}));
  auto keys = fetch_keys(*issuer, fetcher);
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().code, KeyFetchErrc::issuer_mismatch);
  EXPECT_EQ(fetcher.calls("https://idp.example.com/jwks"), 0u);
}

TEST_F(OidcKeySourceTest, IssuerComparisonIsExact) {
  for (const char* other : {"https://idp.example.com/", "https://IDP.example.com", "http://idp.example.com", ""}) {
    auto jwks_uri = parse_discovery(discovery(other, "https://idp.example.com/jwks"), "https://idp.example.com");
    ASSERT_FALSE(jwks_uri) << other;
    EXPECT_EQ(jwks_uri.error().code, KeyFetchErrc::issuer_mismatch) << other;
  }
  auto missing = parse_discovery(R"({"jwks_uri":"https://idp.example.com/jwks"})", "https://idp.example.com");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, KeyFetchErrc::issuer_mismatch);
  auto not_string = parse_discovery(R"({"issuer":1,"jwks_uri":"https://idp.example.com/jwks"})", "https://idp.example.com");
  ASSERT_FALSE(not_string);
  EXPECT_EQ(not_string.error().code, KeyFetchErrc::issuer_mismatch);
}

TEST_F(OidcKeySourceTest, JwksUriMissingOrBadIsRefused) {
  auto missing = parse_discovery(R"({"issuer":"https://idp.example.com"})", "https://idp.example.com");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, KeyFetchErrc::missing_jwks_uri);
  for (const char* doc : {R"({"issuer":"https://idp.example.com","jwks_uri":7})",
                          R"({"issuer":"https://idp.example.com","jwks_uri":"/relative"})",
                          R"({"issuer":"https://idp.example.com","jwks_uri":"http://idp.example.com/jwks"})",
                          R"({"issuer":"https://idp.example.com","jwks_uri":"file:///etc/passwd"})",
                          R"({"issuer":"https://idp.example.com","jwks_uri":"https://idp.example.com/jwks#k"})",
                          R"({"issuer":"https://idp.example.com","jwks_uri":"https://127.0.0.1.evil.example/jwks"})"}) {
    auto r = parse_discovery(doc, "https://idp.example.com");
    ASSERT_FALSE(r) << doc;
    EXPECT_EQ(r.error().code, KeyFetchErrc::bad_jwks_uri) << doc;
  }
}

TEST_F(OidcKeySourceTest, MalformedDocumentsAreRefused) {
  for (const char* doc : {"", "not json", "[]", "\"x\"",
                          R"({"issuer":"https://idp.example.com","issuer":"https://idp.example.com","jwks_uri":"https://idp.example.com/jwks"})"}) {
    auto r = parse_discovery(doc, "https://idp.example.com");
    ASSERT_FALSE(r) << doc;
    EXPECT_EQ(r.error().code, KeyFetchErrc::bad_discovery_document) << doc;
  }
}

TEST_F(OidcKeySourceTest, IssInternalFetchesDiscoveryAndKeysFromTheInternalHost) {
  // The Kubernetes case: iss is the public name, the API server advertises its external address.
  auto spec = issuer_spec("https://kubernetes.default.svc.cluster.local");
  spec.iss_internal = "https://kubernetes.default.svc";
  spec.ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  auto issuer = compile(spec);
  fetcher.set("https://kubernetes.default.svc/.well-known/openid-configuration",
              discovery("https://kubernetes.default.svc.cluster.local", "https://172.18.0.2:6443/openid/v1/jwks?x=1"));
  fetcher.set("https://kubernetes.default.svc/openid/v1/jwks?x=1", jwks_of({&signer}));
  auto keys = fetch_keys(*issuer, fetcher);
  ASSERT_TRUE(keys) << keys.error().detail;
  EXPECT_EQ(keys->jwks_url, "https://kubernetes.default.svc/openid/v1/jwks?x=1");
  for (const auto& request : fetcher.requests()) {
    EXPECT_EQ(request.ca_file, spec.ca_file);
    EXPECT_EQ(request.url.rfind("https://kubernetes.default.svc/", 0), 0u) << request.url;
  }
}

TEST_F(OidcKeySourceTest, IssInternalStillRequiresIssuerEqualToIss) {
  auto spec = issuer_spec("https://kubernetes.default.svc.cluster.local");
  spec.iss_internal = "https://kubernetes.default.svc";
  auto issuer = compile(spec);
  fetcher.set("https://kubernetes.default.svc/.well-known/openid-configuration",
              discovery("https://kubernetes.default.svc", "https://kubernetes.default.svc/openid/v1/jwks"));
  auto keys = fetch_keys(*issuer, fetcher);
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().code, KeyFetchErrc::issuer_mismatch);
}

TEST_F(OidcKeySourceTest, RewriteCanBeTurnedOff) {
  auto spec = issuer_spec("https://kubernetes.default.svc.cluster.local");
  spec.iss_internal = "https://kubernetes.default.svc";
  auto issuer = compile(spec);
  fetcher.set("https://kubernetes.default.svc/.well-known/openid-configuration",
              discovery("https://kubernetes.default.svc.cluster.local", "https://172.18.0.2:6443/openid/v1/jwks"));
  fetcher.set("https://172.18.0.2:6443/openid/v1/jwks", jwks_of({&signer}));
  KeySourceOptions options;
  options.rewrite_jwks_uri_to_internal = false;
  auto keys = fetch_keys(*issuer, fetcher, options);
  ASSERT_TRUE(keys) << keys.error().detail;
  EXPECT_EQ(keys->jwks_url, "https://172.18.0.2:6443/openid/v1/jwks");
}

TEST_F(OidcKeySourceTest, RewriteOrigin) {
  EXPECT_EQ(*rewrite_origin("https://a.example:8443/p/q?x=1", "https://b.internal:6443/ignored/path"),
            "https://b.internal:6443/p/q?x=1");
  EXPECT_EQ(*rewrite_origin("https://a.example/keys", "http://127.0.0.1:9000"), "http://127.0.0.1:9000/keys");
  EXPECT_FALSE(rewrite_origin("https://a.example/keys", "not a url"));
}

TEST_F(OidcKeySourceTest, JwksUrlSkipsDiscovery) {
  auto spec = issuer_spec("https://idp.example.com");
  spec.jwks_url = "https://idp.example.com/keys";
  auto issuer = compile(spec);
  fetcher.set("https://idp.example.com/keys", jwks_of({&signer}));
  auto keys = fetch_keys(*issuer, fetcher);
  ASSERT_TRUE(keys) << keys.error().detail;
  EXPECT_EQ(fetcher.calls(), 1u);
  EXPECT_EQ(keys->max_age, std::nullopt);
}

TEST_F(OidcKeySourceTest, FetchErrorsAndBadKeySetsAreReported) {
  auto spec = issuer_spec("https://idp.example.com");
  spec.jwks_url = "https://idp.example.com/keys";
  auto issuer = compile(spec);
  auto missing = fetch_keys(*issuer, fetcher);  // the fake answers 404
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, KeyFetchErrc::fetch_failed);
  ASSERT_TRUE(missing.error().fetch);
  EXPECT_EQ(missing.error().fetch->status, 404);

  fetcher.set("https://idp.example.com/keys", "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}");
  auto bad = fetch_keys(*issuer, fetcher);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, KeyFetchErrc::bad_key_set);
  EXPECT_TRUE(bad.error().jose);

  auto inline_spec = issuer_spec("inline");
  inline_spec.jwks = jwks_of({&signer});
  auto none = fetch_keys(*compile(inline_spec), fetcher);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, KeyFetchErrc::no_key_source);
}

}  // namespace
}  // namespace faasgate::oidc
