#include "oauth/mint.hpp"

#include <boost/json/array.hpp>

#include "core/base64.hpp"
#include "core/openssl.hpp"

namespace faasgate::oauth {

namespace {
boost::json::array to_array(const std::vector<std::string>& values) {
  boost::json::array out;
  out.reserve(values.size());
  for (const auto& v : values) out.emplace_back(v);
  return out;
}
}  // namespace

boost::json::object access_token_claims(const AccessTokenInput& in) {
  boost::json::object claims = *in.subject_claims;
  std::string original_sub;
  if (auto* sub = claims.if_contains("sub"); sub && sub->is_string()) original_sub = sub->as_string().c_str();
  std::string original_iss;
  if (auto* iss = claims.if_contains("iss"); iss && iss->is_string()) original_iss = iss->as_string().c_str();

  const long long now = core::to_unix(in.now);
  claims["iss"] = in.system_issuer;
  claims["aud"] = in.system_issuer;
  claims["sub"] = "fed:" + original_sub;
  claims["fed:iss"] = original_iss;
  claims["policy"] = to_array(in.policies);
  claims["iat"] = now;
  claims["nbf"] = now;
  claims["exp"] = now + in.lifetime.count();
  claims["jti"] = in.jti;
  return claims;
}

boost::json::object function_token_claims(const FunctionTokenInput& in) {
  const long long now = core::to_unix(in.now);
  boost::json::object claims;
  claims["iss"] = in.system_issuer;
  claims["aud"] = in.system_issuer;
  claims["sub"] = in.subject;
  claims["iat"] = now;
  claims["nbf"] = now;
  claims["exp"] = now + in.lifetime.count();
  claims["jti"] = in.jti;
  claims["function"] = boost::json::object{{"permissions", to_array(in.permissions)},
                                           {"audience", to_array(in.audience)}};
  return claims;
}

std::string new_token_id() { return core::base64url_encode(core::random_bytes(16)); }

}  // namespace faasgate::oauth
