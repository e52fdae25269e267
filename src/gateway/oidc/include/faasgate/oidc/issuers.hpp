#pragma once
// Trusted issuers: an immutable snapshot compiled from the JwtIssuer objects. A reload builds a
// new IssuerSet and swaps the shared_ptr; a request keeps the snapshot (and the TrustedIssuer) it
// started with. Keys fetched for an issuer live in the KeyCache, not here, so they survive reloads.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/iam/objects.hpp"
#include "faasgate/jose/algorithm.hpp"
#include "faasgate/jose/jwk.hpp"
#include "faasgate/jose/jwt.hpp"

namespace faasgate::oidc {

inline constexpr std::chrono::seconds default_token_expiry{2 * 3600};
inline constexpr std::chrono::seconds default_leeway{60};
inline constexpr std::chrono::seconds max_leeway{300};

// Where an issuer's keys come from, in order of precedence.
enum class KeySourceKind {
  inline_jwks,  // spec.jwks: parsed once when the snapshot is built; never fetched
  jwks_url,     // spec.jwksUrl: fetched directly, no discovery
  discovery,    // <issInternal or iss>/.well-known/openid-configuration, then its jwks_uri
};

struct TrustedIssuer {
  std::string name;  // "<namespace>/<name>" of the JwtIssuer, for logs
  std::string iss;
  std::vector<std::string> audiences;
  std::chrono::seconds token_expiry = default_token_expiry;
  std::chrono::seconds leeway = default_leeway;
  std::vector<jose::Algorithm> algorithms;  // never empty

  KeySourceKind source = KeySourceKind::discovery;
  std::optional<std::string> iss_internal;
  std::optional<std::string> jwks_url;
  std::optional<std::string> ca_file;
  std::shared_ptr<const jose::KeySet> inline_keys;  // set iff source == inline_jwks

  // Identity of the key source (iss, issInternal, jwksUrl, caFile): the KeyCache key. Two
  // snapshots that configure an issuer the same way share its cached keys.
  std::string cache_id;

  // discovery: the URL of the discovery document; otherwise empty.
  std::string discovery_url() const;
  jose::ClaimRules claim_rules() const;
};

struct IssuerConfigError {
  std::string issuer;  // "<namespace>/<name>"
  std::string field;   // e.g. "spec.algorithms"
  std::string detail;
};

// Compiles one JwtIssuer (the checks listed at IssuerSet::build except duplicates).
core::Expected<TrustedIssuer, IssuerConfigError> compile_issuer(const iam::JwtIssuer& spec);

class IssuerSet {
 public:
  // Compiles and validates every issuer; one invalid issuer fails the whole set (a reload keeps
  // the old snapshot). Refused: empty iss or aud, duplicate iss, unknown/HMAC/none algorithms,
  // leeway above 5 minutes, non-positive tokenExpiry, jwks together with jwksUrl/issInternal/caFile,
  // jwksUrl together with issInternal, an inline jwks that does not parse, and fetch URLs that
  // break the fetch policy (not http(s), http to a non-loopback host, userinfo, query/fragment
  // in a discovery base).
  static core::Expected<std::shared_ptr<const IssuerSet>, IssuerConfigError> build(
      const std::vector<iam::JwtIssuer>& issuers);

  static std::shared_ptr<const IssuerSet> empty();

  // Exact, case-sensitive match on iss.
  std::shared_ptr<const TrustedIssuer> find(std::string_view iss) const;
  const std::vector<std::shared_ptr<const TrustedIssuer>>& all() const noexcept { return ordered_; }
  std::size_t size() const noexcept { return ordered_.size(); }

 private:
  std::vector<std::shared_ptr<const TrustedIssuer>> ordered_;
  std::map<std::string, std::shared_ptr<const TrustedIssuer>, std::less<>> by_iss_;
};

std::string to_string(const IssuerConfigError& error);

}  // namespace faasgate::oidc
