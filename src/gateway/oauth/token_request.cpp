#include "faasgate/oauth/token_request.hpp"

#include <algorithm>
#include <array>

namespace faasgate::oauth {

std::string_view to_string(OAuthErrc code) noexcept {
  switch (code) {
    case OAuthErrc::invalid_request: return "invalid_request";
    case OAuthErrc::unsupported_grant_type: return "unsupported_grant_type";
    case OAuthErrc::invalid_scope: return "invalid_scope";
    case OAuthErrc::invalid_target: return "invalid_target";
    case OAuthErrc::temporarily_unavailable: return "temporarily_unavailable";
  }
  return "invalid_request";
}

namespace {

core::Unexpected<OAuthError> invalid_request(std::string description) {
  return core::fail(OAuthError{OAuthErrc::invalid_request, std::move(description)});
}

// Parameters that RFC 6749 §3.2 says must not be repeated.
constexpr std::array kSingleValued = {std::string_view("grant_type"), std::string_view("subject_token"),
                                      std::string_view("subject_token_type"), std::string_view("scope"),
                                      std::string_view("requested_token_type"), std::string_view("actor_token"),
                                      std::string_view("actor_token_type")};

}  // namespace

core::Expected<TokenRequest, OAuthError> parse_token_request(const Params& params) {
  auto find = [&](std::string_view name) -> const std::string* {
    for (const auto& [k, v] : params)
      if (k == name) return &v;
    return nullptr;
  };
  for (auto name : kSingleValued) {
    auto n = std::count_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
    if (n > 1) return invalid_request("parameter " + std::string(name) + " is repeated");
  }

  const std::string* grant = find("grant_type");
  if (!grant || grant->empty()) return invalid_request("missing grant_type");
  if (*grant != kTokenExchangeGrant) {
    return core::fail(OAuthError{OAuthErrc::unsupported_grant_type,
                                 "only grant_type=" + std::string(kTokenExchangeGrant) + " is supported"});
  }

  const std::string* token = find("subject_token");
  if (!token || token->empty()) return invalid_request("missing subject_token");
  const std::string* type = find("subject_token_type");
  if (!type || type->empty()) return invalid_request("missing subject_token_type");
  if (*type != kIdTokenType && *type != kJwtTokenType && *type != kAccessTokenType) {
    return invalid_request("unsupported subject_token_type: expected " + std::string(kIdTokenType) + ", " +
                           std::string(kJwtTokenType) + " or " + std::string(kAccessTokenType));
  }
  if (find("actor_token") || find("actor_token_type")) {
    return invalid_request("delegation (actor_token) is not supported");
  }
  if (const std::string* requested = find("requested_token_type")) {
    if (*requested != kIdTokenType && *requested != kJwtTokenType && *requested != kAccessTokenType) {
      return invalid_request("unsupported requested_token_type");
    }
  }

  TokenRequest request;
  request.subject_token = core::Secret(*token);
  request.subject_token_type = *type;
  if (const std::string* scope = find("scope")) {
    std::string_view rest = *scope;
    while (!rest.empty()) {
      auto space = rest.find(' ');
      auto item = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
      if (item.empty()) continue;
      if (item != kFunctionScope) {
        return core::fail(OAuthError{OAuthErrc::invalid_scope,
                                     "unknown scope; the only scope is \"function\""});
      }
      request.function_scope = true;
    }
  }
  for (const auto& [k, v] : params) {
    if (k != "audience") continue;
    if (v.empty()) return invalid_request("empty audience");
    request.audiences.push_back(v);
  }
  return request;
}

}  // namespace faasgate::oauth
