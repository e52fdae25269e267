#pragma once
// What a stored access token says, read without verifying it: whoami reports what the token
// claims (the gateway verifies it on every call), and the CLI reads the expiry of a token it
// stored itself. Never an authorization decision.
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"

namespace faasgate::cli {

// The payload of a compact JWS, base64url-decoded and parsed as strict JSON (a size and depth
// limit, no duplicate members). The error never quotes the token.
core::Expected<boost::json::object, std::string> token_claims(const core::Secret& token);

struct ClaimsSummary {
  std::string subject;        // sub ("fed:<original sub>")
  std::string issuer;         // iss (the gateway)
  std::string federated_issuer;  // fed:iss (who issued the ID token)
  std::vector<std::string> policies;
  std::optional<long long> expires_at;  // exp
  std::optional<long long> issued_at;   // iat
  std::string scope;
};
ClaimsSummary summarize(const boost::json::object& claims);

// "2026-11-28 22:00:00 UTC"
std::string format_time(core::Instant t);
// "3 minutes", "2 hours 5 minutes", "40 seconds", "3 days 4 hours": two units at most.
std::string format_interval(core::Seconds d);
// "in 1 hour 20 minutes" or "expired 5 minutes ago" (for an expiry), relative to `now`.
std::string describe_expiry(core::Instant expires_at, core::Instant now);

}  // namespace faasgate::cli
