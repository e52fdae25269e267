// `faasgate cron-connector`: invokes functions annotated `topic: cron-function` on their
// `schedule`, as the upstream cron connector does, authenticated by IAM (a projected
// service-account token exchanged at the gateway) or by basic auth. Configured by the upstream
// environment variables; each has a flag, and a flag wins (src/connectors/cron/.../config.hpp
// has the table). The program is src/connectors/cron; this file only names its flags.
#include "commands.hpp"
#include "faasgate/cron_connector/program.hpp"

namespace faasgate::app {
namespace {

// A boolean as the environment writes it: given alone it means true; =false (or any of Go's
// ParseBool spellings) says otherwise, so a flag can also turn off what a variable turned on.
void bool_option(CLI::App& command, const char* name, std::optional<std::string>& value, const char* description) {
  command.add_option(name, value, description)->expected(0, 1)->default_str("true")->option_text("[=true|false]");
}

}  // namespace

Run setup_cron_connector(CLI::App& command) {
  auto f = std::make_shared<cron_connector::Flags>();
  command.add_option("--gateway-url", f->gateway_url, "The gateway's URL (env gateway_url; required)");
  bool_option(command, "--asynchronous-invocation", f->asynchronous_invocation,
              "Invoke through /async-function/ (env asynchronous_invocation; =false to turn off)");
  command.add_option("--content-type", f->content_type, "Content-Type of each invocation (env content_type; text/plain)");
  bool_option(command, "--print-response-body", f->print_response_body,
              "Print each answer's body in its Response line (env print_response_body)");
  command.add_option("--rebuild-interval", f->rebuild_interval,
                     "How often functions are listed, a Go duration (env rebuild_interval; 10s)");
  command.add_option("--rebuild-timeout", f->rebuild_timeout, "Timeout of each list call (env rebuild_timeout; 5s)");
  bool_option(command, "--basic-auth", f->basic_auth,
              "Basic auth from secret_mount_path instead of IAM (env basic_auth)");
  command.add_option("--secret-mount-path", f->secret_mount_path,
                     "Directory of basic-auth-user and basic-auth-password (env secret_mount_path; /var/secrets)");
  command.add_option("--token-mount-path", f->token_mount_path,
                     "IAM: directory of the projected token openfaas-token (env token_mount_path; /var/secrets/tokens)");
  command.add_option("--token-file", f->token_file, "IAM: the projected token file itself, wherever it is");
  command.add_option("--invoke-timeout", f->invoke_timeout, "Timeout of each invocation (env invoke_timeout; 30s)");
  command.add_option("--max-inflight", f->max_inflight, "Invocations at once, 1-1024 (env max_inflight; 16)");
  command.add_option("--metrics-listen", f->metrics_listen,
                     "HOST:PORT for /metrics, port 0 for any, or off (env metrics_listen; 127.0.0.1:8083)");
  command.add_option("--shutdown-timeout", f->shutdown_timeout,
                     "How long a stop waits for calls in flight (env shutdown_timeout; 10s)");
  return [f] { return cron_connector::run_program(*f); };
}

}  // namespace faasgate::app
