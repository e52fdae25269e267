// `faasgate login`, `logout` and `whoami`: the stored login to a gateway (config.hpp).
//
// A login with an ID token exchanges it at the gateway (RFC 8693) and stores the access token and
// its expiry - never the ID token, only the path of its file, from which an expired token is
// exchanged again without asking. A login with a username keeps the password, as faas-cli does,
// in the config file, which only its owner can read. Nothing here prints a token or a password.
#include <boost/json/value.hpp>

#include <filesystem>
#include <memory>
#include <ostream>

#include "advice.hpp"
#include "claims.hpp"
#include "config.hpp"
#include "faasgate/core/text.hpp"
#include "faasgate/cli/commands.hpp"
#include "faasgate/sdk/auth.hpp"
#include "faasgate/sdk/client.hpp"
#include "output.hpp"
#include "session.hpp"
#include "support.hpp"

namespace faasgate::cli {

namespace {

struct LoginOptions {
  std::string gateway;
  std::string token_file;
  bool token_stdin = false;
  std::string username;
  bool password_stdin = false;
};

// Checks a username and password by asking for something every admin may read.
sdk::Result<void> verify_basic(Context& context, const std::string& gateway, const GatewayLogin& login) {
  sdk::ClientOptions options;
  options.transport = context.transport();
  options.user_agent = std::string(kUserAgent);
  options.auth = std::make_shared<sdk::BasicAuth>(login.username, login.password);
  sdk::Client client(gateway, options);
  auto info = client.info();
  // A 403 means the gateway knew who was asking: the credentials are good, the policy is not ours.
  if (!info && info.error().kind != sdk::ErrorKind::forbidden) return core::fail(std::move(info.error()));
  return {};
}

void print_logged_in(Context& context, const std::string& gateway, const GatewayLogin& login,
                     const std::filesystem::path& config) {
  auto& out = *context.out;
  if (login.kind == AuthKind::basic) {
    out << "Logged in to " << gateway << " as " << login.username << ". The password is kept in " << config.string()
        << ", which only you can read (mode 0600).\n";
    return;
  }
  out << "Logged in to " << gateway;
  if (auto claims = token_claims(login.access_token)) {
    const auto s = summarize(*claims);
    if (!s.subject.empty()) out << " as " << s.subject;
    out << (s.policies.empty() ? std::string(" with no policies") : " with policies " + join(s.policies));
  }
  out << ".";
  if (login.expires_at != 0) {
    const auto at = core::from_unix(login.expires_at);
    out << " The token expires at " << format_time(at) << " (" << describe_expiry(at, context.clock->now()) << ")";
    out << (login.token_file.empty() ? "." : "; it is exchanged again from " + login.token_file + " when it has.");
  }
  out << "\n";
}

int login(Context& context, const LoginOptions& o) {
  const int ways = (!o.token_file.empty() ? 1 : 0) + (o.token_stdin ? 1 : 0) + (!o.username.empty() ? 1 : 0);
  if (ways != 1)
    return fail(context, "login: give one of --token-file FILE, --token-stdin, or --username USER --password-stdin",
                kUsage);
  if (!o.username.empty() != o.password_stdin)
    return fail(context, "login: --username and --password-stdin go together (a password is read from stdin, "
                         "never from the command line)", kUsage);
  auto path = config_path(context.env);
  if (!path) return fail(context, path.error());
  auto config = load_config(*path);
  if (!config) return fail(context, "cannot read the CLI's config: " + config.error());
  // Not the config's current gateway: logging in names the gateway, or takes the environment's.
  auto gateway = resolve_gateway(context, o.gateway, Config{});
  if (!gateway) return fail(context, gateway.error(), kUsage);

  GatewayLogin login;
  LoginState state{*gateway, false, ""};
  const Operation op{"log in to " + *gateway, "", "", "", "", ""};
  if (!o.username.empty()) {
    state.login_command = "faasgate login --gateway " + *gateway + " --username " + o.username + " --password-stdin";
    if (context.in_is_terminal) *context.err << "Password (then Enter and Ctrl-D): " << std::flush;
    auto password = read_stream(*context.in, kMaxPasswordBytes, "the password on stdin");
    if (!password) return fail(context, password.error());
    auto text = without_final_newline(std::move(*password));
    if (text.empty()) return fail(context, "login: the password on stdin is empty");
    // The config is YAML, which holds UTF-8 text: other bytes would not come back as they went in.
    if (!core::valid_utf8(text) || !core::valid_utf8(o.username))
      return fail(context, "login: the username and password must be UTF-8 text; nothing was stored");
    login.kind = AuthKind::basic;
    login.username = o.username;
    login.password = core::Secret(std::move(text));
    if (auto verified = verify_basic(context, *gateway, login); !verified) {
      if (verified.error().kind == sdk::ErrorKind::unauthorized)
        return fail(context, "cannot log in to " + *gateway + ": the gateway refused the username or password "
                             "(401). Nothing was stored.");
      return fail(context, advise(verified.error(), op, state) + " Nothing was stored.");
    }
  } else {
    std::string file;
    std::string id_token;
    if (!o.token_file.empty()) {
      file = std::filesystem::absolute(o.token_file).lexically_normal().string();
      state.login_command = "faasgate login --gateway " + *gateway + " --token-file " + file;
      auto token = FileTokenSource(file).token();
      if (!token) return fail(context, "login: " + token.error());
      id_token = std::string(token->reveal());
    } else {
      state.login_command = "faasgate login --gateway " + *gateway + " --token-stdin";
      auto text = read_stream(*context.in, kMaxTokenBytes, "the ID token on stdin");
      if (!text) return fail(context, "login: " + text.error());
      id_token = trim_right(std::move(*text));
      if (id_token.empty()) return fail(context, "login: no ID token on stdin");
    }
    auto exchanged = exchange_id_token(context, *gateway, core::Secret(std::move(id_token)), file);
    if (!exchanged) return fail(context, advise(exchanged.error(), op, state) + " Nothing was stored.");
    login = std::move(*exchanged);
  }

  // Read again just before writing: what another command stored meanwhile is kept.
  auto latest = load_config(*path);
  if (!latest) return fail(context, "cannot read the CLI's config: " + latest.error());
  latest->gateways[*gateway] = login;
  latest->current = *gateway;
  if (auto saved = save_config(*path, *latest); !saved)
    return fail(context, "logged in, but cannot store the login: " + saved.error());
  print_logged_in(context, *gateway, login, *path);
  return kOk;
}

int logout(Context& context, const std::string& gateway_flag) {
  auto path = config_path(context.env);
  if (!path) return fail(context, path.error());
  auto config = load_config(*path);
  if (!config) return fail(context, "cannot read the CLI's config: " + config.error());
  auto gateway = resolve_gateway(context, gateway_flag, *config);
  if (!gateway) return fail(context, gateway.error(), kUsage);
  auto it = config->gateways.find(*gateway);
  if (it == config->gateways.end()) {
    *context.err << "Not logged in to " << *gateway << ": nothing to forget.\n";
    return kOk;
  }
  const bool token = it->second.kind == AuthKind::token;
  config->gateways.erase(it);
  if (auto saved = save_config(*path, *config); !saved) return fail(context, "cannot forget the login: " + saved.error());
  *context.out << "Logged out of " << *gateway << ".";
  // Forgetting a token does not end it: the gateway has no call for that, its admin does.
  if (token)
    *context.out << " The access token stays valid at the gateway until it expires; `faasgate iam revoke` there "
                    "ends it sooner.";
  *context.out << "\n";
  return kOk;
}

struct WhoamiOptions {
  std::string gateway;
  Format format = Format::table;
};

int whoami(Context& context, const WhoamiOptions& o) {
  auto path = config_path(context.env);
  if (!path) return fail(context, path.error());
  auto config = load_config(*path);
  if (!config) return fail(context, "cannot read the CLI's config: " + config.error());
  auto gateway = resolve_gateway(context, o.gateway, *config);
  if (!gateway) return fail(context, gateway.error(), kUsage);
  const GatewayLogin* login = config->login(*gateway);
  if (!login) return fail(context, "not logged in to " + *gateway + ": run `" + login_command(*gateway, nullptr) + "`");

  if (login->kind == AuthKind::basic) {
    if (o.format != Format::table) {
      write_document(*context.out, o.format,
                     boost::json::object{{"gateway", *gateway}, {"kind", "basic"}, {"username", login->username}});
      return kOk;
    }
    Fields f;
    f.add("gateway", *gateway);
    f.add("login", "username and password (basic)");
    f.add("username", login->username);
    f.write(*context.out);
    return kOk;
  }
  auto claims = token_claims(login->access_token);
  if (!claims) return fail(context, claims.error() + ": log in again: `" + login_command(*gateway, login) + "`");
  if (o.format != Format::table) {
    write_document(*context.out, o.format, *claims);
    return kOk;
  }
  const auto s = summarize(*claims);
  Fields f;
  f.add("gateway", *gateway);
  f.add("subject", s.subject);
  if (!s.federated_issuer.empty()) f.add("ID token issuer", s.federated_issuer);
  f.add("policies", s.policies.empty() ? "(none)" : join(s.policies));
  if (!s.scope.empty()) f.add("scope", s.scope);
  const auto exp = s.expires_at ? *s.expires_at : login->expires_at;
  if (exp != 0) {
    const auto at = core::from_unix(exp);
    std::string text = format_time(at) + " (" + describe_expiry(at, context.clock->now()) + ")";
    if (at <= context.clock->now())
      text += login->token_file.empty() ? ": run `" + login_command(*gateway, login) + "` again"
                                        : ": the next command exchanges the ID token again";
    f.add("expires", text);
  } else {
    f.add("expires", "never (the gateway gave no expiry)");
  }
  if (!login->token_file.empty()) f.add("ID token file", login->token_file);
  f.write(*context.out);
  return kOk;
}

}  // namespace

Run setup_login(CLI::App& command, Context& context) {
  auto o = std::make_shared<LoginOptions>();
  command.footer(
      "The access token and its expiry are stored in $XDG_CONFIG_HOME/faasgate/config.yaml (else "
      "~/.config/faasgate/config.yaml, or $FAASGATE_CONFIG), mode 0600. With --token-file the file's path is kept, "
      "and an expired token is exchanged again from it. With --username the password is stored in that file too, "
      "as faas-cli does. A failed login leaves the stored logins as they were.");
  command.add_option("-g,--gateway", o->gateway, "Gateway URL (default: $OPENFAAS_URL, else http://127.0.0.1:8080)");
  command.add_option("--token-file", o->token_file, "File with your ID token (a projected token is re-read when needed)");
  command.add_flag("--token-stdin", o->token_stdin, "Read the ID token from stdin (not kept: log in again when it expires)");
  command.add_option("-u,--username", o->username, "Log in with a username (the gateway's admin) ...");
  command.add_flag("--password-stdin", o->password_stdin, "... and the password read from stdin");
  return [o, &context] { return login(context, *o); };
}

Run setup_logout(CLI::App& command, Context& context) {
  auto gateway = std::make_shared<std::string>();
  add_gateway_option(command, *gateway);
  return [gateway, &context] { return logout(context, *gateway); };
}

Run setup_whoami(CLI::App& command, Context& context) {
  auto o = std::make_shared<WhoamiOptions>();
  add_gateway_option(command, o->gateway);
  add_output_option(command, o->format);
  command.footer("Reads the stored token's claims without verifying them: it says what the token claims; the gateway "
                 "decides on every call. -o json prints the claims.");
  return [o, &context] { return whoami(context, *o); };
}

}  // namespace faasgate::cli
