#include <iostream>

#include "app/commands.hpp"

int main(int argc, char** argv) {
  using namespace faasgate::app;
  CLI::App app{"faasgate: an OpenFaaS-compatible functions gateway with built-in IAM"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, Run>> runs;
  for (const auto& command : kCommands) {
    auto* sub = app.add_subcommand(std::string(command.name), std::string(command.description));
    runs.emplace_back(sub, command.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, run] : runs) {
    if (sub->parsed()) return run();
  }
  return 2;
}
