#pragma once
// JWK and JWK Set (RFC 7517/7518/8037): parsed once, decoded into EVP_PKEY once, shared.
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/openssl.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/jose/algorithm.hpp"
#include "faasgate/jose/error.hpp"

namespace faasgate::jose {

enum class KeyType { rsa, ec_p256, ec_p384, ec_p521, ed25519 };

// RSA moduli outside [min, max] bits are refused: small ones are breakable, huge ones make each
// verification expensive enough to be a denial-of-service lever.
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 8192;

// A public verification key. Immutable; safe to share between threads. Only from_jwk and
// from_evp build a usable one (a default-constructed PublicKey has no key and accepts nothing).
class PublicKey {
 public:
  KeyType type() const noexcept { return type_; }
  const std::string& kid() const noexcept { return kid_; }  // empty when the JWK had none
  // The JWK's own "alg", if it named one (a key that names an alg is used with that alg only).
  std::optional<Algorithm> declared_alg() const noexcept { return alg_; }
  // True if this key may verify `alg`: the key type fits, and the JWK's alg (if any) agrees.
  bool accepts(Algorithm alg) const noexcept;
  EVP_PKEY* evp() const noexcept { return pkey_.get(); }
  // RFC 7638 thumbprint (SHA-256, base64url); computed once when the key is built.
  const std::string& thumbprint() const noexcept { return thumbprint_; }
  // The public JWK as JSON (kty, crv/n/e/x/y, kid, alg, use).
  boost::json::object to_jwk() const;

  // Parses one JWK. Errors: unsupported_key (kty/crv/alg we never use), key_not_for_signing
  // (use/key_ops say it is not a verification key), private_key_material, key_too_small,
  // bad_key (malformed or inconsistent: wrong lengths, point not on the curve, alg vs. curve).
  static core::Expected<PublicKey, Error> from_jwk(const boost::json::object& jwk);
  // Wraps an existing public (or private: only the public half is used) key.
  static core::Expected<PublicKey, Error> from_evp(core::SharedPKey key, std::string kid,
                                                   std::optional<Algorithm> alg);

 private:
  friend class KeyBuilder;  // the one place that validates components and fills these in
  KeyType type_{};
  std::string kid_;
  std::optional<Algorithm> alg_;
  core::SharedPKey pkey_;               // public half only
  boost::json::object public_members_;  // kty, crv, x, y / kty, n, e - exactly as RFC 7638 needs
  std::string thumbprint_;
};

// True if `alg` can be used with a key of `type` at all (RS*/PS* with RSA, ES256 with P-256, ...).
bool algorithm_fits(KeyType type, Algorithm alg) noexcept;

struct KeySetLimits {
  std::size_t max_bytes = 64 * 1024;
  std::size_t max_keys = 64;
};

class KeySet {
 public:
  KeySet() = default;
  explicit KeySet(std::vector<PublicKey> keys) : keys_(std::move(keys)) {}

  // Parses {"keys":[...]}. Keys that are well-formed but of a kind we never use (enc-only,
  // unknown kty/crv/alg) are skipped, as RFC 7517 §5 asks; a malformed key of a supported kind,
  // a key with private members (including any symmetric key's "k"), a too-small or ROCA RSA key,
  // or two usable keys with the same kid fail the whole set (an issuer publishing those is
  // misconfigured or compromised).
  static core::Expected<KeySet, Error> parse(std::string_view json, const KeySetLimits& limits = {});

  std::span<const PublicKey> keys() const noexcept { return keys_; }
  // Candidate keys for a token: the one with this kid (if it accepts the algorithm), or - when
  // the token has no kid - every key that accepts the algorithm.
  std::vector<const PublicKey*> candidates(const std::optional<std::string>& kid, Algorithm alg) const;
  const PublicKey* find(std::string_view kid) const noexcept;
  boost::json::object to_json() const;  // {"keys":[...]}

 private:
  std::vector<PublicKey> keys_;
};

}  // namespace faasgate::jose
