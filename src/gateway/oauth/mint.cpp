#include "faasgate/oauth/mint.hpp"

#include <boost/json/array.hpp>

#include "faasgate/core/base64.hpp"
#include "faasgate/core/openssl.hpp"
#include "faasgate/iam/claims.hpp"
#include "faasgate/oauth/token_request.hpp"

namespace faasgate::oauth {

namespace {
boost::json::array to_array(const std::vector<std::string>& values) {
  boost::json::array out;
  out.reserve(values.size());
  for (const auto& v : values) out.emplace_back(v);
  return out;
}
}  // namespace

boost::json::object access_token_claims(const TokenInput& in) {
  const auto& subject = *in.subject_claims;
  boost::json::object claims = iam::carried_claims(subject);
  const auto* sub = subject.if_contains("sub");
  const auto* iss = subject.if_contains("iss");
  const long long now = core::to_unix(in.now);
  claims["iss"] = in.system_issuer;
  claims["aud"] = in.system_issuer;
  claims["sub"] = "fed:" + std::string(sub && sub->is_string() ? std::string_view(sub->get_string()) : "");
  claims["fed:iss"] = iss && iss->is_string() ? std::string_view(iss->get_string()) : std::string_view();
  claims["policy"] = to_array(in.policies);
  claims["iat"] = now;
  claims["nbf"] = now;
  claims["exp"] = now + in.lifetime.count();
  claims["jti"] = in.jti;
  return claims;
}

boost::json::object function_token_claims(const TokenInput& in, const FunctionGrant& grant) {
  auto claims = access_token_claims(in);
  claims["scope"] = kFunctionScope;
  claims["function"] = boost::json::object{{"permissions", to_array(grant.permissions)},
                                           {"audience", to_array(grant.audience)}};
  return claims;
}

std::string new_token_id() { return core::base64url_encode(core::random_bytes(16)); }

}  // namespace faasgate::oauth
