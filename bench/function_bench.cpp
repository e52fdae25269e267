// Invocation through the gateway versus calling the same function process directly.
//
// http-mode functions (faasgate-bench-echo) are deployed in `faasgate serve`; the benchmark finds
// each replica's port in the function's logs and drives both paths with the same keep-alive load
// generator, in alternating rounds of a second each, in this run:
//   - the echo, which does no work: what the gateway costs next to the cheapest possible function;
//   - the same program spending 100 us of CPU per request: a function that does some work;
//   - single-connection latency, with the gateway's defaults and with --busy-poll-us.
// Beside each path through the gateway, the same load goes through a bare TCP relay
// (faasgate-bench-relay): the cheapest proxy there is, so what no proxy can beat on this machine.
// Classic mode's per-request cost (a process per request) is measured the same way.
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "faasgate/core/base64.hpp"
#include "gateway_process.hpp"
#include "load.hpp"
#include "report.hpp"

namespace faasgate::bench {

namespace {

std::string admin_header(const std::filesystem::path& data_dir) {
  std::ifstream in(data_dir / "admin-password");
  std::string password;
  std::getline(in, password);
  const std::string pair = "admin:" + password;
  return "Basic " + core::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(pair.data()), pair.size()));
}

struct EchoFunction {
  unsigned short port = 0;
  pid_t pid = 0;
};

// A gateway of its own with the bench functions deployed in it.
class BenchGateway {
 public:
  BenchGateway(const std::filesystem::path& bin_dir, std::vector<std::string> extra_args)
      : bin_dir_(bin_dir), dir_(make_temp_dir()), process_(bin_dir / "faasgate", args(dir_, std::move(extra_args))),
        auth_(admin_header(dir_ / "data")) {}
  ~BenchGateway() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  unsigned short port() const { return process_.port(); }

  HttpAnswer call(const std::string& method, const std::string& target, const std::string& body) {
    return http_call(process_.port(), method, target, body, {{"Authorization", auth_}});
  }

  pid_t pid() const { return process_.pid(); }

  // Deploys the echo program as an http-mode function; returns its replica's port and pid.
  EchoFunction deploy_echo(const std::string& name, boost::json::object env) {
    env["mode"] = "http";
    auto deployed = call("POST", "/system/functions",
                         boost::json::serialize(boost::json::object{
                             {"service", name}, {"envProcess", (bin_dir_ / "faasgate-bench-echo").string()}, {"envVars", env}}));
    if (deployed.status != 202) throw std::runtime_error("cannot deploy the bench function: " + deployed.body);
    unsigned short port = 0;
    pid_t pid = 0;
    for (int i = 0; i < 200 && port == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto logs = call("GET", "/system/logs?name=" + name + "&tail=5", "");
      auto at = logs.body.find("listening on ");
      if (at != std::string::npos) {
        char* rest = nullptr;
        port = static_cast<unsigned short>(std::strtoul(logs.body.c_str() + at + 13, &rest, 10));
        if (std::strncmp(rest, " pid ", 5) == 0) pid = static_cast<pid_t>(std::atoi(rest + 5));
      }
    }
    if (port == 0) throw std::runtime_error("the bench function " + name + " did not start");
    for (int i = 0; i < 200 && call("POST", "/function/" + name, "x").status != 200; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return {port, pid};
  }

 private:
  static std::vector<std::string> args(const std::filesystem::path& dir, std::vector<std::string> extra) {
    std::vector<std::string> out{"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "off",
                                 "--data-dir", (dir / "data").string(), "--log-level", "warn"};
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }
  std::filesystem::path bin_dir_;
  std::filesystem::path dir_;
  GatewayProcess process_;
  std::string auth_;
};

LoadSpec post_hello(unsigned short port, const std::string& target, unsigned connections) {
  LoadSpec spec;
  spec.method = "POST";
  spec.content_type = "text/plain";
  spec.body = [](std::uint64_t) { return std::string("hello"); };
  spec.port = port;
  spec.target = target;
  spec.connections = connections;
  spec.duration = std::chrono::milliseconds(1000);
  spec.warmup = std::chrono::milliseconds(200);
  return spec;
}

// Paths are compared over rounds that alternate them (see run_interleaved): this VM's neighbours
// come and go, and a path measured alone in a noisy second would carry all of the noise.
constexpr unsigned kRounds = 5;

// The lowest and highest of a figure over the rounds, to show how far one round can be trusted.
void print_round_range(const std::string& name, const std::vector<std::vector<LoadResult>>& rounds,
                       const std::function<double(const std::vector<LoadResult>&)>& figure, const char* unit) {
  double low = 0, high = 0;
  for (std::size_t r = 0; r < rounds.size(); ++r) {
    const double v = figure(rounds[r]);
    low = r == 0 ? v : std::min(low, v);
    high = r == 0 ? v : std::max(high, v);
  }
  std::printf("  %-58s %5.1f to %.1f%s\n", name.c_str(), low, high, unit);
}

// A bare TCP relay in front of one function process (see tcp_relay.cpp).
class Relay {
 public:
  Relay(const std::filesystem::path& bin_dir, unsigned short upstream_port)
      : process_(bin_dir / "faasgate-bench-relay", {std::to_string(upstream_port)}) {}
  unsigned short port() const { return process_.port(); }
  pid_t pid() const { return process_.pid(); }

 private:
  GatewayProcess process_;  // it announces its port as the gateway does
};

void throughput(const std::string& label, const EchoFunction& function, BenchGateway& gateway, const std::string& name,
                const Relay& relay) {
  auto direct_spec = post_hello(function.port, "/", 32);
  direct_spec.observe = {function.pid};
  auto via_spec = post_hello(gateway.port(), "/function/" + name, 32);
  via_spec.observe = {function.pid, gateway.pid()};
  auto relay_spec = post_hello(relay.port(), "/", 32);
  relay_spec.observe = {function.pid, relay.pid()};
  std::vector<std::vector<LoadResult>> rounds;
  const auto paths = run_interleaved({direct_spec, via_spec, relay_spec}, kRounds, &rounds);
  const auto& direct = paths[0];
  const auto& via = paths[1];
  const auto& relayed = paths[2];
  print_figure(label + ", 32 connections: direct to the function", direct.rate(), "req/s");
  print_cpu(label + ", direct", direct, {"function"});
  print_figure(label + ", 32 connections: through the gateway", via.rate(), "req/s");
  print_cpu(label + ", via", via, {"function", "gateway"});
  print_figure(label + ", 32 connections: through a bare TCP relay", relayed.rate(), "req/s");
  print_cpu(label + ", relay", relayed, {"function", "relay"});
  print_ratio(label + ": gateway / direct", via.rate() / direct.rate(), 0.80);
  print_round_range(label + ": gateway / direct, lowest to highest round", rounds,
                    [](const auto& r) { return 100 * r[1].rate() / r[0].rate(); }, "%");
  print_share(label + ": bare TCP relay / direct", relayed.rate() / direct.rate());
  print_share(label + ": gateway / bare TCP relay", via.rate() / relayed.rate());
  // What the ratio could be at best here, where the load generator, the function and the gateway
  // share the cores: a gateway whose only cost is the kernel's work for its two sockets, each
  // costing what the function's one socket costs it. The CPU all three then need per request
  // bounds the rate; the direct rate may be bound by the function's one thread instead.
  if (!direct.observed_cpu.empty() && direct.requests) {
    const double direct_us = direct.per_request_us(direct.observed_cpu[0]) + direct.per_request_us(direct.client_cpu);
    const double socket_us = direct.per_request_us({0, direct.observed_cpu[0].system});
    const double cores = std::max(1u, std::thread::hardware_concurrency());
    const double best = std::min(direct.rate(), cores * 1e6 / (direct_us + 2 * socket_us));
    print_share(label + ": best possible here (gateway = 2 sockets)", best / direct.rate());
  }
  const auto errors = direct.errors + via.errors + relayed.errors;
  if (errors) print_figure(label + ": ERRORS", static_cast<double>(errors), "");
}

// The gateway's added latency with one connection: no queueing, just the extra hop.
void added_latency(const std::string& label, const EchoFunction& function, BenchGateway& gateway, const std::string& name,
                   const Relay* relay) {
  std::vector<LoadSpec> specs{post_hello(function.port, "/", 1), post_hello(gateway.port(), "/function/" + name, 1)};
  if (relay) specs.push_back(post_hello(relay->port(), "/", 1));
  std::vector<std::vector<LoadResult>> rounds;
  const auto paths = run_interleaved(specs, kRounds, &rounds);
  const auto& direct = paths[0];
  const auto& via = paths[1];
  print_figure(label + ": direct median latency", direct.percentile(50), "us");
  print_figure(label + ": gateway median latency", via.percentile(50), "us");
  const double added = via.percentile(50) - direct.percentile(50);
  print_figure(label + ": median latency the gateway adds", added, "us");
  std::printf("  %-58s %s\n", "  (target: under 100 us)", added < 100 ? "met" : "NOT met");
  print_round_range(label + ": gateway adds, lowest to highest round", rounds,
                    [](const auto& r) { return r[1].percentile(50) - r[0].percentile(50); }, " us");
  auto errors = direct.errors + via.errors;
  if (relay) {
    print_figure(label + ": median latency a bare TCP relay adds", paths[2].percentile(50) - direct.percentile(50), "us");
    errors += paths[2].errors;
  }
  if (errors) print_figure(label + ": ERRORS", static_cast<double>(errors), "");
}

}  // namespace

// Classic mode: a process per request.
void classic(const std::string& label, BenchGateway& gateway) {
  auto deployed = gateway.call("POST", "/system/functions",
                               boost::json::serialize(boost::json::object{{"service", "cat"}, {"envProcess", "cat"}}));
  if (deployed.status != 202) throw std::runtime_error("cannot deploy the classic function: " + deployed.body);
  auto spec = post_hello(gateway.port(), "/function/cat", 8);
  spec.duration = std::chrono::milliseconds(3000);
  auto load = run_load(spec);
  print_figure("classic mode (a process per request, `cat`), 8 connections, " + label, load.rate(), "req/s");
  print_figure("classic mode: median latency per request, " + label, load.percentile(50), "us");
}

void run_function_bench(const std::filesystem::path& bin_dir) {
  print_header("Function invocation: through the gateway vs. the function process directly");
  {
    // Without the sandbox: the proxy path is the same either way (the sandbox changes how the
    // function process starts, not how the gateway reaches it), and the function's pid must be
    // the host's for its CPU to be read from /proc.
    BenchGateway gateway(bin_dir, {"--unsafe-no-isolation"});
    const auto echo = gateway.deploy_echo("echo", {});
    const auto busy = gateway.deploy_echo("work", {{"work_us", "100"}});
    const Relay echo_relay(bin_dir, echo.port), busy_relay(bin_dir, busy.port);
    throughput("echo (no work)", echo, gateway, "echo", echo_relay);
    throughput("100 us of CPU per call", busy, gateway, "work", busy_relay);
    added_latency("echo, 1 connection", echo, gateway, "echo", &echo_relay);

    classic("no sandbox", gateway);
  }
  {
    // What the sandbox costs a process per request (setpriv, prlimit, bwrap and its namespaces).
    BenchGateway gateway(bin_dir, {});
    classic("sandboxed", gateway);
  }
  {
    // The same latency with the connection threads polling 50 us before they sleep.
    BenchGateway gateway(bin_dir, {"--busy-poll-us", "50", "--unsafe-no-isolation"});
    const auto echo = gateway.deploy_echo("echo", {});
    added_latency("echo, 1 connection, --busy-poll-us 50", echo, gateway, "echo", nullptr);
  }
}

}  // namespace faasgate::bench
