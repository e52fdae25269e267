#include "faasgate/oidc/issuers.hpp"

#include <gtest/gtest.h>

#include <set>

#include "test_util.hpp"

namespace faasgate::oidc {
namespace {

using namespace std::chrono_literals;
using testing::issuer_spec;
using testing::jwks_of;

IssuerConfigError build_error(const std::vector<iam::JwtIssuer>& specs) {
  auto set = IssuerSet::build(specs);
  EXPECT_FALSE(set);
  return set ? IssuerConfigError{} : set.error();
}

TEST(OidcIssuerSet, KubernetesSeedIssuerWithDefaults) {
  auto spec = issuer_spec("https://kubernetes.default.svc.cluster.local");
  spec.meta.name = "kubernetes";
  spec.token_expiry = 2h;
  auto set = IssuerSet::build({spec});
  ASSERT_TRUE(set) << to_string(set.error());
  auto issuer = (*set)->find("https://kubernetes.default.svc.cluster.local");
  ASSERT_TRUE(issuer);
  EXPECT_EQ(issuer->name, "openfaas/kubernetes");
  EXPECT_EQ(issuer->source, KeySourceKind::discovery);
  EXPECT_EQ(issuer->discovery_url(), "https://kubernetes.default.svc.cluster.local/.well-known/openid-configuration");
  EXPECT_EQ(issuer->token_expiry, 2h);
  EXPECT_EQ(issuer->leeway, 60s);
  auto defaults = jose::default_algorithms();
  EXPECT_EQ(issuer->algorithms, std::vector<jose::Algorithm>(defaults.begin(), defaults.end()));
  EXPECT_EQ(issuer->audiences, std::vector<std::string>{"https://gateway.example.com"});
  auto rules = issuer->claim_rules();
  EXPECT_EQ(rules.issuer, issuer->iss);
  EXPECT_EQ(rules.audiences, issuer->audiences);
  EXPECT_EQ(rules.leeway, 60s);
  EXPECT_TRUE(rules.require_exp);
}

TEST(OidcIssuerSet, DefaultTokenExpiryIsTwoHours) {
  auto set = IssuerSet::build({issuer_spec("https://idp.example.com")});
  ASSERT_TRUE(set);
  EXPECT_EQ((*set)->find("https://idp.example.com")->token_expiry, 2h);
}

TEST(OidcIssuerSet, FindIsExact) {
  auto set = IssuerSet::build({issuer_spec("https://idp.example.com/realms/a")});
  ASSERT_TRUE(set);
  EXPECT_TRUE((*set)->find("https://idp.example.com/realms/a"));
  EXPECT_FALSE((*set)->find("https://idp.example.com/realms/a/"));
  EXPECT_FALSE((*set)->find("https://IDP.example.com/realms/a"));
  EXPECT_FALSE((*set)->find("https://idp.example.com/realms/"));
  EXPECT_FALSE((*set)->find(""));
}

TEST(OidcIssuerSet, DiscoveryUrlDropsTrailingSlashAndUsesIssInternal) {
  auto a = issuer_spec("https://idp.example.com/realms/x/");
  auto b = issuer_spec("https://kubernetes.default.svc.cluster.local");
  b.iss_internal = "https://kubernetes.default.svc:443/";
  auto set = IssuerSet::build({a, b});
  ASSERT_TRUE(set) << to_string(set.error());
  EXPECT_EQ((*set)->find(a.iss)->discovery_url(), "https://idp.example.com/realms/x/.well-known/openid-configuration");
  EXPECT_EQ((*set)->find(b.iss)->discovery_url(), "https://kubernetes.default.svc:443/.well-known/openid-configuration");
}

TEST(OidcIssuerSet, AlgorithmsAreParsedAndUnsafeOnesRefused) {
  auto spec = issuer_spec("https://idp.example.com");
  spec.algorithms = {"RS256", "ES384"};
  auto set = IssuerSet::build({spec});
  ASSERT_TRUE(set);
  EXPECT_EQ((*set)->find(spec.iss)->algorithms,
            (std::vector<jose::Algorithm>{jose::Algorithm::RS256, jose::Algorithm::ES384}));
  for (const char* bad : {"HS256", "none", "rs256", "ES256K", ""}) {
    spec.algorithms = {"RS256", bad};
    EXPECT_EQ(build_error({spec}).field, "spec.algorithms") << bad;
  }
}

TEST(OidcIssuerSet, RequiredFields) {
  EXPECT_EQ(build_error({issuer_spec("")}).field, "spec.iss");
  EXPECT_EQ(build_error({issuer_spec("https://idp.example.com", {})}).field, "spec.aud");
  EXPECT_EQ(build_error({issuer_spec("https://idp.example.com", {"a", ""})}).field, "spec.aud");
}

TEST(OidcIssuerSet, DuplicateIssIsRefused) {
  auto a = issuer_spec("https://idp.example.com");
  auto b = issuer_spec("https://idp.example.com");
  b.meta.name = "other";
  auto e = build_error({a, b});
  EXPECT_EQ(e.issuer, "openfaas/other");
  EXPECT_EQ(e.field, "spec.iss");
}

TEST(OidcIssuerSet, LeewayAndExpiryBounds) {
  auto spec = issuer_spec("https://idp.example.com");
  spec.leeway = 301s;
  EXPECT_EQ(build_error({spec}).field, "spec.leeway");
  spec.leeway = -1s;
  EXPECT_EQ(build_error({spec}).field, "spec.leeway");
  spec.leeway = 0s;
  ASSERT_TRUE(IssuerSet::build({spec}));
  spec.leeway = 300s;
  ASSERT_TRUE(IssuerSet::build({spec}));
  spec.token_expiry = 0s;
  EXPECT_EQ(build_error({spec}).field, "spec.tokenExpiry");
}

TEST(OidcIssuerSet, FetchUrlsMustPassThePolicy) {
  EXPECT_EQ(build_error({issuer_spec("http://idp.example.com")}).field, "spec.iss");
  EXPECT_EQ(build_error({issuer_spec("not-a-url")}).field, "spec.iss");
  EXPECT_EQ(build_error({issuer_spec("https://idp.example.com/?x=1")}).field, "spec.iss");
  ASSERT_TRUE(IssuerSet::build({issuer_spec("http://127.0.0.1:8080")}));

  auto spec = issuer_spec("https://idp.example.com");
  spec.iss_internal = "http://idp.internal";
  EXPECT_EQ(build_error({spec}).field, "spec.issInternal");
  spec.iss_internal.reset();
  spec.jwks_url = "http://idp.example.com/keys";
  EXPECT_EQ(build_error({spec}).field, "spec.jwksUrl");
  spec.jwks_url = "https://keys.example.com/jwks";
  auto set = IssuerSet::build({spec});
  ASSERT_TRUE(set);
  EXPECT_EQ((*set)->find(spec.iss)->source, KeySourceKind::jwks_url);
  EXPECT_EQ((*set)->find(spec.iss)->discovery_url(), "");
}

TEST(OidcIssuerSet, ContradictoryKeySourcesAreRefused) {
  auto signer = jose::Signer::generate();
  auto spec = issuer_spec("https://idp.example.com");
  spec.jwks = jwks_of({&signer});
  spec.jwks_url = "https://idp.example.com/keys";
  EXPECT_EQ(build_error({spec}).field, "spec.jwks");
  spec.jwks_url.reset();
  spec.iss_internal = "https://idp.internal";
  EXPECT_EQ(build_error({spec}).field, "spec.jwks");
  spec.iss_internal.reset();
  spec.ca_file = "/etc/ca.pem";
  EXPECT_EQ(build_error({spec}).field, "spec.jwks");

  auto url = issuer_spec("https://idp.example.com");
  url.jwks_url = "https://idp.example.com/keys";
  url.iss_internal = "https://idp.internal";
  EXPECT_EQ(build_error({url}).field, "spec.jwksUrl");
}

TEST(OidcIssuerSet, InlineJwksIsParsedOnce) {
  auto signer = jose::Signer::generate();
  auto spec = issuer_spec("air-gapped-issuer");  // no URL needed: nothing is fetched
  spec.jwks = jwks_of({&signer});
  auto set = IssuerSet::build({spec});
  ASSERT_TRUE(set) << to_string(set.error());
  auto issuer = (*set)->find("air-gapped-issuer");
  ASSERT_TRUE(issuer);
  EXPECT_EQ(issuer->source, KeySourceKind::inline_jwks);
  ASSERT_TRUE(issuer->inline_keys);
  ASSERT_EQ(issuer->inline_keys->keys().size(), 1u);
  EXPECT_EQ(issuer->inline_keys->keys()[0].kid(), signer.kid());

  spec.jwks = "{\"keys\":[{\"kty\":\"EC\"}]}";
  EXPECT_EQ(build_error({spec}).field, "spec.jwks");
  spec.jwks = "not json";
  EXPECT_EQ(build_error({spec}).field, "spec.jwks");
  spec.jwks = "{\"keys\":[]}";
  EXPECT_EQ(build_error({spec}).field, "spec.jwks");
}

TEST(OidcIssuerSet, CacheIdIsTheKeySourceIdentity) {
  auto a = issuer_spec("https://idp.example.com");
  auto set1 = IssuerSet::build({a});
  auto set2 = IssuerSet::build({a});
  ASSERT_TRUE(set1 && set2);
  EXPECT_EQ((*set1)->find(a.iss)->cache_id, (*set2)->find(a.iss)->cache_id);

  auto with_ca = a;
  with_ca.ca_file = "/etc/ca.pem";
  auto with_internal = a;
  with_internal.iss_internal = "https://idp.internal";
  auto with_url = a;
  with_url.jwks_url = "https://idp.example.com/keys";
  std::set<std::string> ids;
  for (const auto& spec : {a, with_ca, with_internal, with_url}) {
    auto set = IssuerSet::build({spec});
    ASSERT_TRUE(set);
    ids.insert((*set)->find(a.iss)->cache_id);
  }
  EXPECT_EQ(ids.size(), 4u);
  // Audiences, algorithms, leeway, expiry do not change where keys come from.
  auto other = a;
  other.aud = {"x"};
  other.algorithms = {"ES256"};
  other.leeway = 0s;
  auto set3 = IssuerSet::build({other});
  ASSERT_TRUE(set3);
  EXPECT_EQ((*set3)->find(a.iss)->cache_id, (*set1)->find(a.iss)->cache_id);
}

TEST(OidcIssuerSet, EmptySet) {
  EXPECT_EQ(IssuerSet::empty()->size(), 0u);
  EXPECT_FALSE(IssuerSet::empty()->find("https://idp.example.com"));
  auto set = IssuerSet::build({});
  ASSERT_TRUE(set);
  EXPECT_EQ((*set)->size(), 0u);
}

}  // namespace
}  // namespace faasgate::oidc
