#pragma once
// TokenAuth: the write-up's promise - "the SDK will handle the token exchange and renewal for
// you". Given where the ID token comes from (a TokenSource), it exchanges it at the gateway's
// POST /oauth/token (RFC 8693, reference §2) and keeps an access token ready. Beyond the upstream
// Go SDK, which exchanges lazily 10 s before expiry, never retries and keeps sending a rejected
// token until it expires:
//  - a token in use is renewed ahead of need, in the background, once `renew_fraction` of its
//    lifetime (± `jitter`) has passed, so no call waits for an exchange in the steady state; a
//    token shorter-lived than any margin still works (it is exchanged when it runs out);
//  - single-flight: callers needing a token at once share one exchange; a failed exchange is
//    retried after a growing backoff, and callers inside it get that failure at once;
//  - a 401 drops the rejected token (rejected()), so the next call exchanges afresh, even inside
//    a backoff; a token rejected right after such a replacement backs off like a failure, so a
//    revoked subject does not turn every call into an exchange;
//  - every exchange has a timeout, and an exchange's error carries the RFC 6749 error.
// Function tokens (scope=function, audience=<ns>:<fn>) are kept per function the same way and
// evicted when they expire. Safe to share between threads.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/secret.hpp"
#include "faasgate/sdk/auth.hpp"
#include "faasgate/sdk/http.hpp"
#include "faasgate/sdk/token_source.hpp"

namespace faasgate::sdk {

inline constexpr std::string_view kTokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr std::string_view kIdTokenType = "urn:ietf:params:oauth:token-type:id_token";

// One RFC 8693 exchange, as the upstream SDK's ExchangeIDToken sends it: form fields grant_type,
// subject_token_type, subject_token, one `audience` per audience and one space-joined `scope`.
struct ExchangeRequest {
  std::string token_url;  // https://gateway/oauth/token
  core::Secret subject_token;
  std::vector<std::string> audiences;
  std::vector<std::string> scopes;
  std::string user_agent;
  std::chrono::milliseconds timeout{10000};
};

struct ExchangedToken {
  core::Secret access_token;
  std::string token_type;         // "Bearer"
  std::string issued_token_type;
  std::string scope;
  std::chrono::seconds expires_in{0};  // 0: the endpoint gave no expiry
};

// A 400 with {error, error_description} is ErrorKind::exchange with both; any other failure says
// what it was. Never includes the subject token.
Result<ExchangedToken> exchange_token(HttpTransport& transport, const ExchangeRequest& request);

struct TokenAuthOptions {
  std::shared_ptr<HttpTransport> transport;  // nullptr: make_curl_transport()
  std::chrono::milliseconds timeout{10000};  // each exchange
  double renew_fraction = 0.5;               // renew once this much of the lifetime has passed ...
  double jitter = 0.1;                       // ... ± this much of it, drawn afresh for each token
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{10000};
  std::vector<std::string> audiences;  // for the API token (the gateway accepts none or its own URL)
  std::vector<std::string> scopes;
  std::string user_agent = "faasgate-sdk-cpp";
  // A token with no expiry (expires_in 0) is taken to live this long: renewed at its
  // renew_fraction, not served after it.
  std::chrono::seconds unbounded_lifetime{3600};
  // The time, for tests; default std::chrono::steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
  // false: no background thread; a due renewal is done by the next caller instead (tests, or a
  // program that wants no threads of the SDK's own).
  bool background_renewal = true;
};

struct TokenAuthStats {
  std::uint64_t exchanges = 0;         // attempted, API and function tokens
  std::uint64_t failed_exchanges = 0;
  std::uint64_t renewed_ahead = 0;     // successful exchanges made before the old token had run out
  std::uint64_t rejected = 0;          // tokens dropped because the gateway rejected them
  std::size_t function_tokens = 0;     // functions with a token kept now (expired ones are evicted)
};

class TokenAuth final : public ClientAuth {
 public:
  TokenAuth(std::string token_url, std::shared_ptr<TokenSource> source, TokenAuthOptions options = {});
  ~TokenAuth() override;  // stops the renewal thread (after the exchange it may be making)
  TokenAuth(const TokenAuth&) = delete;
  TokenAuth& operator=(const TokenAuth&) = delete;

  // "Bearer <access token>" for the REST API.
  Result<core::Secret> authorization() override;
  bool rejected(const core::Secret& authorization) override;

  // "Bearer <function token>" for invoking <name>.<namespace_>; names that are not
  // model::valid_name are ErrorKind::bad_request, with no exchange.
  Result<core::Secret> function_authorization(std::string_view namespace_, std::string_view name);
  bool function_rejected(std::string_view namespace_, std::string_view name, const core::Secret& authorization);

  TokenAuthStats stats() const;
  const std::string& token_url() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faasgate::sdk
