#pragma once
// The CLI's stored logins: $FAASGATE_CONFIG, else $XDG_CONFIG_HOME/faasgate/config.yaml, else
// ~/.config/faasgate/config.yaml. The file holds access tokens and passwords, so it is created
// with mode 0600 in a directory of mode 0700 and is never readable by others, not even for an
// instant: it is written to a temporary file created 0600 beside it, flushed, and renamed over
// the old one, so a failed save leaves the old file as it was, byte for byte.
//
//   current: https://gw.example.com
//   gateways:
//     https://gw.example.com:
//       kind: token              # or basic
//       access_token: eyJ...
//       expires_at: 1764367200   # absolute unix time; 0: the gateway gave no expiry
//       token_file: /home/me/id-token   # exchanged again from here when the token has expired
//     http://127.0.0.1:8080:
//       kind: basic
//       username: admin
//       password: ...
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"

namespace faasgate::cli {

enum class AuthKind { token, basic };

struct GatewayLogin {
  AuthKind kind = AuthKind::token;
  core::Secret access_token;  // token
  long long expires_at = 0;   // token: unix time; 0 means none was given
  std::string token_file;     // token: absolute path of the ID token, when logged in with one
  std::string username;       // basic
  core::Secret password;      // basic
};

struct Config {
  std::string current;  // the gateway commands use when neither --gateway nor OPENFAAS_URL says
  std::map<std::string, GatewayLogin> gateways;

  const GatewayLogin* login(const std::string& gateway) const {
    auto it = gateways.find(gateway);
    return it == gateways.end() ? nullptr : &it->second;
  }
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// Where the config lives, from the environment; an error when there is no HOME to put it in.
core::Expected<std::filesystem::path, std::string> config_path(const EnvLookup& env);

// The text of a config; unknown keys are ignored (a newer CLI may have written them), a wrong
// type or an unknown kind is an error naming the line.
core::Expected<Config, std::string> parse_config(std::string_view text, const std::string& origin);
std::string to_yaml(const Config& config);

// A missing file is an empty config. Larger than kMaxConfigBytes is an error.
core::Expected<Config, std::string> load_config(const std::filesystem::path& path);
// Creates the missing directories with mode 0700, then the atomic write described above. A
// directory that exists is left as it is (FAASGATE_CONFIG may point into a shared one): the
// file's own mode is what keeps the secrets.
core::Expected<void, std::string> save_config(const std::filesystem::path& path, const Config& config);

// A gateway URL as the config keys it: scheme and host as given, without trailing slashes.
// Only http and https; an error says what is wrong.
core::Expected<std::string, std::string> normalize_gateway(std::string_view url);

}  // namespace faasgate::cli
