#include <iostream>

#include "commands.hpp"
#include "faasgate/cli/commands.hpp"

int main(int argc, char** argv) {
  using namespace faasgate::app;
  CLI::App app{"faasgate: an OpenFaaS-compatible functions gateway with built-in IAM"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, Run>> runs;
  for (const auto& command : kCommands) {
    auto* sub = app.add_subcommand(std::string(command.name), std::string(command.description));
    runs.emplace_back(sub, command.setup(*sub));
  }
  // The client's commands (src/cli), on the SDK: one binary, one `faasgate --help` for both.
  auto& context = faasgate::cli::process_context();
  for (const auto& command : faasgate::cli::kCommands) {
    auto* sub = app.add_subcommand(std::string(command.name), std::string(command.description));
    runs.emplace_back(sub, command.setup(*sub, context));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0 as CLI11 says; any usage error exits 2, as the tools document.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  for (auto& [sub, run] : runs) {
    if (sub->parsed()) return run();
  }
  return 2;
}
