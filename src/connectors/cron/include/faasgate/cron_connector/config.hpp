#pragma once
// The connector's configuration: the upstream cron connector's environment variables
// (reference §5), each also a flag; a flag given wins over its variable. Parsed and validated
// here, before anything starts: a bad value is one clear message (the command exits 2).
//
//   variable                 flag                        default
//   gateway_url              --gateway-url               (required) http(s)://host[:port][/prefix]
//   asynchronous_invocation  --asynchronous-invocation   false   (1/true, 0/false, as Go's ParseBool)
//   content_type             --content-type              text/plain
//   print_response_body      --print-response-body       false
//   rebuild_interval         --rebuild-interval          10s     (a Go duration, 100ms to 24h)
//   rebuild_timeout          --rebuild-timeout           5s      (the list calls' timeout)
//   basic_auth               --basic-auth                false   (true: basic auth, not IAM)
//   secret_mount_path        --secret-mount-path         /var/secrets (basic-auth-user, basic-auth-password)
//   token_mount_path         --token-mount-path          /var/secrets/tokens (IAM: <dir>/openfaas-token)
//   -                        --token-file                IAM: the token file itself, wherever it is
//   invoke_timeout           --invoke-timeout            30s     (each invocation)
//   max_inflight             --max-inflight              16      (invocations at once, 1-1024)
//   metrics_listen           --metrics-listen            127.0.0.1:8083 (HOST:PORT, port 0 for any, or off)
//   shutdown_timeout         --shutdown-timeout          10s     (how long a stop waits for calls in flight)
//
// The basic-auth password is a core::Secret: it cannot be logged, and describe() (the `Config`
// log line) leaves it out.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"

namespace faasgate::cron_connector {

// The flags as given; nullopt when not given.
struct Flags {
  std::optional<std::string> gateway_url, asynchronous_invocation, content_type, print_response_body, rebuild_interval,
      rebuild_timeout, basic_auth, secret_mount_path, token_mount_path, token_file, invoke_timeout, max_inflight,
      metrics_listen, shutdown_timeout;
};

// Looks an environment variable up; nullopt when it is not set.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();

enum class AuthMode { iam, basic };

struct Config {
  std::string gateway_url;  // without a trailing '/'
  bool asynchronous = false;
  std::string content_type = "text/plain";
  bool print_response_body = false;
  std::chrono::milliseconds rebuild_interval{10000};
  std::chrono::milliseconds rebuild_timeout{5000};
  std::chrono::milliseconds invoke_timeout{30000};
  std::size_t max_inflight = 16;
  std::string metrics_listen = "127.0.0.1:8083";  // empty: off
  std::chrono::milliseconds shutdown_timeout{10000};

  AuthMode auth = AuthMode::iam;
  std::filesystem::path token_file = "/var/secrets/tokens/openfaas-token";  // IAM
  std::string basic_auth_user;                                              // basic
  core::Secret basic_auth_password;                                         // basic

  // The `Config` log line's fields, as JSON: never the password, never a token.
  std::string describe() const;
};

inline constexpr std::size_t kMaxCredentialFileBytes = 4096;

// Reads flags and environment, and for basic auth the two credential files (each at most
// kMaxCredentialFileBytes, trailing whitespace trimmed). The error names the variable or flag.
core::Expected<Config, std::string> load_config(const Flags& flags, const Environment& env);

// Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False.
std::optional<bool> parse_go_bool(std::string_view text) noexcept;

}  // namespace faasgate::cron_connector
