#include "support.hpp"

#include <memory>
#include <ostream>
#include <vector>

#include "faasgate/model/model.hpp"

namespace faasgate::cli {

void add_gateway_option(CLI::App& command, std::string& gateway) {
  command.add_option("-g,--gateway", gateway,
                     "Gateway URL (default: $OPENFAAS_URL, else the gateway of the last login, else "
                     "http://127.0.0.1:8080)");
}

void add_namespace_option(CLI::App& command, std::string& ns) {
  command.add_option("-n,--namespace", ns, "Namespace (default: openfaas-fn)");
}

Run setup_group(CLI::App& command, Context& context, std::span<const Command> subcommands) {
  command.require_subcommand(1);
  auto runs = std::make_shared<std::vector<std::pair<CLI::App*, Run>>>();
  for (const auto& sub : subcommands) {
    auto* app = command.add_subcommand(std::string(sub.name), std::string(sub.description));
    runs->emplace_back(app, sub.setup(*app, context));
  }
  return [runs]() -> int {
    for (auto& [app, run] : *runs)
      if (app->parsed()) return run();
    return kUsage;
  };
}

int fail(Context& context, const std::string& message, int code) {
  *context.err << "faasgate: " << message << "\n";
  return code;
}

Expected<std::pair<std::string, std::string>> function_target(const std::string& name, const std::string& ns_flag) {
  // Deployed names are DNS labels, which have no dot: NAME.NS splits at the dot unambiguously.
  std::string fn = name, ns;
  if (auto dot = name.rfind('.'); dot != std::string::npos) {
    fn = name.substr(0, dot);
    ns = name.substr(dot + 1);
  }
  if (fn.empty() || !model::valid_name(fn))
    return core::fail("\"" + name + "\" is not a function name (NAME or NAME.NAMESPACE)");
  if (!ns.empty() && !ns_flag.empty() && ns != ns_flag)
    return core::fail(name + " names namespace " + ns + " but --namespace says " + ns_flag + ": give one");
  if (ns.empty()) ns = ns_flag;
  if (ns.empty()) ns = std::string(model::kDefaultNamespace);
  if (!model::valid_name(ns)) return core::fail("\"" + ns + "\" is not a namespace name");
  return std::pair{fn, ns};
}

}  // namespace faasgate::cli
