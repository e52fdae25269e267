#pragma once
// OAuth 2.0 error codes (RFC 6749 §5.2, RFC 8693 §2.2.2). The HTTP layer sends every one of them
// as 400 with {"error","error_description"}; none of them is a server fault.
#include <string>
#include <string_view>

namespace faasgate::oauth {

enum class OAuthErrc {
  invalid_request,          // missing/repeated/unsupported parameter, or a bad subject token (RFC 8693 §2.2.2)
  unsupported_grant_type,
  invalid_scope,
  invalid_target,           // an audience that cannot be served
  temporarily_unavailable,  // the issuer's keys cannot be fetched right now (503)
};

std::string_view to_string(OAuthErrc code) noexcept;

struct OAuthError {
  OAuthErrc code;
  std::string description;  // says what was wrong; never contains a token
};

}  // namespace faasgate::oauth
