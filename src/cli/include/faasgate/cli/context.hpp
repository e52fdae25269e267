#pragma once
// Everything a command touches outside itself: its streams, whether they are terminals, the
// clock, the environment, the HTTP transport, Ctrl-C and sleeping. process_context() is the real
// process; a test fills one with string streams, a FakeClock, a map for the environment and a
// FakeTransport, and runs the same commands.
#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "faasgate/core/clock.hpp"
#include "faasgate/sdk/http.hpp"

namespace faasgate::cli {

struct Context {
  std::istream* in = nullptr;
  std::ostream* out = nullptr;  // results only: what a script reads
  std::ostream* err = nullptr;  // errors, advice and progress
  bool in_is_terminal = false;   // input typed by hand: say that it is being read
  bool err_is_terminal = false;  // progress is drawn only on a terminal, never into a pipe
  const core::Clock* clock = nullptr;
  // One variable of the environment (OPENFAAS_URL, FAASGATE_CONFIG, XDG_CONFIG_HOME, HOME).
  std::function<std::optional<std::string>(std::string_view name)> env;
  // The transport every request goes through.
  std::function<std::shared_ptr<sdk::HttpTransport>()> transport;
  // A token that Ctrl-C stops. The process installs its SIGINT handler only when a command asks
  // for this (a followed log, --wait), so that Ctrl-C anywhere else ends the process at once.
  std::function<std::stop_token()> interrupt;
  // Waits `d`, or less when `stop` is requested; false when it was.
  std::function<bool(std::chrono::milliseconds d, std::stop_token stop)> sleep;

  std::optional<std::string> getenv(std::string_view name) const { return env ? env(name) : std::nullopt; }
};

// The process's context: std::cin/cout/cerr, isatty, the system clock, getenv, libcurl.
Context& process_context();

}  // namespace faasgate::cli
