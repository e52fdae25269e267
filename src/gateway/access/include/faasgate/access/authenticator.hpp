#pragma once
// Who is calling: the admin (HTTP basic auth, user "admin") or the bearer of an access token
// minted by this gateway (verified with its own published keys). Anything else is refused.
//
// Verified tokens are cached by the SHA-256 of the token, so a repeated token does not pay a
// signature verification per request; expiry is still checked against `now` on every use, and a
// change of the published keys (a snapshot with a new generation) invalidates the cache.
#include <boost/json/object.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <atomic>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/jose/jwk.hpp"

namespace faasgate::jose {
class VerifiedJwt;
}

namespace faasgate::access {

struct Principal {
  // Nothing defaults to the admin: a Principal is an API token with no policies (no rights) until
  // the authenticator says otherwise.
  enum class Kind {
    admin,           // HTTP basic auth as the admin: every /system route, IAM not consulted
    api_token,       // an access token of this gateway: the REST API, as its policies allow
    function_token,  // a function token (scope=function): invoking functions only
  };
  Kind kind = Kind::api_token;
  std::string subject;                                 // "admin", or the token's sub ("fed:...")
  std::shared_ptr<const boost::json::object> claims;  // the token's verified claims
  // What statement conditions see (iam/claims.hpp): the subject's claims with its original iss and
  // sub, as at the exchange. Computed once per token.
  std::shared_ptr<const boost::json::object> condition_claims;
  std::string jti;
  std::string original_issuer;                         // fed:iss
  std::vector<std::string> policies;                   // the token's policy claim
  std::vector<std::string> audience;                   // a function token's function.audience ("ns:fn")
  long long issued_at = 0;                             // iat
  long long expires_at = 0;                            // exp (0 for the admin: never)
  bool is_admin() const noexcept { return kind == Kind::admin; }
};

enum class AuthErrc { missing, malformed, bad_credentials, invalid_token, expired, revoked };

struct AuthError {
  AuthErrc code;
  std::string message;  // for the 401 body and WWW-Authenticate; never the credential
};

// Revoked subjects (tokens issued at or before the time fail) and token ids, as loaded from the
// store; swapped whole.
struct RevocationList {
  std::unordered_map<std::string, long long> subjects;  // sub (original or fed:) -> revoked at (unix seconds)
  // The same sub from one issuer only: issuer_subject_key(iss, original sub) -> revoked at.
  std::unordered_map<std::string, long long> issuer_subjects;
  std::unordered_set<std::string> token_ids;
  static std::string issuer_subject_key(std::string_view iss, std::string_view sub);
};

class Authenticator {
 public:
  // `admin_user`: the basic-auth user name of the admin ("admin" unless an operator's mounted
  // credentials name another, as a provider's may).
  Authenticator(core::Secret admin_password, std::string system_issuer, std::size_t cache_capacity = 10'000,
                std::string admin_user = "admin");

  // `authorization`: the Authorization header's value (empty when absent). `keys` and
  // `keys_generation`: the system issuer's currently published keys.
  core::Expected<Principal, AuthError> authenticate(std::string_view authorization, const jose::KeySet& keys,
                                                    std::uint64_t keys_generation, core::Instant now);

  const std::string& system_issuer() const noexcept { return system_issuer_; }
  // Revocations apply to cached tokens too, from the next request on.
  void set_revocations(std::shared_ptr<const RevocationList> list) { revocations_.store(std::move(list)); }
  // Whether a principal authenticated earlier still is: not expired, not revoked since (long-lived
  // streams ask this while they run).
  bool still_valid(const Principal& p, core::Instant now) const;

 private:
  struct Cached {
    Principal principal;
    long long expires_at = 0;
    std::uint64_t generation = 0;
    std::list<std::string>::iterator lru;
  };
  core::Expected<Principal, AuthError> verify_bearer(std::string_view token, const jose::KeySet& keys,
                                                     std::uint64_t generation, core::Instant now);

  bool revoked(const Principal& p) const;
  static core::Expected<Principal, AuthError> principal_of(const jose::VerifiedJwt& token);

  core::Secret admin_password_;
  std::string admin_user_;
  std::atomic<std::shared_ptr<const RevocationList>> revocations_;
  std::string system_issuer_;
  std::size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // key: SHA-256 of the token (binary)
  std::list<std::string> lru_;                     // most recent first
};

}  // namespace faasgate::access
