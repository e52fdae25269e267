#pragma once
// Compact JWS / JWT (RFC 7515, 7519). The flow is: UnverifiedJwt::parse (shape, size, base64url,
// JSON, duplicates - nothing trusted yet) -> peek the issuer to pick keys -> verify() with the
// issuer's key set and allow-list -> VerifiedJwt -> validate() the registered claims at `now`.
// Only verify() can build a VerifiedJwt, so code that authorizes cannot see an unverified claim.
#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/jose/algorithm.hpp"
#include "faasgate/jose/error.hpp"
#include "faasgate/jose/jwk.hpp"
#include "faasgate/jose/jws.hpp"  // ParseLimits, Header

namespace faasgate::jose {

class VerifiedJwt;

class UnverifiedJwt {
 public:
  // Also requires the payload to be a JSON object (strict: depth limit, no duplicate names).
  static core::Expected<UnverifiedJwt, Error> parse(std::string_view token, const ParseLimits& limits = {});

  const Header& header() const noexcept { return header_; }
  // The "iss" claim, to choose which issuer's keys verify the token. Not to be trusted.
  std::optional<std::string> unverified_issuer() const;
  // All claims, unverified: for diagnostics and for reading our own token's expiry client-side,
  // never for an authorization decision.
  const boost::json::object& unverified_claims() const noexcept { return claims_; }

 private:
  friend core::Expected<VerifiedJwt, Error> verify(const UnverifiedJwt&, const KeySet&, std::span<const Algorithm>);
  UnverifiedJwt() = default;
  detail::CompactJws jws_;
  Header header_{};
  boost::json::object claims_;
};

class VerifiedJwt {
 public:
  const Header& header() const noexcept { return header_; }
  const boost::json::object& claims() const noexcept { return claims_; }
  // The key that verified the token: its kid, or its RFC 7638 thumbprint when it has none.
  const std::string& key_id() const noexcept { return key_id_; }

  std::optional<std::string> string_claim(std::string_view name) const;
  std::optional<long long> numeric_date(std::string_view name) const;  // exp, nbf, iat (fraction truncated)

 private:
  friend core::Expected<VerifiedJwt, Error> verify(const UnverifiedJwt&, const KeySet&, std::span<const Algorithm>);
  VerifiedJwt() = default;
  Header header_{};
  boost::json::object claims_;
  std::string key_id_;
};

// Verifies the signature with a key of `keys` (chosen by kid; the key must accept the header's
// alg, and the alg must be in `allowed`). Never uses a key carried by the token itself.
core::Expected<VerifiedJwt, Error> verify(const UnverifiedJwt& jwt, const KeySet& keys,
                                          std::span<const Algorithm> allowed);

inline constexpr std::chrono::seconds kMaxLeeway{300};

struct ClaimRules {
  std::string issuer;                 // "iss" must equal this exactly (an empty issuer accepts nothing)
  std::vector<std::string> audiences; // "aud" (string or list) must contain one of these (empty accepts nothing)
  std::chrono::seconds leeway{60};    // clock skew allowed on exp/nbf/iat; negative is 0, capped at kMaxLeeway
  bool require_exp = true;
};

// exp is required (unless rules say otherwise): now >= exp + leeway is expired (exp == now with
// zero leeway is expired); nbf > now + leeway is not yet valid; iat > now + leeway is refused.
core::Expected<void, Error> validate(const VerifiedJwt& jwt, const ClaimRules& rules, core::Instant now);

// ES256 signer for the gateway's own tokens (P-256 private key).
class Signer {
 public:
  // A PKCS#8 or SEC 1 PEM P-256 private key; encrypted PEM is refused (no passphrase prompt).
  static core::Expected<Signer, Error> from_pem(std::string_view pem);
  static Signer generate();           // throws std::runtime_error only if OpenSSL cannot make a key
  std::string private_pem() const;    // PKCS#8 PEM, for writing the key file (mode 0600)

  const std::string& kid() const noexcept { return kid_; }  // RFC 7638 thumbprint
  const PublicKey& public_key() const noexcept { return public_; }
  // header {"alg":"ES256","kid":kid,"typ":"JWT"}; signature raw r||s (64 bytes).
  core::Expected<std::string, Error> sign(const boost::json::object& claims) const;

 private:
  Signer() = default;
  static core::Expected<Signer, Error> from_key(core::SharedPKey key);
  core::SharedPKey key_;
  PublicKey public_;
  std::string kid_;
};

}  // namespace faasgate::jose
