#include "session.hpp"

#include <mutex>
#include <ostream>

#include "claims.hpp"
#include "faasgate/sdk/auth.hpp"
#include "faasgate/sdk/token_auth.hpp"

namespace faasgate::cli {

Expected<std::string> resolve_gateway(const Context& context, const std::string& flag, const Config& config) {
  std::string url = flag;
  if (url.empty())
    if (auto env = context.getenv("OPENFAAS_URL"); env && !env->empty()) url = *env;
  if (url.empty()) url = config.current;
  if (url.empty()) url = std::string(kDefaultGateway);
  return normalize_gateway(url);
}

core::Expected<core::Secret, std::string> FileTokenSource::token() {
  auto text = read_file(path_, kMaxTokenBytes);
  if (!text) return core::fail("cannot read the ID token: " + text.error());
  auto token = trim_right(std::move(*text));
  if (token.empty()) return core::fail("the ID token file " + path_.string() + " is empty");
  return core::Secret(std::move(token));
}

sdk::Result<GatewayLogin> exchange_id_token(Context& context, const std::string& gateway, const core::Secret& id_token,
                                            const std::string& token_file) {
  sdk::ExchangeRequest request;
  request.token_url = gateway + "/oauth/token";
  request.subject_token = id_token;
  request.user_agent = std::string(kUserAgent);
  auto exchanged = sdk::exchange_token(*context.transport(), request);
  if (!exchanged) return core::fail(std::move(exchanged.error()));
  GatewayLogin login;
  login.kind = AuthKind::token;
  login.access_token = std::move(exchanged->access_token);
  const auto lifetime = exchanged->expires_in.count();
  login.expires_at = lifetime > 0 ? core::to_unix(context.clock->now()) + lifetime : 0;
  login.token_file = token_file;
  return login;
}

namespace {

// The stored access token, exchanged again from its ID token file after a 401 (a revoked token,
// or a gateway whose keys changed) - once per process, so a gateway that keeps refusing is not
// asked for ever.
class StoredTokenAuth final : public sdk::ClientAuth {
 public:
  using Renew = std::function<sdk::Result<core::Secret>()>;
  StoredTokenAuth(const core::Secret& token, Renew renew) : header_(bearer(token)), renew_(std::move(renew)) {}

  sdk::Result<core::Secret> authorization() override {
    std::lock_guard lock(mutex_);
    return header_;
  }

  bool rejected(const core::Secret& authorization) override {
    std::lock_guard lock(mutex_);
    if (!(authorization == header_)) return true;  // renewed meanwhile: try the new one
    if (!renew_ || renewed_) return false;
    renewed_ = true;
    auto token = renew_();
    if (!token) return false;
    header_ = bearer(*token);
    return true;
  }

 private:
  static core::Secret bearer(const core::Secret& token) { return core::Secret("Bearer " + std::string(token.reveal())); }

  std::mutex mutex_;
  core::Secret header_;
  Renew renew_;
  bool renewed_ = false;
};

// Puts a renewed login into the config - unless the user logged out or in otherwise meanwhile.
void store_renewed(Context& context, const std::filesystem::path& path, const std::string& gateway,
                   const GatewayLogin& renewed) {
  auto config = load_config(path);
  if (!config) {
    *context.err << "faasgate: warning: the renewed login is not stored: " << config.error() << "\n";
    return;
  }
  auto it = config->gateways.find(gateway);
  if (it == config->gateways.end() || it->second.kind != AuthKind::token || it->second.token_file != renewed.token_file)
    return;
  it->second = renewed;
  if (auto saved = save_config(path, *config); !saved)
    *context.err << "faasgate: warning: the renewed login is not stored: " << saved.error() << "\n";
}

bool expired(const GatewayLogin& login, core::Instant now) {
  return login.expires_at != 0 && core::to_unix(now) + kExpiryMargin.count() >= login.expires_at;
}

}  // namespace

Expected<std::unique_ptr<Session>> Session::open(Context& context, const std::string& gateway_flag,
                                                 const SessionOptions& options) {
  auto path = config_path(context.env);
  if (!path) return core::fail(std::move(path.error()));
  auto config = load_config(*path);
  if (!config) return core::fail("cannot read the CLI's config: " + config.error());
  auto gateway = resolve_gateway(context, gateway_flag, *config);
  if (!gateway) return core::fail(std::move(gateway.error()));

  std::unique_ptr<Session> session(new Session());
  session->login_.gateway = *gateway;
  const GatewayLogin* stored = config->login(*gateway);
  session->login_.logged_in = stored != nullptr;
  session->login_.login_command = login_command(*gateway, stored);

  sdk::ClientOptions client_options;
  client_options.transport = context.transport();
  client_options.user_agent = std::string(kUserAgent);
  if (stored && stored->kind == AuthKind::basic) {
    client_options.auth = std::make_shared<sdk::BasicAuth>(stored->username, stored->password);
  } else if (stored && stored->kind == AuthKind::token) {
    GatewayLogin current = *stored;
    const std::string token_file = current.token_file;
    Context* ctx = &context;
    auto renew = [ctx, file = *path, url = *gateway, token_file]() -> sdk::Result<GatewayLogin> {
      auto id_token = FileTokenSource(token_file).token();
      if (!id_token) return core::fail(sdk::Error{sdk::ErrorKind::token_source, id_token.error()});
      auto renewed = exchange_id_token(*ctx, url, *id_token, token_file);
      if (renewed) store_renewed(*ctx, file, url, *renewed);
      return renewed;
    };
    if (expired(current, context.clock->now())) {
      const auto at = core::from_unix(current.expires_at);
      if (token_file.empty())
        return core::fail(expired_advice(*gateway, at, session->login_.login_command));
      auto renewed = renew();
      if (!renewed) {
        const Operation again{"exchange the ID token in " + token_file + " again", "", "", "", "", ""};
        return core::fail("your login to " + *gateway + " expired at " + format_time(at) + ", and " +
                          session->advise(renewed.error(), again));
      }
      current = std::move(*renewed);
    }
    StoredTokenAuth::Renew on_rejected;
    if (!token_file.empty())
      on_rejected = [renew]() -> sdk::Result<core::Secret> {
        auto renewed = renew();
        if (!renewed) return core::fail(std::move(renewed.error()));
        return renewed->access_token;
      };
    client_options.auth = std::make_shared<StoredTokenAuth>(current.access_token, std::move(on_rejected));
    if (options.function_tokens && !token_file.empty()) {
      sdk::TokenAuthOptions token_options;
      token_options.transport = client_options.transport;
      token_options.user_agent = std::string(kUserAgent);
      token_options.background_renewal = false;  // one command, one process: no thread of its own
      client_options.function_auth = std::make_shared<sdk::TokenAuth>(
          *gateway + "/oauth/token", std::make_shared<FileTokenSource>(token_file), token_options);
    }
  }
  if (options.function_tokens && !client_options.function_auth)
    return core::fail("--auth sends a function token, which the gateway exchanges for your ID token each time; "
                      "that needs a login that kept its ID token file: run `faasgate login --gateway " +
                      *gateway + " --token-file <your ID token>` (a login with --token-stdin or a password cannot "
                      "get function tokens)");
  session->client_ = std::make_unique<sdk::Client>(*gateway, std::move(client_options));
  return session;
}

}  // namespace faasgate::cli
