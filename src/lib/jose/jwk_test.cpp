#include "faasgate/jose/jwk.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "faasgate/core/base64.hpp"
#include "test_support.hpp"

namespace faasgate::jose {
namespace {

namespace json = boost::json;

// RFC 7638 §3.1.
constexpr const char* kRfc7638Modulus =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
    "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5"
    "hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

// Wycheproof's P-256 key (json_web_signature_test.json, group es256).
constexpr const char* kEcX = "04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY";
constexpr const char* kEcY = "UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw";

json::object rsa_jwk() { return json::object{{"kty", "RSA"}, {"n", kRfc7638Modulus}, {"e", "AQAB"}, {"kid", "2011-04-29"}}; }
json::object ec_jwk() { return json::object{{"kty", "EC"}, {"crv", "P-256"}, {"x", kEcX}, {"y", kEcY}}; }

Errc jwk_error(const json::object& jwk) {
  auto key = PublicKey::from_jwk(jwk);
  EXPECT_FALSE(key) << json::serialize(jwk);
  return key ? Errc{} : key.error().code;
}

TEST(Jwk, Rfc7638Thumbprint) {
  auto key = PublicKey::from_jwk(rsa_jwk());
  ASSERT_TRUE(key) << key.error().detail;
  EXPECT_EQ(key->thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(key->kid(), "2011-04-29");
  EXPECT_EQ(key->type(), KeyType::rsa);
  EXPECT_FALSE(key->declared_alg());
  EXPECT_TRUE(key->accepts(Algorithm::RS256));
  EXPECT_TRUE(key->accepts(Algorithm::PS512));
  EXPECT_FALSE(key->accepts(Algorithm::ES256));
}

TEST(Jwk, DeclaredAlgPinsTheKey) {
  auto jwk = ec_jwk();
  jwk["alg"] = "ES256";
  auto key = PublicKey::from_jwk(jwk);
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->accepts(Algorithm::ES256));
  auto rsa = rsa_jwk();
  rsa["alg"] = "PS256";
  auto pss = PublicKey::from_jwk(rsa);
  ASSERT_TRUE(pss);
  EXPECT_TRUE(pss->accepts(Algorithm::PS256));
  EXPECT_FALSE(pss->accepts(Algorithm::RS256));
  EXPECT_FALSE(pss->accepts(Algorithm::PS384));
  EXPECT_FALSE(PublicKey{}.accepts(Algorithm::RS256));
}

TEST(Jwk, ToJwkRoundTripsAndKeepsOnlyPublicMembers) {
  auto jwk = ec_jwk();
  jwk["kid"] = "k";
  jwk["alg"] = "ES256";
  auto key = PublicKey::from_jwk(jwk);
  ASSERT_TRUE(key);
  auto out = key->to_jwk();
  EXPECT_EQ(out, (json::object{{"crv", "P-256"}, {"kty", "EC"}, {"x", kEcX}, {"y", kEcY}, {"kid", "k"}, {"alg", "ES256"}, {"use", "sig"}}));
  auto again = PublicKey::from_jwk(out);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->thumbprint(), key->thumbprint());
}

TEST(Jwk, FromEvpMatchesFromJwkForEveryKeyType) {
  for (Algorithm alg : {Algorithm::RS256, Algorithm::ES256, Algorithm::ES384, Algorithm::ES512, Algorithm::EdDSA}) {
    SCOPED_TRACE(std::string(name(alg)));
    auto private_key = testing::generate_key(alg);
    auto key = PublicKey::from_evp(private_key, "k", alg);
    ASSERT_TRUE(key) << key.error().detail;
    EXPECT_NE(key->evp(), private_key.get());  // a public-only copy, not the private key
    auto reparsed = PublicKey::from_jwk(key->to_jwk());
    ASSERT_TRUE(reparsed) << reparsed.error().detail;
    EXPECT_EQ(reparsed->thumbprint(), key->thumbprint());
    EXPECT_EQ(EVP_PKEY_eq(reparsed->evp(), key->evp()), 1);
  }
  auto ec = testing::generate_key(Algorithm::ES256);
  EXPECT_EQ(PublicKey::from_evp(ec, "", Algorithm::RS256).error().code, Errc::bad_key);
}

TEST(Jwk, EcPointMustBeOnTheCurveWithExactCoordinates) {
  auto jwk = ec_jwk();
  jwk["y"] = "UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgnw";  // Wycheproof invalid_point
  EXPECT_EQ(jwk_error(jwk), Errc::bad_key);
  jwk = ec_jwk();
  jwk["crv"] = "P-384";
  EXPECT_EQ(jwk_error(jwk), Errc::bad_key);
  // A coordinate without its leading zero byte (or with an extra one) is not the field size.
  auto x = *core::base64url_decode(kEcX);
  x.insert(x.begin(), 0);
  jwk = ec_jwk();
  jwk["x"] = core::base64url_encode(std::span<const std::uint8_t>(x));
  EXPECT_EQ(jwk_error(jwk), Errc::bad_key);
  jwk = ec_jwk();
  jwk["x"] = core::base64url_encode(std::span<const std::uint8_t>(x).subspan(2));
  EXPECT_EQ(jwk_error(jwk), Errc::bad_key);
  // x >= p.
  jwk = ec_jwk();
  jwk["x"] = core::base64url_encode(std::vector<std::uint8_t>(32, 0xff));
  EXPECT_EQ(jwk_error(jwk), Errc::bad_key);
  jwk = ec_jwk();
  jwk.erase("y");
  EXPECT_EQ(jwk_error(jwk), Errc::bad_key);
  jwk = ec_jwk();
  jwk["x"] = std::string(kEcX) + "=";
  EXPECT_EQ(jwk_error(jwk), Errc::bad_key);
  jwk = ec_jwk();
  jwk["alg"] = "ES384";
  EXPECT_EQ(jwk_error(jwk), Errc::bad_key);
}

TEST(Jwk, UnsupportedKinds) {
  EXPECT_EQ(jwk_error({{"kty", "oct"}}), Errc::unsupported_key);
  EXPECT_EQ(jwk_error({{"kty", "EC"}, {"crv", "secp256k1"}, {"x", kEcX}, {"y", kEcY}}), Errc::unsupported_key);
  EXPECT_EQ(jwk_error({{"kty", "OKP"}, {"crv", "X25519"}, {"x", kEcX}}), Errc::unsupported_key);
  EXPECT_EQ(jwk_error({{"kty", "OKP"}, {"crv", "Ed448"}, {"x", kEcX}}), Errc::unsupported_key);
  auto jwk = ec_jwk();
  jwk["alg"] = "ES521";
  EXPECT_EQ(jwk_error(jwk), Errc::unsupported_key);
  jwk["alg"] = "HS256";
  EXPECT_EQ(jwk_error(jwk), Errc::unsupported_key);
  EXPECT_EQ(jwk_error({{"n", "AQAB"}}), Errc::bad_key);
  EXPECT_EQ(jwk_error({{"kty", 1}}), Errc::bad_key);
}

TEST(Jwk, UseAndKeyOps) {
  auto jwk = ec_jwk();
  jwk["use"] = "enc";
  EXPECT_EQ(jwk_error(jwk), Errc::key_not_for_signing);
  jwk = ec_jwk();
  jwk["key_ops"] = json::array{"encrypt"};
  EXPECT_EQ(jwk_error(jwk), Errc::key_not_for_signing);
  jwk["key_ops"] = "verify";
  EXPECT_EQ(jwk_error(jwk), Errc::bad_key);
  jwk["key_ops"] = json::array{"sign", "verify"};
  jwk["use"] = "sig";
  EXPECT_TRUE(PublicKey::from_jwk(jwk));
}

TEST(Jwk, PrivateMembersAreRefused) {
  for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    auto jwk = rsa_jwk();
    jwk[member] = "AQAB";
    EXPECT_EQ(jwk_error(jwk), Errc::private_key_material) << member;
  }
  EXPECT_EQ(jwk_error({{"kty", "oct"}, {"k", "AAAA"}}), Errc::private_key_material);
}

TEST(Jwk, RsaLimits) {
  auto small = PublicKey::from_evp(core::share(core::PKeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}))), "", std::nullopt);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().code, Errc::key_too_small);
  // e = 1, 2, 1 with a leading zero, an even e, and one wider than 64 bits.
  for (const char* e : {"AQ", "Ag", "AAE", "AQAA", "AQEBAQEBAQEBAQEB"}) {
    auto jwk = rsa_jwk();
    jwk["e"] = e;
    EXPECT_EQ(jwk_error(jwk), Errc::bad_key) << e;
  }
  auto jwk = rsa_jwk();
  jwk["e"] = "Aw";  // 3 is allowed: PKCS#1 verification re-encodes, so small e is not a forgery risk
  EXPECT_TRUE(PublicKey::from_jwk(jwk));
  // A modulus larger than kMaxRsaBits.
  jwk["n"] = core::base64url_encode(std::vector<std::uint8_t>(kMaxRsaBits / 8 + 1, 0xc5));
  EXPECT_EQ(jwk_error(jwk), Errc::unsupported_key);
}

TEST(KeySet, ParsesSkipsAndRefuses) {
  json::object ec = ec_jwk();
  ec["kid"] = "ec";
  json::object rsa = rsa_jwk();
  json::object enc = ec_jwk();
  enc["use"] = "enc";
  enc["kid"] = "enc";
  json::object x25519{{"kty", "OKP"}, {"crv", "X25519"}, {"x", kEcX}, {"kid", "x"}};
  auto text = json::serialize(json::object{{"keys", json::array{ec, rsa, enc, x25519}}});
  auto keys = KeySet::parse(text);
  ASSERT_TRUE(keys) << keys.error().detail;
  ASSERT_EQ(keys->keys().size(), 2u);
  EXPECT_NE(keys->find("ec"), nullptr);
  EXPECT_EQ(keys->find("enc"), nullptr);
  EXPECT_EQ(keys->candidates(std::string("ec"), Algorithm::ES256).size(), 1u);
  EXPECT_EQ(keys->candidates(std::string("ec"), Algorithm::ES384).size(), 0u);
  EXPECT_EQ(keys->candidates(std::nullopt, Algorithm::RS256).size(), 1u);
  auto round = KeySet::parse(json::serialize(keys->to_json()));
  ASSERT_TRUE(round);
  EXPECT_EQ(round->keys().size(), 2u);

  auto error_of = [](std::string_view text, const KeySetLimits& limits = {}) {
    auto parsed = KeySet::parse(text, limits);
    EXPECT_FALSE(parsed) << text;
    return parsed ? Errc{} : parsed.error().code;
  };
  EXPECT_EQ(error_of("[]"), Errc::bad_key_set);
  EXPECT_EQ(error_of("{}"), Errc::bad_key_set);
  EXPECT_EQ(error_of(R"({"keys":{}})"), Errc::bad_key_set);
  EXPECT_EQ(error_of(R"({"keys":[1]})"), Errc::bad_key_set);
  EXPECT_EQ(error_of(R"({"keys":[],"keys":[]})"), Errc::bad_key_set);
  EXPECT_EQ(error_of(json::serialize(json::object{{"keys", json::array{ec, ec}}})), Errc::bad_key_set);
  json::object broken = ec;
  broken["x"] = "!";
  EXPECT_EQ(error_of(json::serialize(json::object{{"keys", json::array{broken}}})), Errc::bad_key);

  KeySetLimits limits;
  limits.max_keys = 1;
  EXPECT_EQ(error_of(text, limits), Errc::key_set_too_large);
  limits = {};
  limits.max_bytes = text.size() - 1;
  EXPECT_EQ(error_of(text, limits), Errc::key_set_too_large);
  limits.max_bytes = text.size();
  EXPECT_TRUE(KeySet::parse(text, limits));
}

}  // namespace
}  // namespace faasgate::jose
