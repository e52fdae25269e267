#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "faasgate/api/async_worker.hpp"
#include "faasgate/api/gateway.hpp"
#include "admin_password.hpp"
#include "commands.hpp"
#include "state_loader.hpp"
#include "app/version.hpp"
#include "faasgate/core/duration.hpp"
#include "faasgate/core/files.hpp"
#include "faasgate/http_client/curl_http_client.hpp"
#include "faasgate/invoke/embedded_invoker.hpp"
#include "faasgate/oidc/key_cache.hpp"
#include "faasgate/platform/platform.hpp"
#include "faasgate/provider/runtime.hpp"
#include "faasgate/server/http_server.hpp"
#include "faasgate/store/sqlite_store.hpp"

namespace faasgate::app {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string metrics_listen = "127.0.0.1:8082";
  std::string data_dir = ".faasgate";
  std::string iam_dir;
  std::string system_issuer;
  std::string issuer_key;
  std::string admin_password_file;
  unsigned threads = 0;
  unsigned busy_poll_us = 0;
  std::string callback_deny;
  // The async queue's bounds (api::AsyncOptions explains the defaults).
  std::uint64_t async_max_body = 1 << 20;
  std::uint64_t async_max_queued = 10'000;
  std::uint64_t async_max_queued_bytes = 256ull << 20;
  std::uint64_t async_max_queued_per_function = 1'000;
  std::uint64_t async_max_queued_bytes_per_function = 64ull << 20;
  std::string log_level = "info";
  bool unsafe_no_isolation = false;
  unsigned function_uid = 65532;
  std::string jwks_refetch_cooldown = "30s";
  std::string header_timeout = std::to_string(server::Limits{}.header_timeout.count()) + "s";
  std::size_t max_connections_per_address = server::Limits{}.max_connections_per_address;
  std::string audit_log;
  std::string audit_webhook;
  std::string audit_webhook_secret_file;
};

// Revocations are read from the store: `faasgate iam revoke` writes them from another process.
void load_revocations(store::Store& store, access::Authenticator& auth) {
  auto all = store.list_revocations();
  if (!all) {
    spdlog::error("cannot read revocations: {}", all.error().message);
    return;
  }
  auto list = std::make_shared<access::RevocationList>();
  for (const auto& r : *all) {
    if (r.kind == store::Revocation::Kind::token_id) {
      list->token_ids.insert(r.value);
    } else if (r.issuer.empty()) {
      list->subjects[r.value] = core::to_unix(r.revoked_at);
    } else {
      std::string_view sub = r.value;
      if (sub.starts_with("fed:")) sub.remove_prefix(4);  // either form names the same subject
      list->issuer_subjects[access::RevocationList::issuer_subject_key(r.issuer, sub)] = core::to_unix(r.revoked_at);
    }
  }
  auth.set_revocations(std::move(list));
}

core::Expected<asio::ip::tcp::endpoint, std::string> parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return core::fail("--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  auto port_text = std::string_view(text).substr(colon + 1);
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port > 65535) {
    return core::fail("--listen has a bad port: " + std::string(port_text));
  }
  boost::system::error_code aec;
  auto address = asio::ip::make_address(host, aec);
  if (aec) return core::fail("--listen needs an IP address, not " + host);
  return asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

std::string url_of(const asio::ip::tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  std::string host;
  if (address.is_unspecified()) host = "127.0.0.1";
  else if (address.is_v6()) host = "[" + address.to_string() + "]";
  else host = address.to_string();
  return "http://" + host + ":" + std::to_string(endpoint.port());
}

void setup_logging(const std::string& level) {
  // Logs go to stderr, one line per event; stdout carries only the "listening on" line.
  auto logger = spdlog::stderr_logger_mt("faasgate");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  // A flush per line is a write(2) per request; warnings flush at once, the rest every second.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

// A duration flag of at least 1s; otherwise says so (the caller exits 2, a usage error).
std::optional<std::chrono::seconds> duration_flag(std::string_view flag, const std::string& text) {
  auto d = core::parse_duration_seconds(text);
  if (d && d->count() >= 1) return *d;
  std::cerr << "faasgate serve: " << flag << " must be a duration of at least 1s\n";
  return std::nullopt;
}

// Function processes run in a sandbox (provider/sandbox.hpp, docs/isolation.md) that hides the
// data directory and every file named on the command line. A machine that cannot give it stops
// the gateway here, naming what is missing, unless the operator says --unsafe-no-isolation.
core::Expected<provider::SandboxOptions, std::string> sandbox_options(const ServeOptions& o, const fs::path& work_dir,
                                                                      std::uint16_t gateway_port) {
  provider::SandboxOptions sandbox;
  if (o.unsafe_no_isolation) {
    spdlog::warn("--unsafe-no-isolation: function processes run as the gateway's user and see its files, its "
                 "processes and its network; any Function:Create grant is a takeover of the gateway");
    return sandbox;
  }
  sandbox.enabled = true;
  sandbox.gateway_port = gateway_port;  // functions reach other functions through it, and nothing else of ours
  const bool root = ::geteuid() == 0;
  if (root) {
    if (o.function_uid == 0) return core::fail(std::string("--function-uid must not be 0"));
    sandbox.run_as_uid = static_cast<uid_t>(o.function_uid);
    sandbox.run_as_gid = static_cast<gid_t>(o.function_uid);
  }
  for (const auto& named : {o.data_dir, o.iam_dir, o.issuer_key, o.admin_password_file, o.audit_log,
                            o.audit_webhook_secret_file}) {
    if (named.empty() || named == "-") continue;
    std::error_code ec;
    auto path = fs::weakly_canonical(named, ec);
    if (!ec) sandbox.hidden.push_back(std::move(path));
  }
  // Functions pass through the data directory to theirs; as root, as a user of their own, who
  // may not list it (0711) and owns nothing in it but their own directories.
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  const auto passable = root ? fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec : fs::perms::owner_all;
  fs::permissions(o.data_dir, passable, ec);
  fs::permissions(work_dir, passable, ec);
  if (auto probed = provider::probe(sandbox, work_dir); !probed) {
    return core::fail("cannot isolate function processes: " + probed.error() +
                      "\n  (install bubblewrap, util-linux and passt, allow unprivileged user namespaces, or - knowing that "
                      "any tenant who may deploy a function then owns the gateway - run with --unsafe-no-isolation)");
  }
  spdlog::info("function processes run sandboxed{}", root ? " as uid " + std::to_string(o.function_uid) : std::string());
  return sandbox;
}

int serve(ServeOptions o) {
  setup_logging(o.log_level);
  auto endpoint = parse_listen(o.listen);
  if (!endpoint) {
    std::cerr << "faasgate serve: " << endpoint.error() << "\n";
    return 2;
  }
  std::optional<asio::ip::tcp::endpoint> metrics_endpoint;
  if (o.metrics_listen != "off") {
    auto parsed = parse_listen(o.metrics_listen);
    if (!parsed) {
      std::cerr << "faasgate serve: --metrics-listen: " << parsed.error() << "\n";
      return 2;
    }
    metrics_endpoint = *parsed;
  }
  server::Limits limits;
  auto header_timeout = duration_flag("--header-timeout", o.header_timeout);
  if (!header_timeout) return 2;
  limits.header_timeout = *header_timeout;
  limits.max_connections_per_address = o.max_connections_per_address;
  std::error_code ec;
  fs::create_directories(o.data_dir, ec);
  if (ec) {
    std::cerr << "faasgate serve: cannot create --data-dir " << o.data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  // Absolute from here on: functions run in directories of their own, and the paths they are
  // given (secret_mount_path) must not be relative to the gateway's working directory.
  o.data_dir = fs::canonical(o.data_dir, ec).string();
  if (ec) {
    std::cerr << "faasgate serve: cannot resolve --data-dir: " << ec.message() << "\n";
    return 1;
  }
  fs::permissions(o.data_dir, fs::perms::owner_all, ec);
  // One gateway per data dir: two would share the database, the function processes' ports and
  // the process ledger (each would stop the other's functions as orphans at start).
  auto data_dir_lock = core::FileLock::acquire(fs::path(o.data_dir) / "gateway.lock");
  if (!data_dir_lock) {
    std::cerr << "faasgate serve: --data-dir " << o.data_dir << " is in use by another gateway: " << data_dir_lock.error()
              << "\n";
    return 1;
  }

  const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  // Connections: an event loop per thread (see server/event_loops.hpp).
  server::EventLoops loops(threads, std::chrono::microseconds(o.busy_poll_us));
  // The control loop, on one thread: function processes, the async queue, signals.
  asio::io_context io(1);
  // Blocking work (key fetches) never runs on the I/O threads.
  asio::thread_pool blocking(4);
  core::SystemClock clock;

  // Bind first: with port 0 the system issuer's URL is known only now.
  api::GatewayOptions gateway_options;
  std::unique_ptr<api::Gateway> gateway;
  server::HttpServer http(
      loops, limits,
      [&](server::Request&& request, const server::RequestInfo& info) {
        return gateway->handle(std::move(request), info);
      },
      [&](const server::http::request_header<>& header) { return gateway->body_limit(header); });
  asio::ip::tcp::endpoint bound;
  try {
    bound = http.listen(*endpoint);
  } catch (const boost::system::system_error& e) {
    std::cerr << "faasgate serve: cannot listen on " << o.listen << ": " << e.code().message() << "\n";
    return 1;
  }
  // Metrics name every function of every namespace: they are served on a listener of their own,
  // as upstream serves them on a port of their own, never beside the public API.
  server::HttpServer metrics_http(
      loops, limits,
      [&](server::Request&& request, const server::RequestInfo& info) {
        return gateway->handle_metrics(std::move(request), info);
      });
  std::optional<asio::ip::tcp::endpoint> metrics_bound;
  if (metrics_endpoint) {
    try {
      metrics_bound = metrics_http.listen(*metrics_endpoint);
    } catch (const boost::system::system_error& e) {
      std::cerr << "faasgate serve: cannot listen for metrics on " << o.metrics_listen << ": " << e.code().message()
                << " (--metrics-listen HOST:PORT, or off)\n";
      return 1;
    }
  }
  gateway_options.system_issuer = o.system_issuer.empty() ? url_of(bound) : o.system_issuer;
  while (!gateway_options.system_issuer.empty() && gateway_options.system_issuer.back() == '/')
    gateway_options.system_issuer.pop_back();

  oidc::KeyCacheOptions cache_options;
  auto cooldown = duration_flag("--jwks-refetch-cooldown", o.jwks_refetch_cooldown);
  if (!cooldown) return 2;
  cache_options.refetch_cooldown = *cooldown;
  // The one outbound HTTP client: key fetching, async callbacks and the audit webhook.
  http_client::CurlHttpClient outbound;
  oidc::KeyCache key_cache(outbound, cache_options);
  StateSources sources;
  if (!o.iam_dir.empty()) sources.iam_dir = o.iam_dir;
  sources.keys.data_dir = o.data_dir;
  if (!o.issuer_key.empty()) sources.keys.key_file = o.issuer_key;
  StateLoader loader(sources, key_cache);
  auto initial = loader.load(clock.now());
  if (!initial) {
    std::cerr << "faasgate serve: cannot load the configuration:\n";
    for (const auto& e : initial.error()) std::cerr << "  " << e << "\n";
    return 1;
  }
  for (const auto& w : loader.warnings()) spdlog::warn("iam: {}", w);
  if (o.iam_dir.empty()) spdlog::warn("no --iam-dir: no issuer is trusted, so no token can be exchanged");
  api::StateHolder state;
  state.store(*initial);

  oauth::TokenExchange exchange(gateway_options.system_issuer);

  // The functions platform: state in SQLite, functions as local processes.
  auto store = store::SqliteStore::open(fs::path(o.data_dir) / "faasgate.db", o.data_dir);
  if (!store) {
    std::cerr << "faasgate serve: cannot open the database: " << store.error().message << "\n";
    return 1;
  }
  if (auto released = (*store)->release_leases(); !released) {
    std::cerr << "faasgate serve: cannot recover the async queue: " << released.error().message << "\n";
    return 1;
  }
  provider::RuntimeOptions runtime_options;
  runtime_options.work_dir = fs::path(o.data_dir) / "functions";
  if (auto sandbox = sandbox_options(o, runtime_options.work_dir, bound.port()); !sandbox) {
    std::cerr << "faasgate serve: " << sandbox.error() << "\n";
    return 1;
  } else {
    runtime_options.sandbox = std::move(*sandbox);
  }
  provider::Runtime runtime(io, runtime_options);
  platform::Platform platform(**store, runtime);
  platform.restore();

  auto admin_password = load_admin_password(o.admin_password_file, o.data_dir);
  if (!admin_password) {
    std::cerr << "faasgate serve: " << admin_password.error() << "\n";
    return 1;
  }
  if (admin_password->generated) {
    std::cout << "faasgate: generated the admin password (user admin) into " << admin_password->path
              << " (mode 0600); read it from there" << std::endl;
  }
  access::Authenticator auth(std::move(admin_password->password), gateway_options.system_issuer);
  load_revocations(**store, auth);
  api::AuditOptions audit_options;
  audit_options.file = o.audit_log;
  audit_options.webhook_url = o.audit_webhook;
  if (!o.audit_webhook.empty()) {
    if (o.audit_webhook_secret_file.empty()) {
      std::cerr << "faasgate serve: --audit-webhook needs --audit-webhook-secret-file (the HMAC key)\n";
      return 2;
    }
    auto secret = core::read_file(o.audit_webhook_secret_file, 4096);
    if (!secret) {
      std::cerr << "faasgate serve: " << secret.error() << "\n";
      return 1;
    }
    while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) secret->pop_back();
    audit_options.webhook_secret = core::Secret(std::move(*secret));
  }
  std::unique_ptr<api::AuditLog> audit;
  try {
    audit = std::make_unique<api::AuditLog>(std::move(audit_options), outbound);
  } catch (const std::exception& e) {
    std::cerr << "faasgate serve: " << e.what() << "\n";
    return 1;
  }
  invoke::UpstreamPool upstreams;
  api::Metrics metrics;
  invoke::EmbeddedInvoker invoker(runtime, upstreams, [&](const std::string& ns, const std::string& name, unsigned status, double seconds) {
    platform.record_invocation(ns, name);
    metrics.observe_invocation(name + "." + ns, status, seconds);
  });
  api::AsyncOptions async_options;
  if (!async_options.callback_addresses.deny(o.callback_deny)) {
    std::cerr << "faasgate serve: --callback-deny must be a comma-separated list of addresses or CIDR ranges\n";
    return 2;
  }
  const std::pair<std::uint64_t, const char*> async_limits[] = {
      {o.async_max_body, "--async-max-body"},
      {o.async_max_queued, "--async-max-queued"},
      {o.async_max_queued_bytes, "--async-max-queued-bytes"},
      {o.async_max_queued_per_function, "--async-max-queued-per-function"},
      {o.async_max_queued_bytes_per_function, "--async-max-queued-bytes-per-function"}};
  for (const auto& [value, flag] : async_limits) {
    if (value == 0) {  // 0 would refuse every async call: surely not what was meant
      std::cerr << "faasgate serve: " << flag << " must be at least 1\n";
      return 2;
    }
  }
  async_options.queue_limits = {.max_calls = o.async_max_queued,
                                .max_bytes = o.async_max_queued_bytes,
                                .max_calls_per_function = o.async_max_queued_per_function,
                                .max_bytes_per_function = o.async_max_queued_bytes_per_function};
  gateway_options.max_async_body_bytes = static_cast<std::size_t>(o.async_max_body);
  api::AsyncWorkers async_workers(io, **store, invoker, blocking, clock, outbound, async_options);
  gateway_options.version = kVersion;
  gateway_options.commit = kCommit;
  gateway = std::make_unique<api::Gateway>(
      gateway_options,
      api::GatewayServices{state, exchange, auth, platform, invoker, &async_workers, metrics, blocking, clock,
                           audit.get()});

  // Reload: poll for changes (robust with Kubernetes' symlink-swapped ConfigMap volumes, where
  // inotify sees little) and swap the whole snapshot; a broken change keeps the last good set.
  std::atomic<bool> stop_reloader{false};
  std::mutex reload_mu;
  std::condition_variable reload_cv;
  std::thread reloader([&] {
    std::unique_lock lock(reload_mu);
    while (!reload_cv.wait_for(lock, std::chrono::seconds(1), [&] { return stop_reloader.load(); })) {
      platform.flush_invocations();
      load_revocations(**store, auth);
      if (!loader.changed(clock.now())) continue;
      auto next = loader.load(clock.now());
      if (!next) {
        for (const auto& e : next.error()) spdlog::error("reload refused, keeping the last good configuration: {}", e);
        continue;
      }
      for (const auto& w : loader.warnings()) spdlog::warn("iam: {}", w);
      state.store(*next);
      spdlog::info("configuration reloaded: signing key {}", (*next)->exchange.keys->current().kid());
    }
  });

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("signal {}: shutting down gracefully", signal);
    gateway->stop_streams();
    async_workers.stop();
    // Both listeners drain; the loops stop when the second is done.
    auto drained = std::make_shared<std::atomic<int>>(metrics_bound ? 2 : 1);
    auto one_done = [&, drained] {
      if (--*drained > 0) return;
      loops.stop();
      io.stop();
    };
    http.shutdown(one_done);
    if (metrics_bound) metrics_http.shutdown(one_done);
  });

  http.start();
  if (metrics_bound) metrics_http.start();
  async_workers.start();
  spdlog::info("faasgate {} serving as issuer {} with signing key {}", kVersion, gateway_options.system_issuer,
               (*initial)->exchange.keys->current().kid());
  std::cout << "faasgate: listening on " << url_of(bound) << std::endl;
  if (metrics_bound) std::cout << "faasgate: metrics on " << url_of(*metrics_bound) << "/metrics" << std::endl;

  loops.start();
  io.run();
  loops.join();

  {
    std::lock_guard lock(reload_mu);
    stop_reloader = true;
  }
  reload_cv.notify_all();
  reloader.join();
  blocking.join();
  runtime.shutdown();  // SIGTERM, then SIGKILL after the grace period, to every function process
  platform.flush_invocations();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

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
  return [o] { return serve(*o); };
}

}  // namespace faasgate::app
