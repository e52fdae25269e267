// faasgate provider: the embedded runtime served as the upstream provider API (reference §6), so
// that a gateway - faasgate's with --provider-url, or upstream's - can stand in front of it.
// The same daemon as `serve`, with the provider's route table (api::GatewayOptions::provider_api).
#include <CLI/CLI.hpp>

#include <memory>

#include "commands.hpp"
#include "daemon.hpp"

namespace faasgate::app {

Run setup_provider(CLI::App& command) {
  auto o = std::make_shared<ServeOptions>();
  o->provider_api = true;
  o->listen = "127.0.0.1:8081";  // where faas-netes' provider listens beside its gateway
  o->metrics_listen = "off";
  o->data_dir = ".faasgate-provider";
  command.add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: chosen by the OS)")->capture_default_str();
  command.add_option("--data-dir", o->data_dir, "State: the functions, secrets and namespaces, the functions' files")
      ->capture_default_str();
  command.add_option("--auth-dir", o->auth_dir,
                     "Directory holding basic-auth-user and basic-auth-password, the credentials the gateway sends "
                     "(default: user admin, the password generated into --data-dir/admin-password)");
  command.add_option("--metrics-listen", o->metrics_listen, "HOST:PORT for GET /metrics, or off")->capture_default_str();
  command.add_option("--threads", o->threads, "Threads serving connections (default: one per core)");
  command.add_option("--function-uid", o->function_uid, "As root: the uid (and gid) function processes run as")
      ->capture_default_str();
  command.add_flag("--unsafe-no-isolation", o->unsafe_no_isolation,
                   "Run function processes without a sandbox (any Function:Create grant then owns the provider)");
  command.add_option("--log-level", o->log_level, "trace, debug, info, warn, error")->capture_default_str();
  return [o] { return run_daemon(*o); };
}

}  // namespace faasgate::app
