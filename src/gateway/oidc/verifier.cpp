#include "faasgate/oidc/verifier.hpp"

#include "faasgate/core/text.hpp"

namespace faasgate::oidc {

std::string_view to_string(VerifyErrc code) noexcept {
  switch (code) {
    case VerifyErrc::malformed: return "malformed";
    case VerifyErrc::unsupported_header: return "unsupported_header";
    case VerifyErrc::missing_issuer: return "missing_issuer";
    case VerifyErrc::unknown_issuer: return "unknown_issuer";
    case VerifyErrc::disallowed_algorithm: return "disallowed_algorithm";
    case VerifyErrc::keys_not_cached: return "keys_not_cached";
    case VerifyErrc::keys_unavailable: return "keys_unavailable";
    case VerifyErrc::no_matching_key: return "no_matching_key";
    case VerifyErrc::bad_signature: return "bad_signature";
    case VerifyErrc::expired: return "expired";
    case VerifyErrc::not_yet_valid: return "not_yet_valid";
    case VerifyErrc::issued_in_future: return "issued_in_future";
    case VerifyErrc::wrong_issuer: return "wrong_issuer";
    case VerifyErrc::wrong_audience: return "wrong_audience";
    case VerifyErrc::invalid_claims: return "invalid_claims";
  }
  return "unknown";
}

VerifyError from_jose(const jose::Error& error) {
  using jose::Errc;
  VerifyErrc code = VerifyErrc::malformed;
  switch (error.code) {
    case Errc::token_too_large:
    case Errc::not_compact:
    case Errc::bad_base64:
    case Errc::bad_json:
    case Errc::json_too_deep:
    case Errc::duplicate_member:
    case Errc::not_an_object:
    case Errc::missing_alg:
    case Errc::bad_header: code = VerifyErrc::malformed; break;
    case Errc::unsigned_token:
    case Errc::alg_not_allowed:
    case Errc::alg_mismatch: code = VerifyErrc::disallowed_algorithm; break;
    case Errc::crit_unsupported:
    case Errc::embedded_key_rejected: code = VerifyErrc::unsupported_header; break;
    case Errc::bad_key:
    case Errc::unsupported_key:
    case Errc::key_too_small:
    case Errc::key_not_for_signing:
    case Errc::private_key_material:
    case Errc::bad_key_set:
    case Errc::key_set_too_large: code = VerifyErrc::keys_unavailable; break;
    case Errc::no_matching_key: code = VerifyErrc::no_matching_key; break;
    case Errc::bad_signature_encoding:
    case Errc::bad_signature: code = VerifyErrc::bad_signature; break;
    case Errc::missing_claim:
    case Errc::bad_claim_type: code = VerifyErrc::invalid_claims; break;
    case Errc::expired: code = VerifyErrc::expired; break;
    case Errc::not_yet_valid: code = VerifyErrc::not_yet_valid; break;
    case Errc::issued_in_future: code = VerifyErrc::issued_in_future; break;
    case Errc::wrong_issuer: code = VerifyErrc::wrong_issuer; break;
    case Errc::wrong_audience: code = VerifyErrc::wrong_audience; break;
    case Errc::signing_failed: code = VerifyErrc::bad_signature; break;
  }
  std::string detail(jose::to_string(error.code));
  if (!error.detail.empty()) detail += ": " + error.detail;
  return VerifyError{code, error.code, std::move(detail)};
}

core::Expected<jose::VerifiedJwt, VerifyError> verify_with_keys(const jose::UnverifiedJwt& jwt,
                                                                const jose::KeySet& keys,
                                                                std::span<const jose::Algorithm> allowed,
                                                                const jose::ClaimRules& rules, core::Instant now) {
  auto verified = jose::verify(jwt, keys, allowed);
  if (!verified) return core::fail(from_jose(verified.error()));
  if (auto valid = jose::validate(*verified, rules, now); !valid) return core::fail(from_jose(valid.error()));
  return std::move(*verified);
}

SubjectTokenVerifier::SubjectTokenVerifier(std::shared_ptr<const IssuerSet> issuers, KeyCache& keys,
                                           jose::ParseLimits limits)
    : issuers_(issuers ? std::move(issuers) : IssuerSet::empty()), keys_(keys), limits_(limits) {}

void SubjectTokenVerifier::set_issuers(std::shared_ptr<const IssuerSet> issuers) {
  if (!issuers) issuers = IssuerSet::empty();
  {
    std::lock_guard lock(mu_);
    issuers_ = issuers;
  }
  keys_.prune(*issuers);
}

std::shared_ptr<const IssuerSet> SubjectTokenVerifier::issuers() const {
  std::lock_guard lock(mu_);
  return issuers_;
}

core::Expected<VerifiedSubject, VerifyError> SubjectTokenVerifier::verify(std::string_view token, core::Instant now,
                                                                          FetchMode mode) const {
  auto jwt = jose::UnverifiedJwt::parse(token, limits_);
  if (!jwt) return core::fail(from_jose(jwt.error()));

  // The unverified iss only chooses which keys to try; validate() checks it again after the
  // signature is verified.
  auto iss = jwt->unverified_issuer();
  if (!iss) return core::fail(VerifyError{VerifyErrc::missing_issuer, std::nullopt, "the token has no \"iss\" claim"});
  auto snapshot = issuers();
  auto issuer = snapshot->find(*iss);
  if (!issuer) {
    // iss is printed: it names an issuer, not a credential; bounded because the token is.
    return core::fail(VerifyError{VerifyErrc::unknown_issuer, std::nullopt,
                                  "issuer \"" + core::printable(*iss) + "\" is not trusted"});
  }

  const auto& header = jwt->header();
  KeyLookup keys = keys_.lookup(*issuer, header.kid, header.alg, now);
  if (keys.status == KeyLookup::Status::needs_fetch) {
    if (mode == FetchMode::cache_only)
      return core::fail(VerifyError{VerifyErrc::keys_not_cached, std::nullopt,
                                    "the keys of issuer \"" + issuer->iss + "\" must be fetched"});
    keys = keys_.refresh(*issuer, header.kid, header.alg, now);
  }
  if (keys.status != KeyLookup::Status::hit || !keys.keys) {
    std::string detail = "the keys of issuer \"" + issuer->iss + "\" are unavailable";
    if (keys.error) detail += ": " + std::string(to_string(keys.error->code)) + ": " + keys.error->detail;
    return core::fail(VerifyError{VerifyErrc::keys_unavailable, keys.error ? keys.error->jose : std::nullopt,
                                  std::move(detail)});
  }

  auto verified = verify_with_keys(*jwt, *keys.keys, issuer->algorithms, issuer->claim_rules(), now);
  if (!verified) return core::fail(std::move(verified).error());
  return VerifiedSubject{std::move(*verified), std::move(issuer)};
}

}  // namespace faasgate::oidc
