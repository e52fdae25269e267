#include "api/auth.hpp"

#include <boost/json/array.hpp>

#include "core/base64.hpp"
#include "core/openssl.hpp"
#include "jose/jwt.hpp"

namespace faasgate::api {

namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

core::Unexpected<AuthError> refuse(AuthErrc code, std::string message) {
  return core::fail(AuthError{code, std::move(message)});
}

}  // namespace

Authenticator::Authenticator(core::Secret admin_password, std::string system_issuer, std::size_t cache_capacity)
    : admin_password_(std::move(admin_password)), system_issuer_(std::move(system_issuer)), capacity_(cache_capacity) {}

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
    const bool user_ok = pair.reveal().substr(0, colon) == "admin";
    const bool password_ok = admin_password_.equals(pair.reveal().substr(colon + 1));  // constant time
    if (!(user_ok && password_ok)) return refuse(AuthErrc::bad_credentials, "invalid credentials");
    Principal admin;
    admin.kind = Principal::Kind::admin;
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
        if (now_unix >= it->second.expires_at + 60) return refuse(AuthErrc::expired, "the access token has expired");
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
  jose::ClaimRules rules{system_issuer_, {system_issuer_}, std::chrono::seconds(60), true};
  if (auto valid = jose::validate(*verified, rules, now); !valid) {
    if (valid.error().code == jose::Errc::expired) return refuse(AuthErrc::expired, "the access token has expired");
    return refuse(AuthErrc::invalid_token, "the access token is not valid here: " + std::string(jose::to_string(valid.error().code)));
  }

  Principal p;
  p.kind = Principal::Kind::token;
  p.subject = verified->string_claim("sub").value_or("");
  p.jti = verified->string_claim("jti").value_or("");
  p.original_issuer = verified->string_claim("fed:iss").value_or("");
  if (auto* policy = verified->claims().if_contains("policy"); policy && policy->is_array()) {
    for (const auto& name : policy->as_array())
      if (name.is_string()) p.policies.emplace_back(name.as_string());
  }
  p.issued_at = verified->numeric_date("iat").value_or(0);
  p.claims = std::make_shared<const boost::json::object>(verified->claims());
  const long long exp = verified->numeric_date("exp").value_or(0);

  std::lock_guard lock(mu_);
  if (cache_.size() >= capacity_ && !lru_.empty()) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  cache_.insert_or_assign(key, Cached{p, exp, generation, lru_.begin()});
  if (revoked(p)) return refuse(AuthErrc::revoked, "the access token has been revoked");
  return p;
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
  return false;
}

}  // namespace faasgate::api
