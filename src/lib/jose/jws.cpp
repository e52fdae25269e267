#include "faasgate/jose/jws.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>

#include "faasgate/core/base64.hpp"
#include "faasgate/core/json.hpp"
#include "faasgate/core/openssl.hpp"
#include "faasgate/jose/ecdsa_signature.hpp"
#include "faasgate/jose/prepared_context.hpp"

namespace faasgate::jose::detail {

namespace {

namespace json = boost::json;

Error error(Errc code, std::string detail) { return Error{code, std::move(detail)}; }

// Header members that would let the token choose its own verification key (RFC 7515 §4.1.3-6).
// Trusting any of them lets an attacker sign with a key of their choosing.
constexpr std::array<std::string_view, 4> kEmbeddedKeyMembers{"jwk", "jku", "x5u", "x5c"};

const char* digest_name(Algorithm alg) noexcept {
  switch (alg) {
    case Algorithm::RS256:
    case Algorithm::PS256:
    case Algorithm::ES256: return "SHA256";
    case Algorithm::RS384:
    case Algorithm::PS384:
    case Algorithm::ES384: return "SHA384";
    case Algorithm::RS512:
    case Algorithm::PS512:
    case Algorithm::ES512: return "SHA512";
    case Algorithm::EdDSA: return nullptr;  // Ed25519 hashes internally (PureEdDSA)
  }
  return nullptr;
}

bool is_pss(Algorithm alg) noexcept {
  return alg == Algorithm::PS256 || alg == Algorithm::PS384 || alg == Algorithm::PS512;
}
bool is_rsa(Algorithm alg) noexcept {
  return is_pss(alg) || alg == Algorithm::RS256 || alg == Algorithm::RS384 || alg == Algorithm::RS512;
}

constexpr std::size_t kEd25519SignatureBytes = 64;

core::Expected<Header, Error> check_header(const json::object& header) {
  auto alg_it = header.find("alg");
  if (alg_it == header.end()) return core::fail(error(Errc::missing_alg, "header has no alg"));
  if (!alg_it->value().is_string()) return core::fail(error(Errc::bad_header, "alg is not a string"));
  std::string_view alg_name(alg_it->value().get_string().data(), alg_it->value().get_string().size());
  auto alg = algorithm_from_name(alg_name);
  if (!alg) {
    if (alg_name == "none") return core::fail(error(Errc::unsigned_token, "alg is none"));
    // HS*, unknown and wrongly-cased names: never accepted, and not echoed (untrusted text).
    return core::fail(error(Errc::alg_not_allowed, "alg is not an accepted asymmetric algorithm"));
  }
  // RFC 7515 §4.1.11: a recipient that does not understand a crit extension must reject the
  // token, and we understand none.
  if (header.contains("crit")) return core::fail(error(Errc::crit_unsupported, "header has crit"));
  for (auto member : kEmbeddedKeyMembers) {
    if (header.contains(member)) {
      return core::fail(error(Errc::embedded_key_rejected, "header carries a key (" + std::string(member) + ")"));
    }
  }
  Header out{*alg, std::nullopt, std::nullopt};
  for (auto [member, field] : {std::pair{"kid", &out.kid}, std::pair{"typ", &out.typ}}) {
    auto it = header.find(member);
    if (it == header.end()) continue;
    if (!it->value().is_string()) return core::fail(error(Errc::bad_header, std::string(member) + " is not a string"));
    *field = std::string(it->value().get_string());
  }
  return out;
}

}  // namespace

core::Expected<json::object, Error> parse_json_object(std::string_view bytes, std::size_t max_depth) {
  auto parsed = core::parse_json_strict(bytes, core::JsonLimits{bytes.size(), max_depth});
  if (!parsed) {
    switch (parsed.error().code) {
      case core::JsonErrc::too_deep: return core::fail(error(Errc::json_too_deep, parsed.error().detail));
      case core::JsonErrc::duplicate_member: return core::fail(error(Errc::duplicate_member, parsed.error().detail));
      case core::JsonErrc::too_large:
      case core::JsonErrc::syntax: break;
    }
    return core::fail(error(Errc::bad_json, parsed.error().detail));
  }
  if (!parsed->is_object()) return core::fail(error(Errc::not_an_object, "JSON is not an object"));
  return std::move(parsed->get_object());
}

core::Expected<CompactJws, Error> parse_compact_jws(std::string_view token, const ParseLimits& limits) {
  if (token.size() > limits.max_token_bytes) {
    return core::fail(error(Errc::token_too_large, "token larger than " + std::to_string(limits.max_token_bytes) + " bytes"));
  }
  // Exactly three segments: two dots. JWE has five segments, JSON serialization none.
  if (std::count(token.begin(), token.end(), '.') != 2) {
    return core::fail(error(Errc::not_compact, "token is not three dot-separated segments"));
  }
  auto first_dot = token.find('.');
  auto second_dot = token.find('.', first_dot + 1);
  auto header_text = token.substr(0, first_dot);
  auto payload_text = token.substr(first_dot + 1, second_dot - first_dot - 1);
  auto signature_text = token.substr(second_dot + 1);

  auto header_bytes = core::base64url_decode_string(header_text);
  if (!header_bytes) return core::fail(error(Errc::bad_base64, "header is not strict base64url"));
  auto payload = core::base64url_decode_string(payload_text);
  if (!payload) return core::fail(error(Errc::bad_base64, "payload is not strict base64url"));
  auto signature = core::base64url_decode(signature_text);
  if (!signature) return core::fail(error(Errc::bad_base64, "signature is not strict base64url"));

  auto header_json = parse_json_object(*header_bytes, limits.max_json_depth);
  if (!header_json) return core::fail(Error{header_json.error().code, "header: " + header_json.error().detail});
  auto header = check_header(*header_json);
  if (!header) return core::fail(std::move(header).error());

  return CompactJws{std::move(*header), std::move(*payload), std::string(token.substr(0, second_dot)),
                    std::move(*signature)};
}

core::Expected<void, Error> verify_signature(Algorithm alg, const PublicKey& key, std::string_view signing_input,
                                             std::span<const std::uint8_t> signature) {
  if (key.evp() == nullptr || !algorithm_fits(key.type(), alg)) {
    return core::fail(error(Errc::alg_mismatch, std::string(name(alg)) + " does not fit the key type"));
  }
  std::vector<std::uint8_t> der;
  std::span<const std::uint8_t> to_verify = signature;
  std::array<OSSL_PARAM, 4> params{};
  std::size_t param_count = 0;
  const char* digest = digest_name(alg);

  if (alg == Algorithm::EdDSA) {
    if (signature.size() != kEd25519SignatureBytes) {
      return core::fail(error(Errc::bad_signature_encoding, "Ed25519 signature is not 64 bytes"));
    }
  } else if (is_rsa(alg)) {
    // RSASSA signatures are exactly the modulus length (RFC 8017 §8.1.2/8.2.2 step 1).
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.evp()))) {
      return core::fail(error(Errc::bad_signature_encoding, "RSA signature length differs from the modulus"));
    }
    if (is_pss(alg)) {
      // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
      params[param_count++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                                               const_cast<char*>(OSSL_PKEY_RSA_PAD_MODE_PSS), 0);
      params[param_count++] = OSSL_PARAM_construct_utf8_string(
          OSSL_SIGNATURE_PARAM_PSS_SALTLEN, const_cast<char*>(OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST), 0);
      params[param_count++] =
          OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, const_cast<char*>(digest), 0);
    } else {
      params[param_count++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                                               const_cast<char*>(OSSL_PKEY_RSA_PAD_MODE_PKCSV15), 0);
    }
  } else {
    auto converted = ecdsa_raw_to_der(key.type(), signature);
    if (!converted) {
      return core::fail(error(Errc::bad_signature_encoding,
                              "ECDSA signature is not r||s of " + std::to_string(2 * ecdsa_scalar_bytes(key.type())) +
                                  " bytes with 0 < r, s < n"));
    }
    der = std::move(*converted);
    to_verify = der;
  }
  params[param_count] = OSSL_PARAM_construct_end();

  auto ctx = prepared_context(Operation::verify, alg, key.evp(), digest, params.data());
  if (!ctx) {
    auto detail = core::openssl_error();
    return core::fail(error(Errc::bad_signature, "cannot set up verification: " + detail));
  }
  int verdict = EVP_DigestVerify(ctx.get(), to_verify.data(), to_verify.size(),
                                 reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  if (verdict != 1) {
    // A failed verification queues errors describing the forged input; drop them.
    ERR_clear_error();
    return core::fail(error(Errc::bad_signature, "signature does not verify"));
  }
  return {};
}

core::Expected<const PublicKey*, Error> verify_jws(const CompactJws& jws, const KeySet& keys,
                                                   std::span<const Algorithm> allowed) {
  const Algorithm alg = jws.header.alg;
  if (std::find(allowed.begin(), allowed.end(), alg) == allowed.end()) {
    return core::fail(error(Errc::alg_not_allowed, std::string(name(alg)) + " is not allowed for this issuer"));
  }
  if (jws.header.kid) {
    const PublicKey* key = keys.find(*jws.header.kid);
    if (key == nullptr) return core::fail(error(Errc::no_matching_key, "no key has the token's kid"));
    // The algorithm comes from the key: a header alg the key was not published for is refused
    // before any cryptography (RSA key + ES256 header, PS256-only key + RS256 header, ...).
    if (!key->accepts(alg)) {
      return core::fail(error(Errc::alg_mismatch, std::string(name(alg)) + " does not match the key"));
    }
    auto verified = verify_signature(alg, *key, jws.signing_input, jws.signature);
    if (!verified) return core::fail(std::move(verified).error());
    return key;
  }
  auto candidates = keys.candidates(std::nullopt, alg);
  if (candidates.empty()) return core::fail(error(Errc::no_matching_key, "no key accepts " + std::string(name(alg))));
  std::optional<Error> last;
  for (const PublicKey* key : candidates) {
    auto verified = verify_signature(alg, *key, jws.signing_input, jws.signature);
    if (verified) return key;
    last = std::move(verified).error();
  }
  return core::fail(std::move(*last));
}

}  // namespace faasgate::jose::detail
