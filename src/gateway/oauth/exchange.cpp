#include "faasgate/oauth/exchange.hpp"

#include <boost/json/array.hpp>

#include "faasgate/iam/claims.hpp"
#include "faasgate/iam/resource.hpp"
#include "faasgate/oauth/mint.hpp"

namespace faasgate::oauth {

boost::json::object to_json(const TokenResponse& response) {
  boost::json::object out{{"access_token", response.access_token},
                          {"issued_token_type", response.issued_token_type},
                          {"token_type", "Bearer"},
                          {"expires_in", response.expires_in}};
  if (response.scope) out["scope"] = *response.scope;
  return out;
}

namespace {

core::Unexpected<ExchangeFailure> refuse(OAuthErrc code, std::string description) {
  return core::fail(ExchangeFailure{{code, std::move(description)}, false});
}

// RFC 8693 §2.2.2: an invalid, expired, untrusted or mis-addressed subject token is invalid_request.
core::Unexpected<ExchangeFailure> refuse_subject(const oidc::VerifyError& e) {
  using oidc::VerifyErrc;
  std::string what;
  switch (e.code) {
    case VerifyErrc::keys_not_cached:
      return core::fail(ExchangeFailure{{OAuthErrc::invalid_request, "keys not cached"}, true});
    case VerifyErrc::keys_unavailable:
      // The fetch error names internal URLs: the operator's log gets it, the client does not.
      return core::fail(ExchangeFailure{
          {OAuthErrc::temporarily_unavailable,
           "the signing keys of the subject token's issuer cannot be fetched right now; retry later"},
          false,
          e.detail});
    case VerifyErrc::malformed: what = "subject_token is not a well-formed signed JWT"; break;
    case VerifyErrc::unsupported_header: what = "subject_token has a header this gateway never accepts"; break;
    case VerifyErrc::missing_issuer: what = "subject_token has no iss claim"; break;
    case VerifyErrc::unknown_issuer: what = "subject_token was issued by an issuer this gateway does not trust"; break;
    case VerifyErrc::disallowed_algorithm: what = "subject_token is signed with an algorithm its issuer is not trusted for"; break;
    case VerifyErrc::no_matching_key: what = "subject_token names a signing key its issuer does not publish"; break;
    case VerifyErrc::bad_signature: what = "subject_token signature is invalid"; break;
    case VerifyErrc::expired: what = "subject_token has expired"; break;
    case VerifyErrc::not_yet_valid: what = "subject_token is not valid yet (nbf)"; break;
    case VerifyErrc::issued_in_future: what = "subject_token was issued in the future (iat)"; break;
    case VerifyErrc::wrong_issuer: what = "subject_token iss does not match its issuer"; break;
    case VerifyErrc::wrong_audience: what = "subject_token aud does not name an audience this gateway accepts"; break;
    case VerifyErrc::invalid_claims: what = "subject_token claims are invalid"; break;
  }
  if (!e.detail.empty()) what += ": " + e.detail;
  return refuse(OAuthErrc::invalid_request, std::move(what));
}

}  // namespace

TokenExchange::TokenExchange(std::string system_issuer) : system_issuer_(std::move(system_issuer)) {}

// A function token (reference §2): what the caller's Function:Invoke statements allow, for the
// functions it names. Each requested ns:fn must be allowed now (a Deny counts) or the request
// is invalid_target.
core::Expected<FunctionGrant, ExchangeFailure> TokenExchange::function_grant(const TokenRequest& request,
                                                                            const boost::json::object& claims,
                                                                            std::span<const std::string> policies,
                                                                            const ExchangeState& state) const {
  const auto& engine = *state.engine;
  const auto condition_claims = iam::statement_claims_of_subject(claims);
  auto who = engine.subject(policies, condition_claims);
  for (const auto& target : request.audiences) {
    auto colon = target.find(':');
    auto resource = iam::parse_request_resource(target);
    if (colon == std::string::npos || !resource || resource->level != iam::Resource::Level::function) {
      return refuse(OAuthErrc::invalid_target, "audience must name functions as <namespace>:<function>");
    }
    if (!engine.decide(who, iam::Action::function_invoke, *resource).allowed) {
      return refuse(OAuthErrc::invalid_target, "Function:Invoke on " + target + " is not allowed for this subject");
    }
  }
  auto permissions = engine.allowed_resources(who, iam::Action::function_invoke);
  if (permissions.empty()) {
    return refuse(OAuthErrc::invalid_target, "no policy of this subject allows Function:Invoke");
  }
  return FunctionGrant{std::move(permissions), request.audiences};
}

core::Expected<TokenResponse, ExchangeFailure> TokenExchange::exchange(const TokenRequest& request,
                                                                       const ExchangeState& state, core::Instant now,
                                                                       oidc::FetchMode mode) const {
  for (const auto& audience : request.audiences) {
    if (!request.function_scope && audience != system_issuer_) {
      return refuse(OAuthErrc::invalid_target, "access tokens are only issued for this gateway (" + system_issuer_ +
                                                   "); ask for scope=function to address functions");
    }
  }
  auto subject = state.verifier->verify(request.subject_token.reveal(), now, mode);
  if (!subject) return refuse_subject(subject.error());

  const auto& claims = subject->jwt.claims();
  // RFC 7519 §4.1.2: sub is a string. A number would match Roles by its text and be minted as
  // "fed:", a token that revocation and audit cannot name.
  const auto* sub_claim = claims.if_contains("sub");
  if (sub_claim == nullptr || !sub_claim->is_string() || sub_claim->get_string().empty()) {
    return refuse(OAuthErrc::invalid_request, "subject_token must have a sub claim that is a non-empty string");
  }
  const std::string sub(sub_claim->get_string());
  auto roles = state.engine->match_roles(claims);
  if (roles.policies.empty()) return refuse(OAuthErrc::invalid_request, "No policies found for subject: " + sub);

  const auto lifetime = subject->issuer->token_expiry;
  TokenInput input{&claims, system_issuer_, std::move(roles.policies), lifetime, new_token_id(), now};
  boost::json::object minted;
  if (request.function_scope) {
    auto grant = function_grant(request, claims, input.policies, state);
    if (!grant) return core::fail(grant.error());
    minted = function_token_claims(input, *grant);
  } else {
    minted = access_token_claims(input);
  }
  auto token = state.keys->current().sign(minted);
  if (!token) return refuse(OAuthErrc::temporarily_unavailable, "the gateway could not sign the token");

  TokenResponse response;
  response.access_token = std::move(*token);
  response.expires_in = lifetime.count();
  if (request.function_scope) response.scope = std::string(kFunctionScope);
  response.jti = input.jti;
  response.subject = "fed:" + sub;
  return response;
}

}  // namespace faasgate::oauth
