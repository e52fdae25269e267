// faasgate serve: the command line of the daemon (daemon.cpp builds and runs it).
#include <CLI/CLI.hpp>

#include <memory>

#include "commands.hpp"
#include "daemon.hpp"

namespace faasgate::app {

Run setup_serve(CLI::App& command) {
  auto o = std::make_shared<ServeOptions>();
  command.add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: chosen by the OS)")->capture_default_str();
  command.add_option("--metrics-listen", o->metrics_listen,
                     "HOST:PORT for Prometheus metrics (GET /metrics), apart from the API: they name every "
                     "function of every namespace (off: none)")
      ->capture_default_str();
  command.add_option("--data-dir", o->data_dir, "State: signing keys, database")->capture_default_str();
  command.add_option("--iam-dir", o->iam_dir, "Directory of JwtIssuer, Policy and Role manifests (*.yaml), watched for changes");
  command.add_option("--system-issuer", o->system_issuer, "The gateway's issuer URL (default http://<listen address>)");
  command.add_option("--keys-dir", o->keys_dir,
                     "Directory of the signing keys (default --data-dir/issuer-keys); gateways that share it, the IAM "
                     "objects and --system-issuer accept each other's tokens");
  command.add_option("--issuer-key", o->issuer_key, "P-256 private key (PEM) to sign access tokens (default: generated in --data-dir)");
  command.add_option("--admin-password-file", o->admin_password_file,
                     "File holding the admin's password for basic auth (default: generated into --data-dir)");
  command.add_option("--audit-log", o->audit_log, "Write one JSON line per authorization decision to FILE (- for stdout)");
  command.add_option("--audit-webhook", o->audit_webhook, "POST each audit event to URL, signed in X-Openfaas-Signature-256");
  command.add_option("--audit-webhook-secret-file", o->audit_webhook_secret_file, "HMAC-SHA256 key for the audit webhook");
  command.add_option("--callback-deny", o->callback_deny,
                     "Addresses or CIDR ranges async callbacks may not connect to, comma-separated, besides "
                     "link-local and unspecified addresses (always refused)");
  command.add_option("--async-max-body", o->async_max_body, "Largest body of an async call, e.g. 1MiB (413 above)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  command.add_option("--async-max-queued", o->async_max_queued, "Async calls queued at most, all functions together (429 beyond)")
      ->capture_default_str();
  command.add_option("--async-max-queued-bytes", o->async_max_queued_bytes,
                     "Bytes (bodies and kept results) the async queue holds at most, e.g. 256MiB (429 beyond)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  command.add_option("--async-max-queued-per-function", o->async_max_queued_per_function,
                     "Async calls queued at most for one function (429 beyond)")
      ->capture_default_str();
  command.add_option("--async-max-queued-bytes-per-function", o->async_max_queued_bytes_per_function,
                     "Bytes queued at most for one function, e.g. 64MiB (429 beyond)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  command.add_option("--provider-url", o->provider_url,
                     "Serve the functions of an upstream provider API (faas-netes, faasd, faasgate provider) at "
                     "http://HOST:PORT instead of running them here (docs/backends.md)");
  command.add_option("--provider-auth-dir", o->provider_auth_dir,
                     "Directory holding basic-auth-user and basic-auth-password: the gateway's credentials for "
                     "the provider (required with --provider-url)");
  command.add_option("--provider-timeout", o->provider_timeout, "Time an invocation through the provider may take")
      ->capture_default_str();
  command.add_option("--nats-url", o->nats_url,
                     "Queue async calls in NATS JetStream at URL (nats://host:4222), shared by every gateway "
                     "given it, instead of in --data-dir; also share revocations there. Reconnects forever; "
                     "async calls answer 503 while it is unreachable");
  command.add_option("--nats-queue", o->nats_queue, "With --nats-url: the queue (subject prefix, stream OF_<name>)")
      ->capture_default_str();
  command.add_option("--nats-creds", o->nats_creds, "With --nats-url: a NATS credentials file (.creds)");
  command.add_option("--queue-ack-wait", o->queue_ack_wait,
                     "An async call's lease (JetStream's ack_wait), renewed every third of it while the call runs")
      ->capture_default_str();
  command.add_option("--queue-max-inflight", o->queue_max_inflight, "Async calls this gateway runs at once")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  command.add_option("--queue-max-retry-attempts", o->queue_max_retry_attempts,
                     "Attempts of an async call (and its callback) at most (annotation com.openfaas.retry.attempts)")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  command.add_option("--queue-initial-retry-wait", o->queue_initial_retry_wait,
                     "Wait before the first retry, doubled each time (com.openfaas.retry.min_wait)")
      ->capture_default_str();
  command.add_option("--queue-max-retry-wait", o->queue_max_retry_wait,
                     "Longest wait between retries (com.openfaas.retry.max_wait)")
      ->capture_default_str();
  command.add_option("--queue-retry-codes", o->queue_retry_codes,
                     "Statuses of a function that are retried, comma-separated (com.openfaas.retry.codes)")
      ->capture_default_str();
  command.add_option("--queue-backoff", o->queue_backoff, "exponential, full (jitter) or equal (jitter)")
      ->capture_default_str();
  command.add_option("--threads", o->threads, "Threads serving connections (default: one per core)");
  command
      .add_option("--busy-poll-us", o->busy_poll_us,
                  "Microseconds a connection thread keeps polling before it sleeps: lower latency on virtual "
                  "machines, for CPU time (default 0: sleep at once)")
      ->check(CLI::Range(0u, 10000u));
  command.add_option("--jwks-refetch-cooldown", o->jwks_refetch_cooldown,
                     "Least time between two fetches of one issuer's keys (unknown kids trigger a fetch)")
      ->capture_default_str();
  command.add_option("--function-uid", o->function_uid,
                     "When the gateway runs as root: the unprivileged user (and group) id function processes run "
                     "as; no other process should use it")
      ->capture_default_str();
  command.add_flag("--unsafe-no-isolation", o->unsafe_no_isolation,
                   "Run function processes without a sandbox: they see the gateway's files, processes and network "
                   "(only for machines without user namespaces, and only with trusted functions)");
  command.add_option("--header-timeout", o->header_timeout,
                     "Time a request's header may take, from a new connection's accept or a keep-alive "
                     "request's first byte (slowloris sends it a few bytes at a time)")
      ->capture_default_str();
  command.add_option("--max-connections-per-address", o->max_connections_per_address,
                     "Connections one client address (an IPv6 /64) may have open; 0: no cap (behind a reverse proxy)")
      ->capture_default_str();
  command.add_option("--log-level", o->log_level, "trace, debug, info, warn, error")->capture_default_str();
  return [o] { return run_daemon(*o); };
}

}  // namespace faasgate::app
