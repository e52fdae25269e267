#include "faasgate/cron_connector/program.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <thread>

#include "faasgate/core/files.hpp"
#include "faasgate/cron_connector/connector.hpp"
#include "faasgate/cron_connector/fields.hpp"
#include "faasgate/cron_connector/metrics_server.hpp"
#include "faasgate/sdk/client.hpp"
#include "faasgate/sdk/token_auth.hpp"
#include "faasgate/sdk/token_source.hpp"

namespace faasgate::cron_connector {
namespace {

// An answer to a list call is a few KiB per function; kMaxFunctions of them stay far below this.
constexpr std::size_t kMaxAnswerBytes = 16 * 1024 * 1024;

void setup_logging() {
  // One line per event on stderr, in UTC, as the write-up's log lines.
  auto logger = spdlog::stderr_logger_mt("cron-connector");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

// A token file wherever it is (--token-file): read afresh on every exchange, as the
// ServiceAccountTokenSource reads <dir>/openfaas-token, so the kubelet's (or `faasgate token
// project --refresh`'s) rewrites are seen.
class FileTokenSource final : public sdk::TokenSource {
 public:
  explicit FileTokenSource(std::filesystem::path path) : path_(std::move(path)) {}
  core::Expected<core::Secret, std::string> token() override {
    auto text = core::read_file(path_, sdk::ServiceAccountTokenSource::kMaxTokenBytes);
    if (!text) return core::fail("cannot read the token file " + path_.string() + ": " + text.error());
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r' || text->back() == ' ')) text->pop_back();
    if (text->empty()) return core::fail("the token file " + path_.string() + " is empty");
    return core::Secret(std::move(*text));
  }

 private:
  std::filesystem::path path_;
};

// SIGINT and SIGTERM are blocked in every thread and taken by this one, which asks the
// connector to stop.
class SignalWatcher {
 public:
  SignalWatcher() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // before any other thread starts: they inherit it
    thread_ = std::jthread([this](std::stop_token own) {
      const timespec tick{0, 200'000'000};
      while (!own.stop_requested()) {
        const int signal = sigtimedwait(&set_, nullptr, &tick);
        if (signal == SIGINT || signal == SIGTERM) {
          spdlog::info("{}", line("Signal, stopping", Fields().add("signal", signal)));
          stop_.request_stop();
          return;
        }
      }
    });
  }
  std::stop_token token() const { return stop_.get_token(); }

 private:
  sigset_t set_{};
  std::stop_source stop_;
  std::jthread thread_;
};

}  // namespace

int run_program(const Flags& flags) {
  auto config = load_config(flags, process_environment());
  if (!config) {
    std::cerr << "faasgate cron-connector: " << config.error() << "\n";
    return 2;
  }
  setup_logging();
  // Before any thread starts (TokenAuth's renewal, curl's resolver, the pool): they inherit the
  // blocked signals, so SIGTERM reaches the watcher rather than killing the process.
  SignalWatcher signals;
  spdlog::info("{}", "Config\t" + config->describe());

  sdk::CurlTransportOptions transport_options;
  transport_options.max_body_bytes = kMaxAnswerBytes;
  auto transport = sdk::make_curl_transport(transport_options);
  sdk::ClientOptions options;
  options.transport = transport;
  options.timeout = config->rebuild_timeout;  // the list calls; each invocation sets its own
  options.user_agent = "faasgate-cron-connector";
  if (config->auth == AuthMode::iam) {
    std::shared_ptr<sdk::TokenSource> source;
    if (flags.token_file)
      source = std::make_shared<FileTokenSource>(config->token_file);
    else
      source = std::make_shared<sdk::ServiceAccountTokenSource>(config->token_file.parent_path());
    sdk::TokenAuthOptions token_options;
    token_options.transport = transport;
    token_options.timeout = config->rebuild_timeout;
    token_options.user_agent = options.user_agent;
    auto auth = std::make_shared<sdk::TokenAuth>(config->gateway_url + "/oauth/token", std::move(source), token_options);
    options.auth = auth;
    options.function_auth = auth;
  } else {
    options.auth = std::make_shared<sdk::BasicAuth>(config->basic_auth_user, config->basic_auth_password);
  }
  auto client = std::make_shared<sdk::Client>(config->gateway_url, options);

  Metrics metrics;
  std::unique_ptr<MetricsServer> metrics_server;
  if (!config->metrics_listen.empty()) {
    auto started = MetricsServer::start(config->metrics_listen, [&metrics] { return metrics.render(); });
    if (!started) {
      spdlog::error("{}", line("Cannot serve metrics", Fields().add("error", started.error())));
      std::cerr << "faasgate cron-connector: metrics: " << started.error() << " (--metrics-listen HOST:PORT, or off)\n";
      return 1;
    }
    metrics_server = std::move(*started);
    spdlog::info("{}", line("Metrics", Fields().add("url", metrics_server->url())));
  }

  auto connector = std::make_unique<Connector>(*config, client, metrics);
  const auto abandoned = connector->run(signals.token());
  if (abandoned > 0) {
    // Their threads are in calls bounded by invoke_timeout: exit rather than wait for them.
    spdlog::info("Stopped");
    spdlog::default_logger()->flush();
    std::_Exit(0);
  }
  connector.reset();
  spdlog::info("Stopped");
  return 0;
}

}  // namespace faasgate::cron_connector
