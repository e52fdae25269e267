#pragma once
// The token exchange (RFC 8693): a parsed request and `now` in, a signed access token or an RFC
// error out. No sockets; the only I/O is the key fetch through oidc's HttpClient, and only when
// the caller allows it (the HTTP layer first tries from cache on its I/O thread, then - if keys
// must be fetched - again on a thread that may block).
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/iam/engine.hpp"
#include "faasgate/oauth/error.hpp"
#include "faasgate/oauth/keyring.hpp"
#include "faasgate/oauth/mint.hpp"
#include "faasgate/oauth/token_request.hpp"
#include "faasgate/oidc/verifier.hpp"

namespace faasgate::oauth {

struct TokenResponse {
  std::string access_token;
  std::string issued_token_type{kIdTokenType};
  long long expires_in = 0;
  std::optional<std::string> scope;
  std::string jti;       // for logs and audit
  std::string subject;   // sub of the minted token, for logs and audit
};

boost::json::object to_json(const TokenResponse& response);

struct ExchangeFailure {
  OAuthError error;
  bool needs_fetch = false;  // retry with FetchMode::may_fetch on a thread that may block
  std::string log_detail;    // for the operator's log only (e.g. why keys could not be fetched)
};

// One consistent view of everything a decision depends on; swapped whole on reload.
struct ExchangeState {
  std::shared_ptr<const oidc::SubjectTokenVerifier> verifier;  // over this snapshot's trusted issuers
  std::shared_ptr<const iam::Engine> engine;
  std::shared_ptr<const KeyRing> keys;
};

class TokenExchange {
 public:
  explicit TokenExchange(std::string system_issuer);

  core::Expected<TokenResponse, ExchangeFailure> exchange(const TokenRequest& request, const ExchangeState& state,
                                                          core::Instant now, oidc::FetchMode mode) const;

  const std::string& system_issuer() const noexcept { return system_issuer_; }

 private:
  core::Expected<FunctionGrant, ExchangeFailure> function_grant(const TokenRequest& request,
                                                               const boost::json::object& claims,
                                                               std::span<const std::string> policies,
                                                               const ExchangeState& state) const;
  std::string system_issuer_;
};

}  // namespace faasgate::oauth
