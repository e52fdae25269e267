#include "faasgate/oidc/verifier.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "faasgate/http_client/curl_http_client.hpp"
#include "faasgate/http_client/fake_http_client.hpp"
#include "test_http_server.hpp"
#include "test_util.hpp"

namespace faasgate::oidc {
namespace {

using namespace std::chrono_literals;
using testing::issuer_spec;
using testing::jwks_of;
using testing::sign;

const core::Instant now = core::from_unix(1'700'000'000);
const std::string kIss = "https://idp.example.com";
const std::string kAud = "https://gateway.example.com";
const std::string kKeys = "https://idp.example.com/keys";

boost::json::object claims(const std::string& iss = kIss, boost::json::value aud = boost::json::value(kAud)) {
  boost::json::object c;
  c["iss"] = iss;
  c["sub"] = "system:serviceaccount:dev:app";
  c["aud"] = aud;
  c["iat"] = core::to_unix(now) - 10;
  c["nbf"] = core::to_unix(now) - 10;
  c["exp"] = core::to_unix(now) + 600;
  c["jti"] = "jti-1";
  return c;
}

class OidcVerifierTest : public ::testing::Test {
 protected:
  OidcVerifierTest() {
    auto fetched = issuer_spec(kIss);
    fetched.jwks_url = kKeys;
    fetched.token_expiry = 30min;
    auto inline_spec = issuer_spec("https://inline.example.com");
    inline_spec.jwks = jwks_of({&signer});
    auto set = IssuerSet::build({fetched, inline_spec});
    if (!set) throw std::runtime_error(to_string(set.error()));
    verifier.set_issuers(*set);
    fetcher.set(kKeys, jwks_of({&signer}));
  }

  core::Expected<VerifiedSubject, VerifyError> verify(const std::string& token, core::Instant at = now) {
    return verifier.verify(token, at, FetchMode::may_fetch);
  }

  void expect_error(const std::string& token, VerifyErrc code, core::Instant at = now) {
    auto r = verify(token, at);
    ASSERT_FALSE(r) << "expected " << to_string(code);
    EXPECT_EQ(r.error().code, code) << to_string(r.error().code) << ": " << r.error().detail;
    // The description never carries the token, nor its signature.
    EXPECT_EQ(r.error().detail.find(token), std::string::npos);
    if (auto dot = token.rfind('.'); dot != std::string::npos && token.size() - dot > 8) {
      EXPECT_EQ(r.error().detail.find(token.substr(dot + 1)), std::string::npos);
    }
  }

  jose::Signer signer = jose::Signer::generate();
  jose::Signer stranger = jose::Signer::generate();
  http_client::FakeHttpClient fetcher;
  KeyCache cache{fetcher};
  SubjectTokenVerifier verifier{IssuerSet::empty(), cache};
};

TEST_F(OidcVerifierTest, ValidTokenOfAFetchedIssuer) {
  auto r = verify(sign(signer, claims()));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->jwt.string_claim("sub"), "system:serviceaccount:dev:app");
  EXPECT_EQ(r->jwt.key_id(), signer.kid());
  ASSERT_TRUE(r->issuer);
  EXPECT_EQ(r->issuer->iss, kIss);
  EXPECT_EQ(r->issuer->token_expiry, 30min);
}

TEST_F(OidcVerifierTest, ValidTokenOfAnInlineIssuer) {
  auto r = verify(sign(signer, claims("https://inline.example.com")));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->issuer->token_expiry, 2h);
  EXPECT_EQ(fetcher.calls(), 0u);
}

TEST_F(OidcVerifierTest, AudienceListContainingOneOfOurs) {
  boost::json::array aud{"https://other.example.com", kAud};
  ASSERT_TRUE(verify(sign(signer, claims(kIss, aud))));
  expect_error(sign(signer, claims(kIss, boost::json::array{"https://other.example.com"})), VerifyErrc::wrong_audience);
  expect_error(sign(signer, claims(kIss, boost::json::value("https://other.example.com"))), VerifyErrc::wrong_audience);
}

TEST_F(OidcVerifierTest, CacheOnlyReportsKeysNotCachedThenMayFetchSucceeds) {
  const auto token = sign(signer, claims());
  auto first = verifier.verify(token, now, FetchMode::cache_only);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, VerifyErrc::keys_not_cached);
  EXPECT_EQ(fetcher.calls(), 0u);  // the I/O thread never fetches
  ASSERT_TRUE(verifier.verify(token, now, FetchMode::may_fetch));
  EXPECT_EQ(fetcher.calls(), 1u);
  auto cached = verifier.verify(token, now + 1s, FetchMode::cache_only);
  ASSERT_TRUE(cached) << cached.error().detail;
  EXPECT_EQ(fetcher.calls(), 1u);
}

TEST_F(OidcVerifierTest, UnknownIssuerNeverFetches) {
  expect_error(sign(signer, claims("https://evil.example.com")), VerifyErrc::unknown_issuer);
  expect_error(sign(signer, claims("https://idp.example.com/")), VerifyErrc::unknown_issuer);
  EXPECT_EQ(fetcher.calls(), 0u);
}

TEST_F(OidcVerifierTest, MissingIssuer) {
  auto c = claims();
  c.erase("iss");
  expect_error(sign(signer, c), VerifyErrc::missing_issuer);
  c["iss"] = 5;
  expect_error(sign(signer, c), VerifyErrc::missing_issuer);
}

TEST_F(OidcVerifierTest, Malformed) {
  for (const char* token : {"", "abc", "a.b", "a.b.c", "eyJhbGciOiJFUzI1NiJ9..", "a.b.c.d.e"}) {
    auto r = verify(token);
    ASSERT_FALSE(r) << token;
    EXPECT_EQ(r.error().code, VerifyErrc::malformed) << token << " -> " << to_string(r.error().code);
    ASSERT_TRUE(r.error().jose);
  }
  auto huge = std::string(20000, 'a') + "." + std::string(10, 'b') + "." + std::string(10, 'c');
  auto r = verify(huge);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, VerifyErrc::malformed);
}

TEST_F(OidcVerifierTest, SignatureOfAnotherTokenIsRejected) {
  const auto good = sign(signer, claims());
  auto other_claims = claims();
  other_claims["sub"] = "system:serviceaccount:kube-system:admin";
  const auto other = sign(signer, other_claims);
  // other's header+payload with good's signature.
  const auto forged = other.substr(0, other.rfind('.')) + good.substr(good.rfind('.'));
  expect_error(forged, VerifyErrc::bad_signature);
}

TEST_F(OidcVerifierTest, KeyOfAStrangerIsNotFound) {
  expect_error(sign(stranger, claims()), VerifyErrc::no_matching_key);
}

TEST_F(OidcVerifierTest, DisallowedAlgorithm) {
  auto spec = issuer_spec(kIss);
  spec.jwks_url = kKeys;
  spec.algorithms = {"RS256"};
  auto set = IssuerSet::build({spec});
  ASSERT_TRUE(set);
  verifier.set_issuers(*set);
  expect_error(sign(signer, claims()), VerifyErrc::disallowed_algorithm);
}

TEST_F(OidcVerifierTest, ExpiryWithLeeway) {
  auto c = claims();
  c["exp"] = core::to_unix(now) - 59;
  ASSERT_TRUE(verify(sign(signer, c)));
  c["exp"] = core::to_unix(now) - 60;
  expect_error(sign(signer, c), VerifyErrc::expired);
  c.erase("exp");
  expect_error(sign(signer, c), VerifyErrc::invalid_claims);
}

TEST_F(OidcVerifierTest, NotYetValidAndIssuedInFuture) {
  auto c = claims();
  c["nbf"] = core::to_unix(now) + 61;
  expect_error(sign(signer, c), VerifyErrc::not_yet_valid);
  c = claims();
  c["iat"] = core::to_unix(now) + 61;
  c["nbf"] = core::to_unix(now) - 10;
  expect_error(sign(signer, c), VerifyErrc::issued_in_future);
}

TEST_F(OidcVerifierTest, KeysUnavailable) {
  fetcher.set_error(kKeys, http_client::Error{http_client::Errc::connect_failed, "GET " + kKeys + ": connection refused"});
  expect_error(sign(signer, claims()), VerifyErrc::keys_unavailable);
  // Inside the cooldown a cache-only verification reports the failure instead of another fetch.
  auto r = verifier.verify(sign(signer, claims()), now + 1s, FetchMode::cache_only);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, VerifyErrc::keys_unavailable);
  EXPECT_EQ(fetcher.calls(), 1u);
}

TEST_F(OidcVerifierTest, RotatedKeyIsPickedUpAfterTheCooldown) {
  ASSERT_TRUE(verify(sign(signer, claims())));
  auto rotated = jose::Signer::generate();
  fetcher.set(kKeys, jwks_of({&signer, &rotated}));
  const auto token = sign(rotated, claims());
  expect_error(token, VerifyErrc::no_matching_key, now + 10s);  // inside the cooldown
  auto io = verifier.verify(token, now + 30s, FetchMode::cache_only);
  ASSERT_FALSE(io);
  EXPECT_EQ(io.error().code, VerifyErrc::keys_not_cached);
  ASSERT_TRUE(verify(token, now + 30s));
}

TEST_F(OidcVerifierTest, ReloadSwapsTheIssuerSet) {
  const auto token = sign(signer, claims());
  ASSERT_TRUE(verify(token));
  auto held = verifier.issuers();
  verifier.set_issuers(IssuerSet::empty());
  expect_error(token, VerifyErrc::unknown_issuer);
  EXPECT_EQ(held->size(), 2u);  // the old snapshot is intact for whoever holds it
  EXPECT_EQ(cache.stats().entries, 0u);  // pruned
}

TEST_F(OidcVerifierTest, VerifyWithKeysForAnyKeySource) {
  auto jwt = jose::UnverifiedJwt::parse(sign(signer, claims()));
  ASSERT_TRUE(jwt);
  jose::KeySet keys({signer.public_key()});
  jose::ClaimRules rules;
  rules.issuer = kIss;
  rules.audiences = {kAud};
  auto algs = jose::default_algorithms();
  auto ok = verify_with_keys(*jwt, keys, algs, rules, now);
  ASSERT_TRUE(ok) << ok.error().detail;
  rules.audiences = {"nope"};
  auto bad = verify_with_keys(*jwt, keys, algs, rules, now);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, VerifyErrc::wrong_audience);
  EXPECT_EQ(bad.error().jose, jose::Errc::wrong_audience);
}

TEST(OidcVerifyErrcNames, AreDistinct) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(VerifyErrc::invalid_claims); ++i) names.insert(to_string(static_cast<VerifyErrc>(i)));
  EXPECT_EQ(names.size(), static_cast<std::size_t>(VerifyErrc::invalid_claims) + 1);
  EXPECT_EQ(names.count("unknown"), 0u);
}

// End to end over real HTTP on loopback: discovery, jwks_uri, Cache-Control, then verification.
TEST(OidcVerifierOverHttp, DiscoveryAndKeysFromALoopbackServer) {
  auto signer = jose::Signer::generate();
  const std::string jwks = jwks_of({&signer});
  std::string base;  // set once the port is known
  std::mutex mu;
  http_client::testing::TestHttpServer server([&](const std::string& path) {
    http_client::testing::TestResponse r;
    std::lock_guard lock(mu);
    if (path == "/.well-known/openid-configuration") {
      r.body = R"({"issuer":")" + base + R"(","jwks_uri":")" + base + R"(/keys"})";
    } else if (path == "/keys") {
      r.headers = {{"Cache-Control", "max-age=900"}};
      r.body = jwks;
    } else {
      r.status = 404;
    }
    return r;
  });
  {
    std::lock_guard lock(mu);
    base = server.base_url();
  }
  auto set = IssuerSet::build({issuer_spec(base, {kAud})});
  ASSERT_TRUE(set) << to_string(set.error());
  http_client::CurlHttpClient fetcher;
  KeyCache cache(fetcher);
  SubjectTokenVerifier verifier(*set, cache);
  auto c = claims(base);
  c["exp"] = core::to_unix(now) + 3600;
  const auto token = sign(signer, c);
  auto io = verifier.verify(token, now, FetchMode::cache_only);
  ASSERT_FALSE(io);
  EXPECT_EQ(io.error().code, VerifyErrc::keys_not_cached);
  auto r = verifier.verify(token, now, FetchMode::may_fetch);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(server.paths(), (std::vector<std::string>{"/.well-known/openid-configuration", "/keys"}));
  EXPECT_TRUE(verifier.verify(token, now + 899s, FetchMode::cache_only));
  auto expired = verifier.verify(token, now + 900s, FetchMode::cache_only);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, VerifyErrc::keys_not_cached);
}

}  // namespace
}  // namespace faasgate::oidc
