#pragma once
// Every reason a token or key is refused, one code each (style: precise reasons, closed enum).
#include <string>
#include <string_view>

namespace faasgate::jose {

enum class Errc {
  // token shape
  token_too_large,
  not_compact,            // not exactly three dot-separated segments (JWE, JSON serialization, ...)
  bad_base64,             // a segment is not strict unpadded base64url
  bad_json,               // header or claims are not valid JSON
  json_too_deep,
  duplicate_member,       // a member name appears twice in one object
  not_an_object,          // header or claims are not a JSON object
  // header
  missing_alg,
  bad_header,             // a header member has the wrong type (kid or typ not a string, ...)
  unsigned_token,         // alg "none"
  alg_not_allowed,        // alg is HMAC, unknown, or not in the caller's allow-list
  alg_mismatch,           // header alg disagrees with the key's algorithm
  crit_unsupported,       // a crit header is present
  embedded_key_rejected,  // jwk, jku, x5u, x5c in the header
  // keys
  bad_key,                // a JWK is malformed
  unsupported_key,        // a key type/curve we do not accept (oct, secp256k1, ...)
  key_too_small,          // RSA under 2048 bits
  key_not_for_signing,    // "use" is not "sig", or "key_ops" lacks "verify"
  private_key_material,   // a public key set carries private members (d, p, q, k, ...)
  bad_key_set,
  key_set_too_large,
  no_matching_key,        // no key in the set has this kid / fits this alg
  // signature
  bad_signature_encoding, // wrong length, DER where raw r||s is required, r or s out of range
  bad_signature,          // the signature does not verify
  // claims
  missing_claim,
  bad_claim_type,
  expired,
  not_yet_valid,
  issued_in_future,
  wrong_issuer,
  wrong_audience,
  // signing
  signing_failed,
};

std::string_view to_string(Errc code) noexcept;

struct Error {
  Errc code;
  std::string detail;  // human readable; never contains the token or key material
};

}  // namespace faasgate::jose
