// Invocation through the gateway versus calling the same function process directly.
//
// An http-mode function (faasgate-bench-echo) is deployed in `faasgate serve`; the benchmark
// finds the replica's port in the function's logs and drives both paths with the same keep-alive
// load generator, one after the other, in this run. Classic mode's per-request cost (a process
// per request) is measured the same way.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "core/base64.hpp"
#include "gateway_process.hpp"
#include "load.hpp"
#include "report.hpp"

namespace faasgate::bench {

namespace {

// One blocking HTTP exchange for setup calls (deploy, logs), via the load generator's client.
std::string admin_header(const std::filesystem::path& data_dir) {
  std::ifstream in(data_dir / "admin-password");
  std::string password;
  std::getline(in, password);
  const std::string pair = "admin:" + password;
  return "Basic " + core::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(pair.data()), pair.size()));
}

}  // namespace

void run_function_bench(const std::filesystem::path& bin_dir) {
  print_header("Function invocation: through the gateway vs. the function process directly");
  auto dir = make_temp_dir();
  GatewayProcess gateway(bin_dir / "faasgate", {"serve", "--listen", "127.0.0.1:0", "--data-dir", (dir / "data").string(),
                                                "--log-level", "warn"});
  const auto auth = admin_header(dir / "data");
  auto call = [&](const std::string& method, const std::string& target, const std::string& body) {
    return http_call(gateway.port(), method, target, body, {{"Authorization", auth}});
  };

  auto deployed = call("POST", "/system/functions",
                       boost::json::serialize(boost::json::object{
                           {"service", "echo"},
                           {"envProcess", (bin_dir / "faasgate-bench-echo").string()},
                           {"envVars", boost::json::object{{"mode", "http"}}}}));
  if (deployed.status != 202) throw std::runtime_error("cannot deploy the bench function: " + deployed.body);
  unsigned short direct_port = 0;
  for (int i = 0; i < 200 && direct_port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto logs = call("GET", "/system/logs?name=echo&tail=5", "");
    auto at = logs.body.find("listening on ");
    if (at != std::string::npos) direct_port = static_cast<unsigned short>(std::atoi(logs.body.c_str() + at + 13));
  }
  if (direct_port == 0) throw std::runtime_error("the bench function did not start");
  for (int i = 0; i < 200 && call("POST", "/function/echo", "x").status != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));

  LoadSpec spec;
  spec.method = "POST";
  spec.content_type = "text/plain";
  spec.body = [](std::uint64_t) { return std::string("hello"); };
  spec.connections = 32;

  spec.port = direct_port;
  spec.target = "/";
  auto direct = run_load(spec);
  spec.port = gateway.port();
  spec.target = "/function/echo";
  auto via = run_load(spec);

  // Latency with one connection: the gateway's added time per request, not queueing.
  spec.connections = 1;
  spec.port = direct_port;
  spec.target = "/";
  auto direct1 = run_load(spec);
  spec.port = gateway.port();
  spec.target = "/function/echo";
  auto via1 = run_load(spec);

  print_figure("http mode, 32 connections: direct to the function", direct.rate(), "req/s");
  print_figure("http mode, 32 connections: through the gateway", via.rate(), "req/s");
  print_ratio("http mode: gateway / direct", via.rate() / direct.rate(), 0.80);
  print_figure("http mode, 1 connection: direct median latency", direct1.percentile(50), "us");
  print_figure("http mode, 1 connection: gateway median latency", via1.percentile(50), "us");
  const double added = via1.percentile(50) - direct1.percentile(50);
  print_figure("http mode: median latency the gateway adds", added, "us");
  std::printf("  %-58s %s\n", "  (target: under 100 us)", added < 100 ? "met" : "NOT met");
  if (direct.errors || via.errors) print_figure("http mode: ERRORS", static_cast<double>(direct.errors + via.errors), "");

  auto classic = call("POST", "/system/functions",
                      boost::json::serialize(boost::json::object{{"service", "cat"}, {"envProcess", "cat"}}));
  if (classic.status != 202) throw std::runtime_error("cannot deploy the classic function: " + classic.body);
  spec.connections = 8;
  spec.target = "/function/cat";
  auto classic_load = run_load(spec);
  print_figure("classic mode (a process per request, `cat`), 8 connections", classic_load.rate(), "req/s");
  print_figure("classic mode: median latency per request", classic_load.percentile(50), "us");
  std::filesystem::remove_all(dir);
}

}  // namespace faasgate::bench
