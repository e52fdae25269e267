// faasgate-sdk-driver: the SDK as a long-running program uses it, for the end-to-end tests
// (test_sdk.py) to drive against a real gateway. Two modes:
//   soak --seconds S --threads T   T threads share one Client for S seconds; prints one JSON
//                                  object: calls, failures, the first errors, TokenAuth's stats.
//   repl                           reads commands from stdin, one a line, and answers each with
//                                  one JSON line, so a test can act between calls (revoke a
//                                  subject, stop the gateway): namespaces | functions NS |
//                                  invoke NAME NS [auth] | stats | quit
#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "faasgate/sdk/client.hpp"
#include "faasgate/sdk/token_auth.hpp"

namespace sdk = faasgate::sdk;
namespace json = boost::json;

namespace {

json::object stats_json(const sdk::TokenAuth& auth) {
  const auto s = auth.stats();
  return {{"exchanges", s.exchanges}, {"failed_exchanges", s.failed_exchanges}, {"renewed_ahead", s.renewed_ahead}};
}

json::object error_json(const sdk::Error& e) {
  return {{"ok", false},
          {"kind", std::string(sdk::to_string(e.kind))},
          {"status", e.status},
          {"message", e.describe()},
          {"oauth_error", e.oauth_error}};
}

int soak(sdk::Client& client, sdk::TokenAuth& auth, int seconds, int threads, int pause_ms) {
  std::atomic<std::uint64_t> calls{0}, failures{0};
  std::mutex errors_mutex;
  json::array errors;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::vector<std::jthread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      while (std::chrono::steady_clock::now() < until) {
        auto got = client.namespaces();
        ++calls;
        if (!got) {
          ++failures;
          std::lock_guard lock(errors_mutex);
          if (errors.size() < 5) errors.emplace_back(got.error().describe());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
      }
    });
  }
  workers.clear();  // joins
  auto out = stats_json(auth);
  out["calls"] = calls.load();
  out["failures"] = failures.load();
  out["errors"] = std::move(errors);
  std::cout << json::serialize(out) << std::endl;
  return 0;
}

int repl(sdk::Client& client, sdk::TokenAuth& auth) {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream words(line);
    std::string command;
    words >> command;
    const auto started = std::chrono::steady_clock::now();
    json::object out;
    if (command == "quit") break;
    if (command == "stats") {
      out = stats_json(auth);
    } else if (command == "namespaces") {
      auto got = client.namespaces();
      if (got) out = {{"ok", true}, {"count", got->size()}};
      else out = error_json(got.error());
    } else if (command == "functions") {
      std::string ns = "openfaas-fn";
      words >> ns;
      auto got = client.functions(ns);
      if (got) out = {{"ok", true}, {"count", got->size()}};
      else out = error_json(got.error());
    } else if (command == "invoke") {
      sdk::InvokeRequest request;
      std::string flag;
      words >> request.name >> request.namespace_ >> flag;
      request.authenticate = flag == "auth";
      request.body = "ping";
      auto got = client.invoke(request);
      if (got) out = {{"ok", true}, {"status", got->status}, {"body", got->body}};
      else out = error_json(got.error());
    } else {
      out = {{"ok", false}, {"kind", "usage"}, {"message", "unknown command: " + command}};
    }
    out["elapsed_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    std::cout << json::serialize(out) << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"faasgate-sdk-driver: the SDK against a real gateway, for the end-to-end tests"};
  std::string gateway, token_dir;
  int timeout_ms = 3000;
  app.add_option("--gateway", gateway, "The gateway's URL")->required();
  app.add_option("--token-dir", token_dir, "Where openfaas-token is (a projected service-account token)")->required();
  app.add_option("--timeout-ms", timeout_ms, "Each request's timeout");
  int seconds = 30, threads = 16, pause_ms = 10;
  auto* soak_command = app.add_subcommand("soak", "Many threads, one client, for a while");
  soak_command->add_option("--seconds", seconds);
  soak_command->add_option("--threads", threads);
  soak_command->add_option("--pause-ms", pause_ms);
  auto* repl_command = app.add_subcommand("repl", "One call per line of stdin");
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);

  sdk::TokenAuthOptions auth_options;
  auth_options.timeout = std::chrono::milliseconds(timeout_ms);
  auto auth = std::make_shared<sdk::TokenAuth>(gateway + "/oauth/token",
                                               std::make_shared<sdk::ServiceAccountTokenSource>(token_dir), auth_options);
  sdk::ClientOptions options;
  options.auth = auth;
  options.timeout = std::chrono::milliseconds(timeout_ms);
  sdk::Client client(gateway, options);
  if (soak_command->parsed()) return soak(client, *auth, seconds, threads, pause_ms);
  if (repl_command->parsed()) return repl(client, *auth);
  return 2;
}
