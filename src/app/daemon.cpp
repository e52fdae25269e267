#include "daemon.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "admin_password.hpp"
#include "app/version.hpp"
#include "faasgate/api/gateway.hpp"
#include "faasgate/core/duration.hpp"
#include "faasgate/core/files.hpp"
#include "faasgate/http_client/curl_http_client.hpp"
#include "faasgate/invoke/embedded_invoker.hpp"
#include "faasgate/nats/nats.hpp"
#include "faasgate/oidc/key_cache.hpp"
#include "faasgate/platform/local_platform.hpp"
#include "faasgate/provider/runtime.hpp"
#include "faasgate/provider_api/remote_invoker.hpp"
#include "faasgate/provider_api/remote_platform.hpp"
#include "faasgate/queue/async_worker.hpp"
#include "faasgate/queue/jetstream_queue.hpp"
#include "faasgate/queue/sqlite_queue.hpp"
#include "faasgate/server/http_server.hpp"
#include "faasgate/store/sqlite_store.hpp"
#include "reloader.hpp"
#include "revocation_feed.hpp"
#include "state_loader.hpp"

namespace faasgate::app {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// Revocations are read from the store (`faasgate iam revoke` writes them from another process)
// and, with --nats-url, merged with those every gateway shares on NATS (revocation_feed.hpp).
void load_revocations(store::Store& store, access::Authenticator& auth, const RevocationFeed* shared) {
  auto all = store.list_revocations();
  if (!all) {
    spdlog::error("cannot read revocations: {}", all.error().message);
    return;
  }
  if (shared) {
    for (auto& r : shared->snapshot()) all->push_back(std::move(r));
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
  // Functions reach other functions through the gateway, and nothing else of ours. Behind
  // `faasgate provider` they reach nothing: the provider's /function/ is open (the gateway in
  // front checks function tokens), so a function that could call it would skip those checks.
  sandbox.gateway_port = o.provider_api ? 0 : gateway_port;
  const bool root = ::geteuid() == 0;
  if (root) {
    if (o.function_uid == 0) return core::fail(std::string("--function-uid must not be 0"));
    sandbox.run_as_uid = static_cast<uid_t>(o.function_uid);
    sandbox.run_as_gid = static_cast<gid_t>(o.function_uid);
  }
  for (const auto& named : {o.data_dir, o.iam_dir, o.issuer_key, o.admin_password_file, o.audit_log,
                            o.audit_webhook_secret_file, o.auth_dir, o.keys_dir}) {
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

// The parts of a running gateway, as members in the order they are built: each is destroyed
// after everything built on it.
class Daemon {
 public:
  explicit Daemon(ServeOptions options) : o_(std::move(options)) {}
  int run();

 private:
  // The steps of run(). Each says on stderr why it failed and returns the exit status; 0 goes on.
  int check_options();
  int check_provider_options();
  int open_data_dir();
  int bind_listeners();
  int load_configuration();
  int open_state();
  int open_nats();
  int start_functions();
  int build_gateway();
  void serve_until_signal();

  ServeOptions o_;
  // check_options
  asio::ip::tcp::endpoint endpoint_;
  std::optional<asio::ip::tcp::endpoint> metrics_endpoint_;
  server::Limits limits_;
  oidc::KeyCacheOptions cache_options_;
  queue::AsyncOptions async_options_;
  provider_api::ProviderConfig provider_config_;  // with --provider-url
  // open_data_dir: one gateway per data dir
  std::optional<core::FileLock> data_dir_lock_;
  // bind_listeners. Connections: an event loop per thread (server/event_loops.hpp). The control
  // loop, on one thread: function processes, the async queue, signals. Blocking work (key
  // fetches, SQLite, callbacks) never runs on the I/O threads.
  std::unique_ptr<server::EventLoops> loops_;
  asio::io_context io_{1};
  asio::thread_pool blocking_{4};
  core::SystemClock clock_;
  api::GatewayOptions gateway_options_;
  std::unique_ptr<api::Gateway> gateway_;  // built last, reached by the listeners' handlers
  std::unique_ptr<server::HttpServer> http_;
  std::unique_ptr<server::HttpServer> metrics_http_;
  asio::ip::tcp::endpoint bound_;
  std::optional<asio::ip::tcp::endpoint> metrics_bound_;
  // load_configuration
  http_client::CurlHttpClient outbound_;  // key fetching, async callbacks, the audit webhook
  // The provider's /system calls carry the gateway's credentials: straight to the operator's
  // URL, never through a proxy named by the environment.
  http_client::CurlHttpClient provider_http_{{.user_agent = "faasgate/0.1", .use_environment_proxy = false}};
  std::unique_ptr<oidc::KeyCache> key_cache_;
  std::unique_ptr<StateLoader> loader_;
  api::StateHolder state_;
  std::unique_ptr<oauth::TokenExchange> exchange_;
  // open_state
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<nats::Connection> nats_;  // with --nats-url
  std::unique_ptr<RevocationFeed> shared_revocations_;
  std::unique_ptr<queue::Queue> queue_;
  // start_functions: the embedded runtime, or the provider's
  std::unique_ptr<provider::Runtime> runtime_;
  std::unique_ptr<platform::LocalPlatform> local_platform_;
  std::unique_ptr<provider_api::RemotePlatform> remote_platform_;
  platform::Platform* platform_ = nullptr;
  // build_gateway
  std::unique_ptr<access::Authenticator> auth_;
  std::unique_ptr<api::AuditLog> audit_;
  invoke::UpstreamPool upstreams_;
  std::unique_ptr<invoke::UpstreamPool> provider_upstreams_;  // keep-alive connections to the provider
  api::Metrics metrics_;
  std::unique_ptr<invoke::FunctionInvoker> invoker_;
  std::unique_ptr<queue::AsyncWorkers> async_workers_;
  std::unique_ptr<Reloader> reloader_;
};

int Daemon::run() {
  setup_logging(o_.log_level);
  for (auto step : {&Daemon::check_options, &Daemon::open_data_dir, &Daemon::bind_listeners,
                    &Daemon::load_configuration, &Daemon::open_state, &Daemon::start_functions,
                    &Daemon::build_gateway}) {
    if (int status = (this->*step)(); status != 0) return status;
  }
  serve_until_signal();
  reloader_->stop();
  if (shared_revocations_) shared_revocations_->stop();
  blocking_.join();
  if (runtime_) runtime_->shutdown();  // SIGTERM, then SIGKILL after the grace period, to every function process
  platform_->flush_invocations();
  spdlog::info("stopped");
  return 0;
}

int Daemon::check_options() {
  auto endpoint = parse_listen(o_.listen);
  if (!endpoint) {
    std::cerr << "faasgate serve: " << endpoint.error() << "\n";
    return 2;
  }
  endpoint_ = *endpoint;
  if (o_.metrics_listen != "off") {
    auto parsed = parse_listen(o_.metrics_listen);
    if (!parsed) {
      std::cerr << "faasgate serve: --metrics-listen: " << parsed.error() << "\n";
      return 2;
    }
    metrics_endpoint_ = *parsed;
  }
  auto header_timeout = duration_flag("--header-timeout", o_.header_timeout);
  if (!header_timeout) return 2;
  limits_.header_timeout = *header_timeout;
  limits_.max_connections_per_address = o_.max_connections_per_address;
  auto cooldown = duration_flag("--jwks-refetch-cooldown", o_.jwks_refetch_cooldown);
  if (!cooldown) return 2;
  cache_options_.refetch_cooldown = *cooldown;
  if (!async_options_.callback_addresses.deny(o_.callback_deny)) {
    std::cerr << "faasgate serve: --callback-deny must be a comma-separated list of addresses or CIDR ranges\n";
    return 2;
  }
  const std::pair<std::uint64_t, const char*> async_limits[] = {
      {o_.async_max_body, "--async-max-body"},
      {o_.async_max_queued, "--async-max-queued"},
      {o_.async_max_queued_bytes, "--async-max-queued-bytes"},
      {o_.async_max_queued_per_function, "--async-max-queued-per-function"},
      {o_.async_max_queued_bytes_per_function, "--async-max-queued-bytes-per-function"}};
  for (const auto& [value, flag] : async_limits) {
    if (value == 0) {  // 0 would refuse every async call: surely not what was meant
      std::cerr << "faasgate serve: " << flag << " must be at least 1\n";
      return 2;
    }
  }
  async_options_.queue_limits = {.max_calls = o_.async_max_queued,
                                 .max_bytes = o_.async_max_queued_bytes,
                                 .max_calls_per_function = o_.async_max_queued_per_function,
                                 .max_bytes_per_function = o_.async_max_queued_bytes_per_function};
  gateway_options_.max_async_body_bytes = static_cast<std::size_t>(o_.async_max_body);
  auto ack_wait = duration_flag("--queue-ack-wait", o_.queue_ack_wait);
  auto initial_wait = duration_flag("--queue-initial-retry-wait", o_.queue_initial_retry_wait);
  auto max_wait = duration_flag("--queue-max-retry-wait", o_.queue_max_retry_wait);
  if (!ack_wait || !initial_wait || !max_wait) return 2;
  auto codes = queue::parse_statuses(o_.queue_retry_codes);
  auto backoff = queue::parse_backoff(o_.queue_backoff);
  if (!codes || !backoff || *initial_wait > *max_wait) {
    std::cerr << "faasgate serve: " << (!codes ? "--queue-retry-codes must be HTTP statuses, comma-separated"
                                        : !backoff ? "--queue-backoff must be exponential, full or equal"
                                                   : "--queue-initial-retry-wait must not be above --queue-max-retry-wait")
              << "\n";
    return 2;
  }
  async_options_.lease = *ack_wait;
  async_options_.max_inflight = o_.queue_max_inflight;
  async_options_.retry = {.max_attempts = o_.queue_max_retry_attempts,
                          .min_wait = *initial_wait,
                          .max_wait = *max_wait,
                          .statuses = std::move(*codes),
                          .backoff = *backoff};
  if (!o_.nats_url.empty()) {
    if (auto bad = queue::JetStreamQueue::check_queue_name(o_.nats_queue)) {
      std::cerr << "faasgate serve: --nats-queue: " << *bad << "\n";
      return 2;
    }
  } else if (!o_.nats_creds.empty()) {
    std::cerr << "faasgate serve: --nats-creds needs --nats-url\n";
    return 2;
  }
  if (!o_.audit_webhook.empty() && o_.audit_webhook_secret_file.empty()) {
    std::cerr << "faasgate serve: --audit-webhook needs --audit-webhook-secret-file (the HMAC key)\n";
    return 2;
  }
  return o_.provider_url.empty() ? 0 : check_provider_options();
}

// The provider's URL, the gateway's credentials for it and its address: the gateway starts even
// if the provider is down (its calls answer 502 until it is back), but not without these.
int Daemon::check_provider_options() {
  auto address = provider_api::parse_provider_url(o_.provider_url);
  if (!address) {
    std::cerr << "faasgate serve: --provider-url: " << address.error() << "\n";
    return 2;
  }
  if (o_.provider_auth_dir.empty()) {
    std::cerr << "faasgate serve: --provider-url needs --provider-auth-dir (basic-auth-user, basic-auth-password)\n";
    return 2;
  }
  auto timeout = duration_flag("--provider-timeout", o_.provider_timeout);
  if (!timeout) return 2;
  provider_config_.address = std::move(*address);
  provider_config_.invoke_timeout = *timeout;
  // As upstream mounts its basic-auth secret: one file each, a trailing newline stripped.
  auto credentials = load_basic_auth_dir(o_.provider_auth_dir);
  if (!credentials) {
    std::cerr << "faasgate serve: --provider-auth-dir: " << credentials.error() << "\n";
    return 1;
  }
  provider_config_.user = std::move(credentials->user);
  provider_config_.password = std::move(credentials->password);
  auto endpoint = provider_api::resolve_provider(provider_config_.address);
  if (!endpoint) {
    std::cerr << "faasgate serve: --provider-url: " << endpoint.error() << "\n";
    return 1;
  }
  provider_config_.endpoint = *endpoint;
  return 0;
}

int Daemon::open_data_dir() {
  std::error_code ec;
  fs::create_directories(o_.data_dir, ec);
  if (ec) {
    std::cerr << "faasgate serve: cannot create --data-dir " << o_.data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  // Absolute from here on: functions run in directories of their own, and the paths they are
  // given (secret_mount_path) must not be relative to the gateway's working directory.
  o_.data_dir = fs::canonical(o_.data_dir, ec).string();
  if (ec) {
    std::cerr << "faasgate serve: cannot resolve --data-dir: " << ec.message() << "\n";
    return 1;
  }
  fs::permissions(o_.data_dir, fs::perms::owner_all, ec);
  // One gateway per data dir: two would share the database, the function processes' ports and
  // the process ledger (each would stop the other's functions as orphans at start).
  auto lock = core::FileLock::acquire(fs::path(o_.data_dir) / "gateway.lock");
  if (!lock) {
    std::cerr << "faasgate serve: --data-dir " << o_.data_dir << " is in use by another gateway: " << lock.error()
              << "\n";
    return 1;
  }
  data_dir_lock_ = std::move(*lock);
  return 0;
}

// Bind first: with port 0 the system issuer's URL is known only now.
int Daemon::bind_listeners() {
  const unsigned threads = o_.threads ? o_.threads : std::max(1u, std::thread::hardware_concurrency());
  loops_ = std::make_unique<server::EventLoops>(threads, std::chrono::microseconds(o_.busy_poll_us));
  http_ = std::make_unique<server::HttpServer>(
      *loops_, limits_,
      [this](server::Request&& request, const server::RequestInfo& info) {
        return gateway_->handle(std::move(request), info);
      },
      [this](const server::http::request_header<>& header) { return gateway_->body_limit(header); });
  try {
    bound_ = http_->listen(endpoint_);
  } catch (const boost::system::system_error& e) {
    std::cerr << "faasgate serve: cannot listen on " << o_.listen << ": " << e.code().message() << "\n";
    return 1;
  }
  // Metrics name every function of every namespace: they are served on a listener of their own,
  // as upstream serves them on a port of their own, never beside the public API.
  metrics_http_ = std::make_unique<server::HttpServer>(
      *loops_, limits_, [this](server::Request&& request, const server::RequestInfo& info) {
        return gateway_->handle_metrics(std::move(request), info);
      });
  if (metrics_endpoint_) {
    try {
      metrics_bound_ = metrics_http_->listen(*metrics_endpoint_);
    } catch (const boost::system::system_error& e) {
      std::cerr << "faasgate serve: cannot listen for metrics on " << o_.metrics_listen << ": " << e.code().message()
                << " (--metrics-listen HOST:PORT, or off)\n";
      return 1;
    }
  }
  gateway_options_.system_issuer = o_.system_issuer.empty() ? url_of(bound_) : o_.system_issuer;
  while (!gateway_options_.system_issuer.empty() && gateway_options_.system_issuer.back() == '/')
    gateway_options_.system_issuer.pop_back();
  return 0;
}

int Daemon::load_configuration() {
  key_cache_ = std::make_unique<oidc::KeyCache>(outbound_, cache_options_);
  StateSources sources;
  if (!o_.iam_dir.empty()) sources.iam_dir = o_.iam_dir;
  sources.keys.key_dir = o_.keys_dir.empty() ? default_key_dir(o_.data_dir) : fs::path(o_.keys_dir);
  if (!o_.issuer_key.empty()) sources.keys.key_file = o_.issuer_key;
  if (!o_.nats_url.empty()) sources.shared_revocations_kept = kRevocationMaxAge;
  loader_ = std::make_unique<StateLoader>(sources, *key_cache_);
  auto initial = loader_->load(clock_.now());
  if (!initial) {
    std::cerr << "faasgate serve: cannot load the configuration:\n";
    for (const auto& e : initial.error()) std::cerr << "  " << e << "\n";
    return 1;
  }
  for (const auto& w : loader_->warnings()) spdlog::warn("iam: {}", w);
  if (o_.iam_dir.empty() && !o_.provider_api)
    spdlog::warn("no --iam-dir: no issuer is trusted, so no token can be exchanged");
  state_.store(*initial);
  exchange_ = std::make_unique<oauth::TokenExchange>(gateway_options_.system_issuer);
  return 0;
}

// The functions platform's state and the async queue, in one SQLite file (a connection each).
int Daemon::open_state() {
  auto store = store::SqliteStore::open(fs::path(o_.data_dir) / "faasgate.db", o_.data_dir);
  if (!store) {
    std::cerr << "faasgate serve: cannot open the database: " << store.error().message << "\n";
    return 1;
  }
  store_ = std::move(*store);
  if (!o_.nats_url.empty()) return open_nats();
  auto async_queue = queue::SqliteQueue::open(fs::path(o_.data_dir) / "faasgate.db");
  if (!async_queue) {
    std::cerr << "faasgate serve: cannot open the async queue: " << async_queue.error().message << "\n";
    return 1;
  }
  queue_ = std::move(*async_queue);
  if (auto released = queue_->release_leases(); !released) {
    std::cerr << "faasgate serve: cannot recover the async queue: " << released.error().message << "\n";
    return 1;
  }
  return 0;
}

// The async queue on NATS JetStream, and the revocations every gateway shares there. An
// unreachable server does not stop the gateway: the connection keeps trying, async calls answer
// 503 meanwhile.
int Daemon::open_nats() {
  auto connection = nats::Connection::connect(
      {.url = o_.nats_url, .name = "faasgate " + gateway_options_.system_issuer, .credentials_file = o_.nats_creds});
  if (!connection) {
    std::cerr << "faasgate serve: --nats-url: " << connection.error().message << "\n";
    return 2;
  }
  nats_ = std::move(*connection);
  queue_ = std::make_unique<queue::JetStreamQueue>(
      *nats_, queue::JetStreamQueueOptions{.queue = o_.nats_queue,
                                           .ack_wait = async_options_.lease,
                                           .limits = async_options_.queue_limits});
  shared_revocations_ = std::make_unique<RevocationFeed>(*nats_);
  spdlog::info("async queue: NATS JetStream at {}, stream OF_{}, lease {}s", nats::redacted_url(o_.nats_url),
               o_.nats_queue, async_options_.lease.count());
  return 0;
}

// Functions as local, sandboxed processes, restarted as the store says they should run - or,
// with --provider-url, the provider's: no sandbox, no function process, and nothing of the
// functions in the store, which keeps only what the gateway owns (revocations, the queue).
int Daemon::start_functions() {
  if (!o_.provider_url.empty()) {
    remote_platform_ = std::make_unique<provider_api::RemotePlatform>(provider_http_, provider_config_, clock_);
    platform_ = remote_platform_.get();
    spdlog::info("functions back end: the provider API at {} (as user {})", provider_config_.address.display,
                 provider_config_.user);
    return 0;
  }
  provider::RuntimeOptions runtime_options;
  runtime_options.work_dir = fs::path(o_.data_dir) / "functions";
  auto sandbox = sandbox_options(o_, runtime_options.work_dir, bound_.port());
  if (!sandbox) {
    std::cerr << "faasgate serve: " << sandbox.error() << "\n";
    return 1;
  }
  runtime_options.sandbox = std::move(*sandbox);
  runtime_ = std::make_unique<provider::Runtime>(io_, runtime_options);
  local_platform_ = std::make_unique<platform::LocalPlatform>(
      *store_, *runtime_, platform::ProviderInfo{"faasgate", "local", kVersion, kCommit, ""});
  local_platform_->restore();
  platform_ = local_platform_.get();
  return 0;
}

int Daemon::build_gateway() {
  std::string admin_user = "admin";
  core::Expected<AdminPassword, std::string> admin_password = core::fail(std::string());
  if (!o_.auth_dir.empty()) {
    auto credentials = load_basic_auth_dir(o_.auth_dir);
    if (!credentials) {
      std::cerr << "faasgate: " << credentials.error() << "\n";
      return 1;
    }
    admin_user = std::move(credentials->user);
    admin_password = AdminPassword{std::move(credentials->password), {}, false};
  } else {
    admin_password = load_admin_password(o_.admin_password_file, o_.data_dir);
  }
  if (!admin_password) {
    std::cerr << "faasgate serve: " << admin_password.error() << "\n";
    return 1;
  }
  if (admin_password->generated) {
    std::cout << "faasgate: generated the admin password (user admin) into " << admin_password->path
              << " (mode 0600); read it from there" << std::endl;
  }
  auth_ = std::make_unique<access::Authenticator>(std::move(admin_password->password), gateway_options_.system_issuer,
                                                  10'000, std::move(admin_user));
  if (shared_revocations_) shared_revocations_->start();
  load_revocations(*store_, *auth_, shared_revocations_.get());
  api::AuditOptions audit_options;
  audit_options.file = o_.audit_log;
  audit_options.webhook_url = o_.audit_webhook;
  if (!o_.audit_webhook.empty()) {
    auto secret = core::read_file(o_.audit_webhook_secret_file, 4096);
    if (!secret) {
      std::cerr << "faasgate serve: " << secret.error() << "\n";
      return 1;
    }
    while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) secret->pop_back();
    audit_options.webhook_secret = core::Secret(std::move(*secret));
  }
  try {
    audit_ = std::make_unique<api::AuditLog>(std::move(audit_options), outbound_);
  } catch (const std::exception& e) {
    std::cerr << "faasgate serve: " << e.what() << "\n";
    return 1;
  }
  auto observer = [this](const std::string& ns, const std::string& name, unsigned status, double seconds) {
    platform_->record_invocation(ns, name);
    metrics_.observe_invocation(name + "." + ns, status, seconds);
  };
  if (remote_platform_) {
    provider_upstreams_ = std::make_unique<invoke::UpstreamPool>(64, 64u << 20, provider_config_.connect_timeout);
    invoker_ = std::make_unique<provider_api::RemoteInvoker>(*remote_platform_, *provider_upstreams_, observer);
  } else {
    invoker_ = std::make_unique<invoke::EmbeddedInvoker>(*runtime_, upstreams_, observer);
  }
  async_options_.annotations = [this](const std::string& ns, const std::string& name)
      -> std::optional<std::map<std::string, std::string>> {
    auto function = platform_->get(ns, name);
    if (!function) return std::nullopt;
    return function->deployment.annotations;
  };
  async_workers_ =
      std::make_unique<queue::AsyncWorkers>(io_, *queue_, *invoker_, blocking_, clock_, outbound_, async_options_);
  gateway_options_.provider_api = o_.provider_api;
  gateway_options_.version = kVersion;
  gateway_options_.commit = kCommit;
  gateway_ = std::make_unique<api::Gateway>(
      gateway_options_, api::GatewayServices{state_, *exchange_, *auth_, *platform_, *invoker_, *queue_,
                                             async_workers_.get(), metrics_, blocking_, clock_, audit_.get()});
  reloader_ = std::make_unique<Reloader>(
      std::chrono::seconds(1),
      std::vector<Reloader::Chore>{[this] { platform_->flush_invocations(); },
                                   [this] { load_revocations(*store_, *auth_, shared_revocations_.get()); },
                                   // A broken change keeps the last good set; the snapshot is swapped whole.
                                   [this] {
                                     if (!loader_->changed(clock_.now())) return;
                                     auto next = loader_->load(clock_.now());
                                     if (!next) {
                                       for (const auto& e : next.error())
                                         spdlog::error("reload refused, keeping the last good configuration: {}", e);
                                       return;
                                     }
                                     for (const auto& w : loader_->warnings()) spdlog::warn("iam: {}", w);
                                     state_.store(*next);
                                     spdlog::info("configuration reloaded: signing key {}",
                                                  (*next)->exchange.keys->current().kid());
                                   }});
  return 0;
}

void Daemon::serve_until_signal() {
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("signal {}: shutting down gracefully", signal);
    gateway_->stop_streams();
    async_workers_->stop();
    // Both listeners drain; the loops stop when the second is done.
    auto drained = std::make_shared<std::atomic<int>>(metrics_bound_ ? 2 : 1);
    auto one_done = [this, drained] {
      if (--*drained > 0) return;
      loops_->stop();
      io_.stop();
    };
    http_->shutdown(one_done);
    if (metrics_bound_) metrics_http_->shutdown(one_done);
  });

  http_->start();
  if (metrics_bound_) metrics_http_->start();
  if (!o_.provider_api) async_workers_->start();  // the provider API has no async route
  reloader_->start();
  if (o_.provider_api) {
    spdlog::info("faasgate {} serving the provider API", kVersion);
  } else {
    spdlog::info("faasgate {} serving as issuer {} with signing key {}", kVersion, gateway_options_.system_issuer,
                 state_.load()->exchange.keys->current().kid());
  }
  std::cout << "faasgate: listening on " << url_of(bound_) << std::endl;
  if (metrics_bound_) std::cout << "faasgate: metrics on " << url_of(*metrics_bound_) << "/metrics" << std::endl;

  loops_->start();
  io_.run();
  loops_->join();
}

}  // namespace

int run_daemon(ServeOptions options) {
  Daemon daemon(std::move(options));
  return daemon.run();
}

}  // namespace faasgate::app
