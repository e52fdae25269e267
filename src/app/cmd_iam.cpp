// `faasgate iam <tool>`: offline tools over a directory of IAM manifests. The tools are a table;
// each adds its options to its own CLI11 subcommand and returns what to run.
//
// Exit codes: explain 0 allow / 1 deny; lint 0 clean / 1 warnings; 2 for usage and load errors.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "faasgate/iam/engine.hpp"
#include "faasgate/iam/explain.hpp"
#include "faasgate/iam/lint.hpp"
#include "faasgate/iam/loader.hpp"

namespace faasgate::app {
namespace {

constexpr int kUsage = 2;
constexpr std::size_t kMaxClaimsBytes = 1024 * 1024;

// Loads and compiles `dir`, printing errors to stderr (and loader warnings when asked).
std::shared_ptr<const iam::Engine> load_engine(const std::string& tool, const std::string& dir, bool print_warnings) {
  auto loaded = iam::load_directory(dir);
  if (!loaded) {
    for (const auto& issue : loaded.error()) std::cerr << issue.to_string() << "\n";
    std::cerr << "faasgate iam " << tool << ": " << dir << " does not load\n";
    return nullptr;
  }
  if (print_warnings)
    for (const auto& issue : loaded->warnings) std::cerr << issue.to_string() << "\n";
  auto engine = iam::Engine::compile(std::move(loaded->objects));
  if (!engine) {
    for (const auto& issue : engine.error()) std::cerr << issue.to_string() << "\n";
    std::cerr << "faasgate iam " << tool << ": " << dir << " does not compile\n";
    return nullptr;
  }
  return *engine;
}

// The claims of a token as JSON ("-" reads stdin), bounded in size.
std::optional<boost::json::object> read_claims(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "faasgate iam explain: cannot read " << path << "\n";
      return std::nullopt;
    }
    std::ostringstream s;
    s << in.rdbuf();
    text = std::move(s).str();
  }
  if (text.size() > kMaxClaimsBytes) {
    std::cerr << "faasgate iam explain: " << path << " is larger than 1 MiB\n";
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);  // default depth limit: 32
  if (ec || !value.is_object()) {
    std::cerr << "faasgate iam explain: " << path << " is not a JSON object of claims"
              << (ec ? " (" + ec.message() + ")" : std::string()) << "\n";
    return std::nullopt;
  }
  return std::move(value.as_object());
}

Run setup_explain(CLI::App& command) {
  struct Options {
    std::string iam_dir, claims, action, resource;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  command.add_option("--iam-dir", o->iam_dir, "Directory of IAM manifests (*.yaml)");
  command.add_option("--claims", o->claims, "JSON file with the token's claims ('-' for stdin)");
  command.add_option("--action", o->action, "The action, e.g. Function:List");
  command.add_option("--resource", o->resource, "The resource: *, <namespace>:* or <namespace>:<function>");
  command.add_flag("--json", o->json, "Print the explanation as JSON");
  return [o]() -> int {
    // Checked here rather than with CLI11's required(): a missing option is a usage error (2).
    for (const auto& [flag, value] : {std::pair<const char*, const std::string*>{"--iam-dir", &o->iam_dir},
                                      {"--claims", &o->claims}, {"--action", &o->action},
                                      {"--resource", &o->resource}}) {
      if (value->empty()) {
        std::cerr << "faasgate iam explain: " << flag << " is required\n";
        return kUsage;
      }
    }
    auto action = iam::action_from_name(o->action);
    if (!action) {
      std::cerr << "faasgate iam explain: unknown action \"" << o->action << "\"; one of:";
      for (auto a : iam::all_actions()) std::cerr << " " << iam::name(a);
      std::cerr << "\n";
      return kUsage;
    }
    auto resource = iam::parse_request_resource(o->resource);
    if (!resource) {
      std::cerr << "faasgate iam explain: resource \"" << o->resource
                << "\" must be *, <namespace>:* or <namespace>:<function>\n";
      return kUsage;
    }
    auto claims = read_claims(o->claims);
    if (!claims) return kUsage;
    auto engine = load_engine("explain", o->iam_dir, /*print_warnings=*/true);
    if (!engine) return kUsage;
    const auto e = iam::explain(*engine, *claims, *action, *resource);
    if (o->json)
      std::cout << boost::json::serialize(iam::to_json(e)) << "\n";
    else
      std::cout << iam::to_text(e);
    return e.allowed ? 0 : 1;
  };
}

Run setup_lint(CLI::App& command) {
  auto dir = std::make_shared<std::string>();
  command.add_option("--iam-dir", *dir, "Directory of IAM manifests (*.yaml)");
  return [dir]() -> int {
    if (dir->empty()) {
      std::cerr << "faasgate iam lint: --iam-dir is required\n";
      return kUsage;
    }
    // Loader warnings are not printed: lint's own rules cover them (missing-policy, any-issuer).
    auto engine = load_engine("lint", *dir, /*print_warnings=*/false);
    if (!engine) return kUsage;
    int warnings = 0;
    for (const auto& f : iam::lint(engine->objects())) {
      std::cout << f.to_string() << "\n";
      warnings += f.severity() == iam::LintSeverity::warning;
    }
    return warnings == 0 ? 0 : 1;
  };
}

constexpr Command kTools[] = {
    {"explain", "Explain why a token's claims are allowed or denied an action on a resource", setup_explain},
    {"lint", "Warn about dangerous or dead IAM objects", setup_lint},
    {"revoke", "Make tokens already issued to a subject (or one token) fail from now on", setup_revoke},
};

}  // namespace

Run setup_iam(CLI::App& command) { return setup_group(command, kTools); }

}  // namespace faasgate::app
