// cli_files_fuzz: the CLI's two YAML readers on arbitrary text - parse_stack (a stack.yml a user
// was handed) and parse_config (the stored logins, which another program may have written).
// yaml-cpp throws on what it cannot read; the readers must turn every such case into an error
// value. Must never crash, and:
//   - a stack that parses has functions with a name and a command (what the gateway requires);
//   - a config that parses is written back by to_yaml into text that parses to the same config
//     (what `faasgate login` saves, a later command must read unchanged).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config.hpp"
#include "stack.hpp"

namespace {

using namespace faasgate;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "cli_files_fuzz: %s\n", what);
  std::abort();
}

// The fields a login of its kind keeps (to_yaml writes no password for a token login).
bool same(const cli::GatewayLogin& a, const cli::GatewayLogin& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == cli::AuthKind::token)
    return a.access_token == b.access_token && a.expires_at == b.expires_at && a.token_file == b.token_file;
  return a.username == b.username && a.password == b.password;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // Environment files are not read: the reader says it has none.
  auto no_files = [](const std::string&) -> core::Expected<std::string, std::string> {
    return core::fail(std::string("no files here"));
  };
  if (auto stack = cli::parse_stack(text, "stack.yml", "openfaas-fn", no_files)) {
    for (const auto& f : stack->functions)
      if (f.service.empty() || f.env_process.empty()) fail("a stack function without a name or a command");
  } else if (stack.error().empty()) {
    fail("a stack error with no message");
  }

  auto config = cli::parse_config(text, "config.yaml");
  if (!config) {
    if (config.error().empty()) fail("a config error with no message");
    return 0;
  }
  auto again = cli::parse_config(cli::to_yaml(*config), "config.yaml");
  if (!again) fail("to_yaml wrote a config that does not read back");
  if (again->current != config->current || again->gateways.size() != config->gateways.size())
    fail("a config changed on its way through to_yaml");
  for (const auto& [url, login] : config->gateways) {
    const auto* back = again->login(url);
    if (!back || !same(login, *back)) fail("a login changed on its way through to_yaml");
  }
  return 0;
}
