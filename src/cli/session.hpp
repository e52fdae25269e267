#pragma once
// A command's connection to one gateway: which gateway (--gateway, else $OPENFAAS_URL, else the
// config's current one, else http://127.0.0.1:8080), the stored login for it, and an sdk::Client
// that sends it. A stored access token that has run out is exchanged again from its ID token
// file, when the login kept one, before the first call and once more after a 401; without a
// file the command stops with advice to log in again.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "advice.hpp"
#include "config.hpp"
#include "faasgate/cli/context.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/sdk/client.hpp"
#include "faasgate/sdk/token_source.hpp"
#include "input.hpp"

namespace faasgate::cli {

inline constexpr std::string_view kDefaultGateway = "http://127.0.0.1:8080";
inline constexpr std::string_view kUserAgent = "faasgate-cli";
// A stored token this close to its expiry is treated as expired: it could run out mid-call.
inline constexpr core::Seconds kExpiryMargin{10};

// --gateway, else $OPENFAAS_URL, else `config.current`, else kDefaultGateway; normalized.
Expected<std::string> resolve_gateway(const Context& context, const std::string& flag, const Config& config);

// An ID token in a file, read afresh on every call (a projected token is rewritten in place).
class FileTokenSource final : public sdk::TokenSource {
 public:
  explicit FileTokenSource(std::filesystem::path path) : path_(std::move(path)) {}
  core::Expected<core::Secret, std::string> token() override;

 private:
  std::filesystem::path path_;
};

// One exchange of `id_token` at <gateway>/oauth/token, as the login to store: expires_at is
// absolute (now + expires_in), 0 when the gateway gave no expiry.
sdk::Result<GatewayLogin> exchange_id_token(Context& context, const std::string& gateway, const core::Secret& id_token,
                                            const std::string& token_file);

struct SessionOptions {
  // fn invoke --auth: function tokens need a TokenAuth, i.e. a login that kept its ID token file.
  bool function_tokens = false;
};

class Session {
 public:
  // Loads the config and picks the gateway and its login; refreshes an expired token from its
  // file. The error is advice, ready to print.
  static Expected<std::unique_ptr<Session>> open(Context& context, const std::string& gateway_flag,
                                                 const SessionOptions& options = {});

  sdk::Client& client() { return *client_; }
  const std::string& gateway() const noexcept { return login_.gateway; }
  const LoginState& login() const noexcept { return login_; }
  std::string advise(const sdk::Error& error, const Operation& op) const { return cli::advise(error, op, login_); }

 private:
  Session() = default;
  LoginState login_;
  std::unique_ptr<sdk::Client> client_;
};

}  // namespace faasgate::cli
