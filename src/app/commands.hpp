#pragma once
// The CLI's subcommands are a table: each entry adds its options to a CLI11 subcommand and
// returns what to run when that subcommand was chosen. One file per command.
#include <CLI/CLI.hpp>

#include <functional>
#include <string_view>

namespace faasgate::app {

using Run = std::function<int()>;
using Setup = Run (*)(CLI::App& command);

struct Command {
  std::string_view name;
  std::string_view description;
  Setup setup;
};

Run setup_serve(CLI::App& command);
Run setup_version(CLI::App& command);
Run setup_keys(CLI::App& command);
Run setup_token(CLI::App& command);
Run setup_revoke(CLI::App& command);  // faasgate iam revoke
Run setup_iam(CLI::App& command);
Run setup_cron(CLI::App& command);
Run setup_cron_connector(CLI::App& command);

inline constexpr Command kCommands[] = {
    {"serve", "Run the gateway", setup_serve},
    {"version", "Print the version", setup_version},
    {"keys", "Manage the gateway's signing keys", setup_keys},
    {"token", "A local stand-in for Kubernetes' service-account token projection", setup_token},
    {"iam", "Explain and lint IAM objects", setup_iam},
    {"cron", "Cron schedules: their next fire times", setup_cron},
    {"cron-connector", "Invoke functions on their cron schedules, with least privilege (IAM) or basic auth",
     setup_cron_connector},
};

}  // namespace faasgate::app
