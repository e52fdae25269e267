#pragma once
// What the command files share: the options every command takes, a group of subcommands, and
// how errors are printed.
#include <CLI/CLI.hpp>

#include <span>
#include <string>
#include <utility>

#include "faasgate/cli/commands.hpp"
#include "input.hpp"

namespace faasgate::cli {

// --gateway URL (else $OPENFAAS_URL, else the config's current gateway, else http://127.0.0.1:8080).
void add_gateway_option(CLI::App& command, std::string& gateway);
// -n/--namespace NS (default openfaas-fn).
void add_namespace_option(CLI::App& command, std::string& ns);

// Subcommands as a table (fn list, fn get, ...): adds each to `command` and runs the one chosen.
Run setup_group(CLI::App& command, Context& context, std::span<const Command> subcommands);

// "faasgate: <message>" on stderr.
int fail(Context& context, const std::string& message, int code = kFailed);

// NAME or NAME.NAMESPACE, and -n/--namespace: one namespace, or a usage error when they disagree.
// `ns_flag` empty means the flag was not given.
Expected<std::pair<std::string, std::string>> function_target(const std::string& name, const std::string& ns_flag);

}  // namespace faasgate::cli
