#include "faasgate/jose/jwt.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <limits>

#include "faasgate/core/base64.hpp"
#include "faasgate/jose/ecdsa_signature.hpp"
#include "test_support.hpp"

namespace faasgate::jose {
namespace {

namespace json = boost::json;
using core::base64url_encode;

// A token with this header and payload and a dummy (well-formed) signature: for parse tests.
std::string unsigned_token(std::string_view header, std::string_view payload, std::string_view sig = "AAAA") {
  return base64url_encode(header) + "." + base64url_encode(payload) + "." + std::string(sig);
}

Errc parse_error(std::string_view token, const ParseLimits& limits = {}) {
  auto parsed = UnverifiedJwt::parse(token, limits);
  EXPECT_FALSE(parsed) << token;
  return parsed ? Errc{} : parsed.error().code;
}

constexpr std::string_view kClaims = R"({"iss":"https://issuer.test","aud":"gw","exp":2000000000})";

TEST(JwtParse, AcceptsAWellFormedToken) {
  auto parsed = UnverifiedJwt::parse(unsigned_token(R"({"alg":"ES256","kid":"k1","typ":"JWT"})", kClaims));
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->header().alg, Algorithm::ES256);
  EXPECT_EQ(parsed->header().kid, "k1");
  EXPECT_EQ(parsed->header().typ, "JWT");
  EXPECT_EQ(parsed->unverified_issuer(), "https://issuer.test");
}

TEST(JwtParse, RequiresExactlyThreeSegments) {
  const std::string good = unsigned_token(R"({"alg":"ES256"})", kClaims);
  EXPECT_EQ(parse_error(""), Errc::not_compact);
  EXPECT_EQ(parse_error("abc"), Errc::not_compact);
  EXPECT_EQ(parse_error("a.b"), Errc::not_compact);
  EXPECT_EQ(parse_error(good + "."), Errc::not_compact);
  EXPECT_EQ(parse_error(good + ".x.y"), Errc::not_compact);  // JWE has five segments
  EXPECT_EQ(parse_error(R"({"payload":"e30","signatures":[]})"), Errc::not_compact);
}

TEST(JwtParse, EnforcesTokenSizeExactly) {
  const std::string token = unsigned_token(R"({"alg":"ES256"})", kClaims);
  ParseLimits limits;
  limits.max_token_bytes = token.size();
  EXPECT_TRUE(UnverifiedJwt::parse(token, limits));
  limits.max_token_bytes = token.size() - 1;
  EXPECT_EQ(parse_error(token, limits), Errc::token_too_large);
  EXPECT_EQ(parse_error(std::string(16 * 1024 + 1, 'a')), Errc::token_too_large);
}

TEST(JwtParse, RequiresStrictBase64Url) {
  const std::string header = base64url_encode(std::string_view(R"({"alg":"ES256"})"));
  const std::string payload = base64url_encode(kClaims);
  EXPECT_EQ(parse_error(header + "=." + payload + ".AAAA"), Errc::bad_base64);
  EXPECT_EQ(parse_error(header + "." + payload + "=.AAAA"), Errc::bad_base64);
  EXPECT_EQ(parse_error(header + "." + payload + ".AA+A"), Errc::bad_base64);
  EXPECT_EQ(parse_error(header + "." + payload + ".AB"), Errc::bad_base64);  // non-canonical bits
  EXPECT_EQ(parse_error(" " + header + "." + payload + ".AAAA"), Errc::bad_base64);
}

TEST(JwtParse, RequiresJsonObjects) {
  EXPECT_EQ(parse_error(unsigned_token("[]", kClaims)), Errc::not_an_object);
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256"})", "\"claims\"")), Errc::not_an_object);
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256"})", "foo")), Errc::bad_json);
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256"})", "")), Errc::bad_json);
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256",})", kClaims)), Errc::bad_json);
}

TEST(JwtParse, RejectsDuplicateMembers) {
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256","alg":"none"})", kClaims)), Errc::duplicate_member);
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256"})", R"({"sub":"a","sub":"admin"})")),
            Errc::duplicate_member);
}

TEST(JwtParse, EnforcesJsonDepth) {
  ParseLimits limits;
  limits.max_json_depth = 3;
  EXPECT_TRUE(UnverifiedJwt::parse(unsigned_token(R"({"alg":"ES256"})", R"({"a":{"b":[]}})"), limits));
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256"})", R"({"a":{"b":[[]]}})"), limits), Errc::json_too_deep);
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256","x":[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]})", kClaims)),
            Errc::json_too_deep);
}

TEST(JwtParse, HeaderRules) {
  EXPECT_EQ(parse_error(unsigned_token(R"({"typ":"JWT"})", kClaims)), Errc::missing_alg);
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":256})", kClaims)), Errc::bad_header);
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"none"})", kClaims, "")), Errc::unsigned_token);
  for (const char* alg : {"HS256", "HS384", "HS512", "NONE", "es256", "ES256K", "RSA-OAEP", ""}) {
    EXPECT_EQ(parse_error(unsigned_token(std::string(R"({"alg":")") + alg + "\"}", kClaims)), Errc::alg_not_allowed)
        << alg;
  }
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256","crit":["exp"],"exp":1})", kClaims)),
            Errc::crit_unsupported);
  for (const char* member : {"jwk", "jku", "x5u", "x5c"}) {
    EXPECT_EQ(parse_error(unsigned_token(std::string(R"({"alg":"ES256",")") + member + R"(":{}})", kClaims)),
              Errc::embedded_key_rejected)
        << member;
  }
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256","kid":7})", kClaims)), Errc::bad_header);
  EXPECT_EQ(parse_error(unsigned_token(R"({"alg":"ES256","typ":null})", kClaims)), Errc::bad_header);
}

TEST(JwtParse, ErrorDetailsDoNotEchoTheToken) {
  auto parsed = UnverifiedJwt::parse(unsigned_token(R"({"alg":"HS256-secretmarker"})", kClaims));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().detail.find("secretmarker"), std::string::npos);
}

// --- verification ---------------------------------------------------------------------------

struct TestKey {
  core::SharedPKey private_key;
  PublicKey public_key;
};

TestKey make_key(Algorithm alg, std::string kid, std::optional<Algorithm> declared = std::nullopt) {
  auto key = testing::generate_key(alg);
  auto pub = PublicKey::from_evp(key, std::move(kid), declared);
  EXPECT_TRUE(pub) << pub.error().detail;
  return {key, *pub};
}

std::string header_for(Algorithm alg, std::string_view kid) {
  return std::string(R"({"alg":")") + std::string(name(alg)) + R"(","kid":")" + std::string(kid) + "\"}";
}

TEST(JwtVerify, EveryAlgorithmRoundTrips) {
  for (Algorithm alg : all_algorithms()) {
    SCOPED_TRACE(std::string(name(alg)));
    auto key = make_key(alg, "k", alg);
    KeySet keys({key.public_key});
    auto token = testing::sign_compact(alg, key.private_key.get(), header_for(alg, "k"), kClaims);
    auto parsed = UnverifiedJwt::parse(token);
    ASSERT_TRUE(parsed) << parsed.error().detail;
    auto verified = verify(*parsed, keys, all_algorithms());
    ASSERT_TRUE(verified) << to_string(verified.error().code);
    EXPECT_EQ(verified->key_id(), "k");
    EXPECT_EQ(verified->string_claim("iss"), "https://issuer.test");
    EXPECT_EQ(verified->numeric_date("exp"), 2000000000);
  }
}

// jwt_verify_lib style: every bit flip and every truncation of a good signature must fail.
TEST(JwtVerify, EveryBitFlipAndTruncationOfTheSignatureFails) {
  for (Algorithm alg : all_algorithms()) {
    SCOPED_TRACE(std::string(name(alg)));
    auto key = make_key(alg, "k");
    KeySet keys({key.public_key});
    auto token = testing::sign_compact(alg, key.private_key.get(), header_for(alg, "k"), kClaims);
    auto parsed = detail::parse_compact_jws(token, {});
    ASSERT_TRUE(parsed);
    ASSERT_TRUE(detail::verify_jws(*parsed, keys, all_algorithms()));
    const auto signature = parsed->signature;
    int attempts = 0;
    for (std::size_t bit = 0; bit < signature.size() * 8; ++bit) {
      auto damaged = *parsed;
      damaged.signature[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      ASSERT_FALSE(detail::verify_jws(damaged, keys, all_algorithms())) << "bit " << bit;
      ++attempts;
    }
    for (std::size_t length = 0; length < signature.size(); ++length) {
      auto damaged = *parsed;
      damaged.signature.resize(length);
      ASSERT_FALSE(detail::verify_jws(damaged, keys, all_algorithms())) << "length " << length;
      // Through the whole text path too.
      auto text = token.substr(0, token.rfind('.') + 1) +
                  base64url_encode(std::span<const std::uint8_t>(signature.data(), length));
      auto reparsed = UnverifiedJwt::parse(text);
      ASSERT_TRUE(reparsed);
      ASSERT_FALSE(verify(*reparsed, keys, all_algorithms())) << "length " << length;
      ++attempts;
    }
    EXPECT_EQ(attempts, static_cast<int>(signature.size() * 9));
  }
}

TEST(JwtVerify, AlgorithmComesFromTheKeyAndTheAllowList) {
  auto ec = make_key(Algorithm::ES256, "ec");
  auto rsa = make_key(Algorithm::RS256, "rsa", Algorithm::RS256);
  KeySet keys({ec.public_key, rsa.public_key});

  // RSA key, token claims PS256 (the JWK pinned RS256): refused before any cryptography.
  auto pss = testing::sign_compact(Algorithm::PS256, rsa.private_key.get(), header_for(Algorithm::PS256, "rsa"), kClaims);
  auto verified = verify(*UnverifiedJwt::parse(pss), keys, all_algorithms());
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, Errc::alg_mismatch);

  // EC key named by kid, header says RS256.
  auto confused = testing::sign_compact(Algorithm::RS256, rsa.private_key.get(), header_for(Algorithm::RS256, "ec"), kClaims);
  verified = verify(*UnverifiedJwt::parse(confused), keys, all_algorithms());
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, Errc::alg_mismatch);

  // Good token, but the issuer does not allow ES256.
  auto good = testing::sign_compact(Algorithm::ES256, ec.private_key.get(), header_for(Algorithm::ES256, "ec"), kClaims);
  verified = verify(*UnverifiedJwt::parse(good), keys, std::array{Algorithm::RS256});
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, Errc::alg_not_allowed);
  EXPECT_TRUE(verify(*UnverifiedJwt::parse(good), keys, default_algorithms()));

  // Unknown kid.
  auto unknown = testing::sign_compact(Algorithm::ES256, ec.private_key.get(), header_for(Algorithm::ES256, "nope"), kClaims);
  verified = verify(*UnverifiedJwt::parse(unknown), keys, all_algorithms());
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, Errc::no_matching_key);

  // A good signature by another key with the same kid.
  auto other = make_key(Algorithm::ES256, "ec");
  auto impostor = testing::sign_compact(Algorithm::ES256, other.private_key.get(), header_for(Algorithm::ES256, "ec"), kClaims);
  verified = verify(*UnverifiedJwt::parse(impostor), keys, all_algorithms());
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, Errc::bad_signature);
}

TEST(JwtVerify, WithoutKidTriesEveryKeyThatFits) {
  auto a = make_key(Algorithm::ES256, "");
  auto b = make_key(Algorithm::ES256, "");
  auto rsa = make_key(Algorithm::RS256, "");
  KeySet keys({a.public_key, rsa.public_key, b.public_key});
  auto token = testing::sign_compact(Algorithm::ES256, b.private_key.get(), R"({"alg":"ES256"})", kClaims);
  auto verified = verify(*UnverifiedJwt::parse(token), keys, all_algorithms());
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->key_id(), b.public_key.thumbprint());
  EXPECT_EQ(keys.candidates(std::nullopt, Algorithm::ES256).size(), 2u);
  EXPECT_EQ(keys.candidates(std::nullopt, Algorithm::ES384).size(), 0u);

  auto stranger = make_key(Algorithm::ES256, "");
  auto unknown = testing::sign_compact(Algorithm::ES256, stranger.private_key.get(), R"({"alg":"ES256"})", kClaims);
  auto refused = verify(*UnverifiedJwt::parse(unknown), keys, all_algorithms());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::bad_signature);
  auto es384 = testing::sign_compact(Algorithm::ES256, stranger.private_key.get(), R"({"alg":"ES384"})", kClaims);
  refused = verify(*UnverifiedJwt::parse(es384), keys, all_algorithms());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::no_matching_key);
}

TEST(JwtVerify, EcdsaRejectsDerAndOutOfRangeScalars) {
  auto key = make_key(Algorithm::ES256, "k");
  auto token = testing::sign_compact(Algorithm::ES256, key.private_key.get(), header_for(Algorithm::ES256, "k"), kClaims);
  auto parsed = detail::parse_compact_jws(token, {});
  ASSERT_TRUE(parsed);
  auto check = [&](std::vector<std::uint8_t> signature) {
    auto out = detail::verify_signature(Algorithm::ES256, key.public_key, parsed->signing_input, signature);
    EXPECT_FALSE(out);
    return out ? Errc{} : out.error().code;
  };
  auto raw = parsed->signature;
  std::vector<std::uint8_t> zero_r(raw);
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  EXPECT_EQ(check(zero_r), Errc::bad_signature_encoding);
  std::vector<std::uint8_t> max_s(raw);
  std::fill(max_s.begin() + 32, max_s.end(), 0xff);
  EXPECT_EQ(check(max_s), Errc::bad_signature_encoding);
  // The same signature in DER (what OpenSSL would accept directly) is refused.
  auto der = detail::ecdsa_raw_to_der(KeyType::ec_p256, raw);
  ASSERT_TRUE(der);
  EXPECT_EQ(check(*der), Errc::bad_signature_encoding);
  // r||s with leading zero bytes added.
  std::vector<std::uint8_t> longer(raw);
  longer.insert(longer.begin(), 0);
  EXPECT_EQ(check(longer), Errc::bad_signature_encoding);
}

// --- claims -------------------------------------------------------------------------------------

class ClaimsTest : public ::testing::Test {
 protected:
  ClaimsTest() : key_(make_key(Algorithm::ES256, "k")), keys_({key_.public_key}) {}

  VerifiedJwt verified(const json::object& claims) {
    auto token = testing::sign_compact(Algorithm::ES256, key_.private_key.get(), header_for(Algorithm::ES256, "k"),
                                       json::serialize(claims));
    auto parsed = UnverifiedJwt::parse(token);
    EXPECT_TRUE(parsed);
    auto out = verify(*parsed, keys_, all_algorithms());
    EXPECT_TRUE(out);
    return *out;
  }

  std::optional<Errc> check(const json::object& claims, long long now, std::chrono::seconds leeway = std::chrono::seconds{0}) {
    ClaimRules rules{"https://issuer.test", {"gw", "other"}, leeway};
    auto out = validate(verified(claims), rules, core::from_unix(now));
    if (out) return std::nullopt;
    return out.error().code;
  }

  static json::object base(long long exp = 1000) {
    return json::object{{"iss", "https://issuer.test"}, {"aud", "gw"}, {"exp", exp}};
  }

  TestKey key_;
  KeySet keys_;
};

TEST_F(ClaimsTest, ExpEqualToNowIsExpired) {
  EXPECT_EQ(check(base(1000), 999), std::nullopt);
  EXPECT_EQ(check(base(1000), 1000), Errc::expired);
  EXPECT_EQ(check(base(1000), 1001), Errc::expired);
}

TEST_F(ClaimsTest, LeewayExtendsExpExactly) {
  EXPECT_EQ(check(base(1000), 1059, std::chrono::seconds{60}), std::nullopt);
  EXPECT_EQ(check(base(1000), 1060, std::chrono::seconds{60}), Errc::expired);
}

TEST_F(ClaimsTest, LeewayIsCappedAtFiveMinutesAndNeverNegative) {
  EXPECT_EQ(check(base(1000), 1299, std::chrono::hours{1}), std::nullopt);
  EXPECT_EQ(check(base(1000), 1300, std::chrono::hours{1}), Errc::expired);
  EXPECT_EQ(check(base(1000), 1000, std::chrono::seconds{-100}), Errc::expired);
  EXPECT_EQ(check(base(1000), 999, std::chrono::seconds{-100}), std::nullopt);
}

TEST_F(ClaimsTest, DefaultLeewayIsSixtySeconds) {
  ClaimRules rules{"https://issuer.test", {"gw"}};
  EXPECT_EQ(rules.leeway, std::chrono::seconds{60});
  EXPECT_TRUE(validate(verified(base(1000)), rules, core::from_unix(1059)));
  EXPECT_FALSE(validate(verified(base(1000)), rules, core::from_unix(1060)));
}

TEST_F(ClaimsTest, ExpIsRequiredAndMustBeANumber) {
  auto claims = base();
  claims.erase("exp");
  EXPECT_EQ(check(claims, 0), Errc::missing_claim);
  ClaimRules lenient{"https://issuer.test", {"gw"}, std::chrono::seconds{0}, false};
  EXPECT_TRUE(validate(verified(claims), lenient, core::from_unix(0)));
  claims["exp"] = "1000";
  EXPECT_EQ(check(claims, 0), Errc::bad_claim_type);
  claims["exp"] = true;
  EXPECT_EQ(check(claims, 0), Errc::bad_claim_type);
  // Fractions never extend a token's life: exp 1000.9 is expired at 1000.
  claims["exp"] = 1000.9;
  EXPECT_EQ(check(claims, 999), std::nullopt);
  EXPECT_EQ(check(claims, 1000), Errc::expired);
  // Enormous values do not overflow.
  claims["exp"] = 1e300;
  EXPECT_EQ(check(claims, 1000, std::chrono::seconds{300}), std::nullopt);
  claims["exp"] = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(check(claims, 1000, std::chrono::seconds{300}), std::nullopt);
  claims["exp"] = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(check(claims, 1000, std::chrono::seconds{300}), Errc::expired);
}

TEST_F(ClaimsTest, NotBeforeBoundary) {
  auto claims = base(5000);
  claims["nbf"] = 1000;
  EXPECT_EQ(check(claims, 999), Errc::not_yet_valid);
  EXPECT_EQ(check(claims, 1000), std::nullopt);
  EXPECT_EQ(check(claims, 939, std::chrono::seconds{60}), Errc::not_yet_valid);
  EXPECT_EQ(check(claims, 940, std::chrono::seconds{60}), std::nullopt);
  claims["nbf"] = 999.1;  // rounds up
  EXPECT_EQ(check(claims, 999), Errc::not_yet_valid);
  claims["nbf"] = "1000";
  EXPECT_EQ(check(claims, 2000), Errc::bad_claim_type);
}

TEST_F(ClaimsTest, IssuedAtBoundary) {
  auto claims = base(5000);
  claims["iat"] = 1000;
  EXPECT_EQ(check(claims, 999), Errc::issued_in_future);
  EXPECT_EQ(check(claims, 1000), std::nullopt);
  EXPECT_EQ(check(claims, 940, std::chrono::seconds{60}), std::nullopt);
  EXPECT_EQ(check(claims, 939, std::chrono::seconds{60}), Errc::issued_in_future);
  claims["iat"] = nullptr;
  EXPECT_EQ(check(claims, 2000), Errc::bad_claim_type);
}

TEST_F(ClaimsTest, IssuerMustMatchExactly) {
  auto claims = base();
  claims["iss"] = "https://issuer.test/";
  EXPECT_EQ(check(claims, 0), Errc::wrong_issuer);
  claims["iss"] = "HTTPS://issuer.test";
  EXPECT_EQ(check(claims, 0), Errc::wrong_issuer);
  claims["iss"] = json::array{"https://issuer.test"};
  EXPECT_EQ(check(claims, 0), Errc::bad_claim_type);
  claims.erase("iss");
  EXPECT_EQ(check(claims, 0), Errc::missing_claim);
  ClaimRules no_issuer{"", {"gw"}};
  auto with_empty = base();
  with_empty["iss"] = "";
  EXPECT_FALSE(validate(verified(with_empty), no_issuer, core::from_unix(0)));
}

TEST_F(ClaimsTest, AudienceStringOrList) {
  auto claims = base();
  EXPECT_EQ(check(claims, 0), std::nullopt);
  claims["aud"] = "other";
  EXPECT_EQ(check(claims, 0), std::nullopt);
  claims["aud"] = "gw2";
  EXPECT_EQ(check(claims, 0), Errc::wrong_audience);
  claims["aud"] = json::array{"x", "gw"};
  EXPECT_EQ(check(claims, 0), std::nullopt);
  claims["aud"] = json::array{"x", "y"};
  EXPECT_EQ(check(claims, 0), Errc::wrong_audience);
  claims["aud"] = json::array{};
  EXPECT_EQ(check(claims, 0), Errc::wrong_audience);
  claims["aud"] = json::array{"gw", 7};
  EXPECT_EQ(check(claims, 0), Errc::bad_claim_type);
  claims["aud"] = 7;
  EXPECT_EQ(check(claims, 0), Errc::bad_claim_type);
  claims.erase("aud");
  EXPECT_EQ(check(claims, 0), Errc::missing_claim);
  ClaimRules nobody{"https://issuer.test", {}};
  EXPECT_EQ(validate(verified(base()), nobody, core::from_unix(0)).error().code, Errc::wrong_audience);
}

// --- signer -------------------------------------------------------------------------------------

TEST(Signer, SignsVerifiableEs256TokensWithTheDocumentedHeader) {
  auto signer = Signer::generate();
  EXPECT_EQ(signer.kid(), signer.public_key().thumbprint());
  EXPECT_EQ(signer.public_key().kid(), signer.kid());
  EXPECT_EQ(signer.public_key().declared_alg(), Algorithm::ES256);
  auto token = signer.sign(json::object{{"iss", "me"}, {"exp", 2000000000}});
  ASSERT_TRUE(token);
  auto header = core::base64url_decode_string(token->substr(0, token->find('.')));
  EXPECT_EQ(*header, R"({"alg":"ES256","kid":")" + signer.kid() + R"(","typ":"JWT"})");
  auto parsed = detail::parse_compact_jws(*token, {});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->signature.size(), 64u);
  auto keys = KeySet::parse(json::serialize(KeySet({signer.public_key()}).to_json()));
  ASSERT_TRUE(keys) << keys.error().detail;
  auto verified = verify(*UnverifiedJwt::parse(*token), *keys, std::array{Algorithm::ES256});
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->key_id(), signer.kid());
}

TEST(Signer, PemRoundTrip) {
  auto signer = Signer::generate();
  auto pem = signer.private_pem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  auto loaded = Signer::from_pem(pem);
  ASSERT_TRUE(loaded) << loaded.error().detail;
  EXPECT_EQ(loaded->kid(), signer.kid());
  auto token = loaded->sign(json::object{{"exp", 1}});
  ASSERT_TRUE(token);
  EXPECT_TRUE(verify(*UnverifiedJwt::parse(*token), KeySet({signer.public_key()}), std::array{Algorithm::ES256}));
}

TEST(Signer, RefusesOtherKeysAndGarbage) {
  EXPECT_EQ(Signer::from_pem("not a pem").error().code, Errc::bad_key);
  auto p384 = testing::generate_key(Algorithm::ES384);
  core::BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), p384.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  EXPECT_EQ(Signer::from_pem(std::string_view(data, static_cast<std::size_t>(size))).error().code, Errc::bad_key);
  // An encrypted key is refused without prompting for a passphrase.
  auto p256 = testing::generate_key(Algorithm::ES256);
  core::BioPtr encrypted(BIO_new(BIO_s_mem()));
  char passphrase[] = "pw";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(encrypted.get(), p256.get(), EVP_aes_256_cbc(), passphrase, 2, nullptr, nullptr), 1);
  size = BIO_get_mem_data(encrypted.get(), &data);
  EXPECT_EQ(Signer::from_pem(std::string_view(data, static_cast<std::size_t>(size))).error().code, Errc::bad_key);
}

TEST(Algorithms, NamesRoundTripAndDefaults) {
  for (Algorithm alg : all_algorithms()) EXPECT_EQ(algorithm_from_name(name(alg)), alg);
  EXPECT_EQ(all_algorithms().size(), 10u);
  std::vector<Algorithm> defaults(default_algorithms().begin(), default_algorithms().end());
  EXPECT_EQ(defaults, (std::vector{Algorithm::RS256, Algorithm::ES256, Algorithm::ES384, Algorithm::PS256,
                                   Algorithm::EdDSA}));
  EXPECT_FALSE(algorithm_from_name("none"));
  EXPECT_FALSE(algorithm_from_name("HS256"));
  EXPECT_FALSE(algorithm_from_name("rs256"));
  EXPECT_EQ(to_string(Errc::bad_signature), "bad_signature");
}

}  // namespace
}  // namespace faasgate::jose
