#pragma once
// Compact JWS (RFC 7515 §7.1) below the JWT layer: the token's shape, its protected header and
// the signature check. jwt.hpp builds on this; the Wycheproof tests drive it directly because
// their payloads are not JSON. Everything here is pure: no clock, no I/O.
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/jose/algorithm.hpp"
#include "faasgate/jose/error.hpp"
#include "faasgate/jose/jwk.hpp"

namespace faasgate::jose {

struct ParseLimits {
  std::size_t max_token_bytes = 16 * 1024;
  std::size_t max_json_depth = 16;
};

// The protected header, after the checks every token must pass: alg names an asymmetric
// algorithm we implement, and no crit, jwk, jku, x5u or x5c member is present.
struct Header {
  Algorithm alg;
  std::optional<std::string> kid;
  std::optional<std::string> typ;
};

namespace detail {

struct CompactJws {
  Header header;
  std::string payload;                   // decoded bytes; not yet known to be JSON
  std::string signing_input;             // base64url(header) "." base64url(payload), as received
  std::vector<std::uint8_t> signature;   // decoded bytes
};

// Shape, size, strict base64url, strict JSON header, header rules. Trusts nothing.
core::Expected<CompactJws, Error> parse_compact_jws(std::string_view token, const ParseLimits& limits);

// Parses `bytes` as strict JSON that must be an object (header or claims).
core::Expected<boost::json::object, Error> parse_json_object(std::string_view bytes, std::size_t max_depth);

// The cryptographic check alone, for one algorithm and one key: the path every verification
// takes. Errors: alg_mismatch (the key cannot do `alg`), bad_signature_encoding (wrong length;
// for ECDSA also r or s zero or not below the group order), bad_signature.
core::Expected<void, Error> verify_signature(Algorithm alg, const PublicKey& key, std::string_view signing_input,
                                             std::span<const std::uint8_t> signature);

// Chooses the key (by kid, or every key that accepts the alg when the header has no kid),
// enforces the allow-list and the key's own alg, and verifies. Returns the key that verified.
core::Expected<const PublicKey*, Error> verify_jws(const CompactJws& jws, const KeySet& keys,
                                                   std::span<const Algorithm> allowed);

}  // namespace detail
}  // namespace faasgate::jose
