#include "faasgate/access/authenticator.hpp"

#include <boost/json/array.hpp>

#include "faasgate/core/base64.hpp"
#include "faasgate/core/openssl.hpp"
#include "faasgate/iam/claims.hpp"
#include "faasgate/jose/jwt.hpp"

namespace faasgate::access {

namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

// Clock skew allowed on our own tokens' exp, wherever it is checked: a verification, a cached
// token, a stream that outlives its request.
constexpr long long kLeewaySeconds = 60;

core::Unexpected<AuthError> refuse(AuthErrc code, std::string message) {
  return core::fail(AuthError{code, std::move(message)});
}

}  // namespace

Authenticator::Authenticator(core::Secret admin_password, std::string system_issuer, std::size_t cache_capacity,
                             std::string admin_user)
    : admin_password_(std::move(admin_password)),
      admin_user_(std::move(admin_user)), system_issuer_(std::move(system_issuer)), capacity_(cache_capacity) {}

core::Expected<Principal, AuthError> Authenticator::authenticate(std::string_view authorization,
                                                                 const jose::KeySet& keys,
                                                                 std::uint64_t keys_generation, core::Instant now) {
  if (authorization.empty()) return refuse(AuthErrc::missing, "authentication required");
  if (iequals_prefix(authorization, "Bearer ")) {
    auto token = authorization.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    return verify_bearer(token, keys, keys_generation, now);
  }
  if (iequals_prefix(authorization, "Basic ")) {
    auto decoded = core::base64_decode(authorization.substr(6));
    if (!decoded) return refuse(AuthErrc::malformed, "malformed basic credentials");
    core::Secret pair(std::string(decoded->begin(), decoded->end()));
    auto colon = pair.reveal().find(':');
    if (colon == std::string_view::npos) return refuse(AuthErrc::malformed, "malformed basic credentials");
    const bool user_ok = pair.reveal().substr(0, colon) == admin_user_;
    const bool password_ok = admin_password_.equals(pair.reveal().substr(colon + 1));  // constant time
    if (!(user_ok && password_ok)) return refuse(AuthErrc::bad_credentials, "invalid credentials");
    Principal admin;
    admin.kind = Principal::Kind::admin;  // the one place a Principal becomes the admin
    admin.subject = "admin";
    return admin;
  }
  return refuse(AuthErrc::malformed, "unsupported authorization scheme: use Bearer or Basic");
}

core::Expected<Principal, AuthError> Authenticator::verify_bearer(std::string_view token, const jose::KeySet& keys,
                                                                  std::uint64_t generation, core::Instant now) {
  const auto digest = core::sha256(token);
  std::string key(reinterpret_cast<const char*>(digest.data()), digest.size());
  const long long now_unix = core::to_unix(now);
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      if (it->second.generation == generation) {
        // exp is checked on every use: a cached token expires exactly when it would uncached.
        if (now_unix >= it->second.expires_at + kLeewaySeconds) return refuse(AuthErrc::expired, "the access token has expired");
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        if (revoked(it->second.principal)) return refuse(AuthErrc::revoked, "the access token has been revoked");
        return it->second.principal;
      }
      lru_.erase(it->second.lru);
      cache_.erase(it);
    }
  }

  auto parsed = jose::UnverifiedJwt::parse(token);
  if (!parsed) return refuse(AuthErrc::invalid_token, "the access token is malformed");
  static constexpr jose::Algorithm kOurs[] = {jose::Algorithm::ES256};
  auto verified = jose::verify(*parsed, keys, kOurs);
  if (!verified) return refuse(AuthErrc::invalid_token, "the access token was not issued by this gateway");
  jose::ClaimRules rules{system_issuer_, {system_issuer_}, std::chrono::seconds(kLeewaySeconds), true};
  if (auto valid = jose::validate(*verified, rules, now); !valid) {
    if (valid.error().code == jose::Errc::expired) return refuse(AuthErrc::expired, "the access token has expired");
    return refuse(AuthErrc::invalid_token, "the access token is not valid here: " + std::string(jose::to_string(valid.error().code)));
  }

  auto principal = principal_of(*verified);
  if (!principal) return core::fail(principal.error());
  Principal& p = *principal;

  std::lock_guard lock(mu_);
  if (cache_.size() >= capacity_ && !lru_.empty()) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  cache_.insert_or_assign(key, Cached{p, p.expires_at, generation, lru_.begin()});
  if (revoked(p)) return refuse(AuthErrc::revoked, "the access token has been revoked");
  return p;
}

// A token this gateway signed, as a Principal. The scope claim says which kind it is: none is an
// API token, "function" a function token (which must say which functions it addresses), and any
// other scope is refused rather than guessed at.
core::Expected<Principal, AuthError> Authenticator::principal_of(const jose::VerifiedJwt& token) {
  const auto& claims = token.claims();
  Principal p;
  p.kind = Principal::Kind::api_token;
  if (const auto* scope = claims.if_contains("scope")) {
    if (!scope->is_string() || scope->get_string() != "function")
      return refuse(AuthErrc::invalid_token, "the access token has a scope this gateway does not know");
    const auto* function = claims.if_contains("function");
    if (function == nullptr || !function->is_object())
      return refuse(AuthErrc::invalid_token, "the function token does not say which functions it addresses");
    p.kind = Principal::Kind::function_token;
    if (const auto* audience = function->get_object().if_contains("audience"); audience && audience->is_array()) {
      for (const auto& a : audience->get_array())
        if (a.is_string()) p.audience.emplace_back(a.get_string());
    }
  }
  p.subject = token.string_claim("sub").value_or("");
  if (!p.subject.starts_with("fed:"))
    return refuse(AuthErrc::invalid_token, "the access token does not name a federated subject");
  p.jti = token.string_claim("jti").value_or("");
  p.original_issuer = token.string_claim("fed:iss").value_or("");
  if (const auto* policy = claims.if_contains("policy"); policy && policy->is_array()) {
    for (const auto& name : policy->as_array())
      if (name.is_string()) p.policies.emplace_back(name.as_string());
  }
  p.issued_at = token.numeric_date("iat").value_or(0);
  p.expires_at = token.numeric_date("exp").value_or(0);
  p.claims = std::make_shared<const boost::json::object>(claims);
  p.condition_claims = std::make_shared<const boost::json::object>(iam::statement_claims_of_token(claims));
  return p;
}

bool Authenticator::still_valid(const Principal& p, core::Instant now) const {
  if (p.is_admin()) return true;
  // A stream ends when a request with its token would fail.
  if (core::to_unix(now) >= p.expires_at + kLeewaySeconds) return false;
  return !revoked(p);
}

std::string RevocationList::issuer_subject_key(std::string_view iss, std::string_view sub) {
  std::string key;
  key.reserve(iss.size() + 1 + sub.size());
  key.append(iss).push_back('\n');  // no issuer URL holds a line break
  key.append(sub);
  return key;
}

bool Authenticator::revoked(const Principal& p) const {
  auto list = revocations_.load();
  if (!list) return false;
  if (!p.jti.empty() && list->token_ids.count(p.jti)) return true;
  // A subject may be revoked by its federated name ("fed:...") or by the original one.
  std::string_view sub = p.subject;
  for (int i = 0; i < 2; ++i) {
    if (auto it = list->subjects.find(std::string(sub)); it != list->subjects.end() && p.issued_at <= it->second) return true;
    if (!sub.starts_with("fed:")) break;
    sub.remove_prefix(4);
  }
  if (!list->issuer_subjects.empty() && p.subject.starts_with("fed:")) {
    const auto key = RevocationList::issuer_subject_key(p.original_issuer, std::string_view(p.subject).substr(4));
    if (auto it = list->issuer_subjects.find(key); it != list->issuer_subjects.end() && p.issued_at <= it->second)
      return true;
  }
  return false;
}

}  // namespace faasgate::access
