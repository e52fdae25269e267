#pragma once
// Claims of the tokens the gateway mints (reference §2). Pure: inputs and `now` in, claims out.
#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace faasgate::oauth {

struct AccessTokenInput {
  const boost::json::object* subject_claims;  // verified claims of the subject token
  std::string system_issuer;                  // the gateway's issuer URL: iss and aud
  std::vector<std::string> policies;          // union of the matching roles' policies
  std::chrono::seconds lifetime;
  std::string jti;
  core::Instant now;
};

// All claims of the subject token, then iss = aud = system issuer, sub = "fed:" + sub,
// fed:iss = original issuer, policy, iat = nbf = now, exp = now + lifetime, a fresh jti.
boost::json::object access_token_claims(const AccessTokenInput& in);

struct FunctionTokenInput {
  std::string system_issuer;
  std::string subject;                     // sub of the caller (already "fed:"-prefixed if federated)
  std::vector<std::string> permissions;    // resources of the caller's Function:Invoke statements
  std::vector<std::string> audience;       // requested "ns:fn" values (may be empty)
  std::chrono::seconds lifetime;
  std::string jti;
  core::Instant now;
};

boost::json::object function_token_claims(const FunctionTokenInput& in);

// A fresh token id: 128 random bits, base64url.
std::string new_token_id();

}  // namespace faasgate::oauth
