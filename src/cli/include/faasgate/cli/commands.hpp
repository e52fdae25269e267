#pragma once
// The command-line tool's commands (issue 13): a table like the gateway's own (src/app/
// commands.hpp). Each entry adds its options to a CLI11 subcommand and returns what to run when
// that subcommand was chosen; one file per command group. Every command reaches the world only
// through the Context it is given, so tests run them in-process over a FakeTransport, a temporary
// config directory and string streams.
#include <CLI/CLI.hpp>

#include <functional>
#include <string_view>

#include "faasgate/cli/context.hpp"

namespace faasgate::cli {

// Exit codes, as the tools document: 0 success, 1 failure, 2 usage.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

using Run = std::function<int()>;
// `context` outlives the returned Run.
using Setup = Run (*)(CLI::App& command, Context& context);

struct Command {
  std::string_view name;
  std::string_view description;
  Setup setup;
};

Run setup_login(CLI::App& command, Context& context);
Run setup_logout(CLI::App& command, Context& context);
Run setup_whoami(CLI::App& command, Context& context);
Run setup_fn(CLI::App& command, Context& context);
Run setup_ns(CLI::App& command, Context& context);
Run setup_secret(CLI::App& command, Context& context);
Run setup_info(CLI::App& command, Context& context);

inline constexpr Command kCommands[] = {
    {"login", "Log in to a gateway: exchange an ID token (or check a password) and store the login", setup_login},
    {"logout", "Forget the stored login to a gateway", setup_logout},
    {"whoami", "Who the stored login says you are: subject, issuer, policies, expiry", setup_whoami},
    {"fn", "List, deploy, update, delete, invoke, scale functions and read their logs", setup_fn},
    {"ns", "List, create, update and delete namespaces", setup_ns},
    {"secret", "List, create, update and delete secrets (values are never printed)", setup_secret},
    {"info", "The gateway's provider and version", setup_info},
};

}  // namespace faasgate::cli
