#pragma once
// SubjectTokenVerifier: what the token exchange calls to turn a subject token into a verified,
// validated JWT of a trusted issuer.
//
//   jose::UnverifiedJwt::parse -> unverified iss -> IssuerSet::find (exact) -> KeyCache
//   -> jose::verify (the issuer's allow-list; alg must fit the key) -> jose::validate
//      (iss, aud, exp/nbf/iat with the issuer's leeway, at `now`)
//
// Threading: the HTTP I/O thread calls verify(token, now, FetchMode::cache_only); if that fails
// with keys_not_cached it hands the request to a worker pool, which calls verify(..., may_fetch)
// (that may block on a fetch bounded by the fetch timeouts). Everything else is non-blocking.
//
// Invariants: a VerifyError's detail never contains the token (nor any claim value except iss and
// kid, which select keys); an issuer not in the snapshot never causes a fetch.
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/jose/error.hpp"
#include "faasgate/jose/jwk.hpp"
#include "faasgate/jose/jwt.hpp"
#include "faasgate/oidc/issuers.hpp"
#include "faasgate/oidc/key_cache.hpp"

namespace faasgate::oidc {

enum class VerifyErrc {
  malformed,            // not a compact JWS, bad base64url/JSON, duplicate members, too large
  unsupported_header,   // crit, or a key embedded in the header (jwk, jku, x5u, x5c)
  missing_issuer,       // no iss claim (or not a string)
  unknown_issuer,       // iss is not a trusted issuer
  disallowed_algorithm, // alg none/HMAC/unknown, not in the issuer's list, or not the key's
  keys_not_cached,      // cache_only and the keys must be fetched: retry with may_fetch off the I/O thread
  keys_unavailable,     // the issuer's keys could not be fetched (and no usable stale set)
  no_matching_key,      // no key with the token's kid (after the allowed refetch)
  bad_signature,
  expired,
  not_yet_valid,
  issued_in_future,
  wrong_issuer,
  wrong_audience,
  invalid_claims,       // a required claim is missing or has the wrong type
};

std::string_view to_string(VerifyErrc code) noexcept;

struct VerifyError {
  VerifyErrc code = VerifyErrc::malformed;
  std::optional<jose::Errc> jose;  // the jose reason, when jose found the problem
  std::string detail;              // for logs and error_description; never the token
};

// Maps a jose error (from parse, verify or validate) to the module's reasons.
VerifyError from_jose(const jose::Error& error);

enum class FetchMode { cache_only, may_fetch };

struct VerifiedSubject {
  jose::VerifiedJwt jwt;
  std::shared_ptr<const TrustedIssuer> issuer;  // iss, audiences, token_expiry, ...
};

// The last two steps on their own, for any (key set, rules) source - e.g. the gateway's own
// tokens with its own key set.
core::Expected<jose::VerifiedJwt, VerifyError> verify_with_keys(const jose::UnverifiedJwt& jwt,
                                                                const jose::KeySet& keys,
                                                                std::span<const jose::Algorithm> allowed,
                                                                const jose::ClaimRules& rules, core::Instant now);

class SubjectTokenVerifier {
 public:
  // The cache must outlive the verifier.
  SubjectTokenVerifier(std::shared_ptr<const IssuerSet> issuers, KeyCache& keys,
                       jose::ParseLimits limits = {});

  core::Expected<VerifiedSubject, VerifyError> verify(std::string_view token, core::Instant now,
                                                      FetchMode mode) const;

  // Reload: the next verify() uses the new set; running ones finish with the old one. Prunes
  // cache entries of key sources that are gone.
  void set_issuers(std::shared_ptr<const IssuerSet> issuers);
  std::shared_ptr<const IssuerSet> issuers() const;

 private:
  mutable std::mutex mu_;  // guards issuers_ (the pointer only)
  std::shared_ptr<const IssuerSet> issuers_;
  KeyCache& keys_;
  jose::ParseLimits limits_;
};

}  // namespace faasgate::oidc
