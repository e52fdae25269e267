#pragma once
// Claims of the tokens the gateway mints (reference §2). Pure: inputs and `now` in, claims out.
#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "faasgate/core/clock.hpp"

namespace faasgate::oauth {

struct TokenInput {
  const boost::json::object* subject_claims;  // verified claims of the subject token; sub is a string
  std::string system_issuer;                  // the gateway's issuer URL: iss and aud
  std::vector<std::string> policies;          // union of the matching roles' policies
  std::chrono::seconds lifetime;
  std::string jti;
  core::Instant now;
};

// The subject token's claims less the gateway's own (iam/claims.hpp: a subject's `function`,
// `policy`, `scope` or `fed:*` never pass through), then iss = aud = system issuer,
// sub = "fed:" + sub, fed:iss = original issuer, policy, iat = nbf = now, exp = now + lifetime,
// a fresh jti.
boost::json::object access_token_claims(const TokenInput& in);

// What a function token addresses (reference §2).
struct FunctionGrant {
  // Resources of the Function:Invoke statements that allowed at the exchange. Informational, as
  // upstream's watchdog reads them: the gateway decides each invocation with the live engine from
  // the token's `policy` (so a Deny or a Policy edit applies at once).
  std::vector<std::string> permissions;
  std::vector<std::string> audience;  // requested "ns:fn" values; empty: any function permitted
};

// An access token's claims plus scope = "function" (what makes it a function token) and
// function = {permissions, audience}.
boost::json::object function_token_claims(const TokenInput& in, const FunctionGrant& grant);

// A fresh token id: 128 random bits, base64url.
std::string new_token_id();

}  // namespace faasgate::oauth
