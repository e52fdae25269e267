#pragma once
// The token exchange request (RFC 8693 §2.1), from already-decoded parameters. The parameters may
// come from a form body, a query string, or both (the write-up's curl uses the query string);
// the HTTP layer concatenates them, so a parameter given in both places counts as repeated.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/oauth/error.hpp"

namespace faasgate::oauth {

inline constexpr std::string_view kTokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr std::string_view kIdTokenType = "urn:ietf:params:oauth:token-type:id_token";
inline constexpr std::string_view kJwtTokenType = "urn:ietf:params:oauth:token-type:jwt";
inline constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
inline constexpr std::string_view kFunctionScope = "function";

using Params = std::vector<std::pair<std::string, std::string>>;

struct TokenRequest {
  core::Secret subject_token;
  std::string subject_token_type;
  bool function_scope = false;         // scope=function: a function token (reference §2)
  std::vector<std::string> audiences;  // repeated `audience`, for function tokens "ns:fn"
};

core::Expected<TokenRequest, OAuthError> parse_token_request(const Params& params);

}  // namespace faasgate::oauth
