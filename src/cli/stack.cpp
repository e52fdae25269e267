#include "stack.hpp"

#include <yaml-cpp/yaml.h>

#include <set>

#include "faasgate/core/files.hpp"
#include "faasgate/core/text.hpp"
#include "input.hpp"

namespace faasgate::cli {

namespace {

// Reads typed fields out of YAML nodes; the first error wins and names the file, line and field.
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  bool failed() const { return !error_.empty(); }
  const std::string& message() const { return error_; }

  void error(const YAML::Node& at, const std::string& field, const std::string& what) {
    if (!error_.empty()) return;
    const auto mark = at.Mark();
    error_ = origin_ + (mark.is_null() ? "" : ":" + std::to_string(mark.line + 1)) + ": " + field + " " + what;
  }

  // A scalar as text: YAML's `true` or `8080` are the strings "true" and "8080", as faas-cli
  // reads environment values.
  bool scalar(const YAML::Node& n, const std::string& field, std::string& out) {
    if (!n || n.IsNull()) return true;
    if (!n.IsScalar()) {
      error(n, field, "must be a single value");
      return false;
    }
    out = n.Scalar();
    return true;
  }

  bool boolean(const YAML::Node& n, const std::string& field, bool& out) {
    if (!n || n.IsNull()) return true;
    if (n.IsScalar()) {
      const auto& s = n.Scalar();
      if (s == "true" || s == "True" || s == "TRUE") return out = true, true;
      if (s == "false" || s == "False" || s == "FALSE") return out = false, true;
    }
    error(n, field, "must be true or false");
    return false;
  }

  bool string_map(const YAML::Node& n, const std::string& field, std::map<std::string, std::string>& out) {
    if (!n || n.IsNull()) return true;
    if (!n.IsMap()) {
      error(n, field, "must be a mapping of names to values");
      return false;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string key, value;
      if (!scalar(it->first, field, key) || !scalar(it->second, field + "." + key, value)) return false;
      out[key] = value;
    }
    return true;
  }

  bool string_list(const YAML::Node& n, const std::string& field, std::vector<std::string>& out) {
    if (!n || n.IsNull()) return true;
    if (!n.IsSequence()) {
      error(n, field, "must be a list");
      return false;
    }
    for (const auto& item : n) {
      std::string value;
      if (!scalar(item, field, value)) return false;
      out.push_back(value);
    }
    return true;
  }

  bool resources(const YAML::Node& n, const std::string& field, std::optional<model::Resources>& out) {
    if (!n || n.IsNull()) return true;
    if (!n.IsMap()) {
      error(n, field, "must be a mapping with memory and cpu");
      return false;
    }
    model::Resources r;
    if (!scalar(n["memory"], field + ".memory", r.memory) || !scalar(n["cpu"], field + ".cpu", r.cpu)) return false;
    if (!r.empty()) out = r;
    return true;
  }

 private:
  std::string origin_;
  std::string error_;
};

core::Expected<YAML::Node, std::string> load_yaml(std::string_view text, const std::string& origin) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return core::fail(origin + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                      ": not valid YAML: " + e.msg);
  }
}

// An environment file: `environment:` with names and values.
core::Expected<std::map<std::string, std::string>, std::string> environment_file(const std::string& name,
                                                                                const ReadFile& read_file) {
  if (!read_file) return core::fail("cannot read the environment file " + name);
  auto text = read_file(name);
  if (!text) return core::fail(std::move(text.error()));
  auto root = load_yaml(*text, name);
  if (!root) return core::fail(std::move(root.error()));
  std::map<std::string, std::string> out;
  if (!root->IsMap()) return core::fail(name + ": must be a mapping with environment");
  Reader r(name);
  const YAML::Node& top = *root;
  if (!r.string_map(top["environment"], "environment", out)) return core::fail(r.message());
  return out;
}

}  // namespace

core::Expected<Stack, std::string> parse_stack(std::string_view text, const std::string& origin,
                                               const std::string& default_namespace, const ReadFile& read_file) {
  auto loaded = load_yaml(text, origin);
  if (!loaded) return core::fail(std::move(loaded.error()));
  const YAML::Node& root = *loaded;
  if (!root.IsMap()) return core::fail(origin + ": a stack file is a mapping with functions:");
  Reader r(origin);
  Stack stack;
  if (const YAML::Node provider = root["provider"]; provider && provider.IsMap())
    if (!r.scalar(provider["gateway"], "provider.gateway", stack.provider_gateway)) return core::fail(r.message());
  const YAML::Node functions = root["functions"];
  if (!functions || functions.IsNull()) return core::fail(origin + ": has no functions:");
  if (!functions.IsMap()) {
    r.error(functions, "functions", "must be a mapping of function names to their settings");
    return core::fail(r.message());
  }
  std::set<std::string> seen;
  for (auto it = functions.begin(); it != functions.end(); ++it) {
    std::string name;
    if (!r.scalar(it->first, "functions", name)) return core::fail(r.message());
    const std::string field = "functions." + core::printable(name, 80);
    if (!model::valid_dns_label(name)) {
      r.error(it->first, field, "is not a valid function name: " + std::string(model::kDnsLabelRule));
      return core::fail(r.message());
    }
    if (!seen.insert(name).second) {
      r.error(it->first, field, "appears twice");
      return core::fail(r.message());
    }
    const YAML::Node f = it->second;
    if (!f.IsMap()) {
      r.error(f.IsNull() ? it->first : f, field, "must be a mapping with image, fprocess, ...");
      return core::fail(r.message());
    }
    model::FunctionDeployment d;
    d.service = name;
    d.namespace_ = default_namespace;
    std::string ns;
    std::vector<std::string> env_files;
    const bool ok = r.scalar(f["image"], field + ".image", d.image) &&
                    r.scalar(f["fprocess"], field + ".fprocess", d.env_process) &&
                    r.scalar(f["namespace"], field + ".namespace", ns) &&
                    r.string_map(f["environment"], field + ".environment", d.env_vars) &&
                    r.string_list(f["environment_file"], field + ".environment_file", env_files) &&
                    r.string_map(f["labels"], field + ".labels", d.labels) &&
                    r.string_map(f["annotations"], field + ".annotations", d.annotations) &&
                    r.string_list(f["secrets"], field + ".secrets", d.secrets) &&
                    r.string_list(f["constraints"], field + ".constraints", d.constraints) &&
                    r.resources(f["limits"], field + ".limits", d.limits) &&
                    r.resources(f["requests"], field + ".requests", d.requests) &&
                    r.boolean(f["readonly_root_filesystem"], field + ".readonly_root_filesystem",
                              d.read_only_root_filesystem);
    if (!ok) return core::fail(r.message());
    if (!ns.empty()) {
      if (!model::valid_dns_label(ns)) {
        r.error(f["namespace"], field + ".namespace", "is not a valid namespace: " + std::string(model::kDnsLabelRule));
        return core::fail(r.message());
      }
      d.namespace_ = ns;
    }
    for (const auto& file : env_files) {
      auto env = environment_file(file, read_file);
      if (!env) return core::fail(origin + ": " + field + ".environment_file: " + env.error());
      for (auto& [k, v] : *env) d.env_vars[k] = v;
    }
    for (const auto& secret : d.secrets) {
      if (!model::valid_name(secret)) {
        r.error(f["secrets"], field + ".secrets", "names must match [-a-zA-Z_0-9.]+");
        return core::fail(r.message());
      }
    }
    if (d.env_process.empty()) {
      // What the gateway runs; it refuses a deployment without one (wire::parse_deployment).
      if (auto e = d.env_vars.find("fprocess"); e != d.env_vars.end()) d.env_process = e->second;
    }
    if (d.env_process.empty()) {
      r.error(f, field, "needs fprocess: the command the function runs (or environment.fprocess)");
      return core::fail(r.message());
    }
    stack.functions.push_back(std::move(d));
  }
  return stack;
}

core::Expected<Stack, std::string> load_stack(const std::filesystem::path& path, const std::string& default_namespace) {
  auto text = core::read_file(path, kMaxStackBytes);
  if (!text) return core::fail(std::move(text.error()));
  const auto dir = path.parent_path();
  ReadFile read = [dir](const std::string& name) -> core::Expected<std::string, std::string> {
    const std::filesystem::path p(name);
    return core::read_file(p.is_absolute() ? p : dir / p, kMaxStackBytes);
  };
  return parse_stack(*text, path.string(), default_namespace, read);
}

}  // namespace faasgate::cli
