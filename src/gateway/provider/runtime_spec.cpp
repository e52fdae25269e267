#include "runtime_spec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <system_error>
#include <utility>

#include "faasgate/core/duration.hpp"

namespace faasgate::provider::detail {

using std::chrono::milliseconds;

namespace {

bool valid_env_name(std::string_view name) {
  return !name.empty() && name.find('=') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

// The upstream watchdog's Http_<Header>: Go's canonical header form with dashes as underscores.
// Header names that are not plain [A-Za-z0-9_-] are skipped rather than mangled.
std::optional<std::string> header_env_name(std::string_view header) {
  if (header.empty()) return std::nullopt;
  std::string out = "Http_";
  bool upper = true;
  for (char c : header) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      out += static_cast<char>(upper ? std::toupper(u) : std::tolower(u));
      upper = false;
    } else if (c == '-') {
      out += '_';
      upper = true;
    } else if (c == '_') {
      out += '_';
      upper = false;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool safe_name(std::string_view name) { return model::valid_name(name) && name != "." && name != ".."; }

core::Expected<void, RuntimeError> check_replicas(const RuntimeOptions& o, Mode mode, std::uint32_t replicas) {
  if (mode == Mode::http && replicas > o.max_replicas) {
    return core::fail(error(RuntimeErrc::invalid_spec, "at most " + std::to_string(o.max_replicas) + " replicas"));
  }
  return {};
}

core::Expected<std::shared_ptr<CompiledSpec>, RuntimeError> compile(const RuntimeOptions& o, const FunctionSpec& spec) {
  const auto& d = spec.deployment;
  if (!safe_name(d.namespace_)) return core::fail(error(RuntimeErrc::invalid_spec, "invalid namespace name"));
  if (!safe_name(d.service)) return core::fail(error(RuntimeErrc::invalid_spec, "invalid function name"));
  auto c = std::make_shared<CompiledSpec>();
  c->ns = d.namespace_;
  c->name = d.service;

  if (auto m = d.env_vars.find("mode"); m != d.env_vars.end()) {
    const auto mode = lower(m->second);
    if (mode == "http") {
      c->mode = Mode::http;
    } else if (mode == "classic" || mode == "streaming" || mode == "serializing" || mode.empty()) {
      c->mode = Mode::classic;
    } else {
      return core::fail(error(RuntimeErrc::invalid_spec, "unsupported mode \"" + m->second + "\" (classic or http)"));
    }
  }
  c->timeout = std::chrono::duration_cast<milliseconds>(o.default_timeout);
  if (auto t = d.env_vars.find("exec_timeout"); t != d.env_vars.end()) {
    auto parsed = core::parse_go_duration(t->second);
    if (!parsed) return core::fail(error(RuntimeErrc::invalid_spec, "exec_timeout is not a duration: " + t->second));
    // "0" means "no timeout" upstream; here every invocation is bounded, so it means the default.
    if (parsed->count() > 0) c->timeout = std::max(milliseconds(1), std::chrono::ceil<milliseconds>(*parsed));
  }
  if (auto m = d.env_vars.find("max_inflight"); m != d.env_vars.end() && !m->second.empty()) {
    std::uint32_t limit = 0;
    const auto* end = m->second.data() + m->second.size();
    auto [at, ec] = std::from_chars(m->second.data(), end, limit);
    if (ec != std::errc() || at != end || limit > 1'000'000) {
      return core::fail(error(RuntimeErrc::invalid_spec, "max_inflight is not a whole number up to 1000000: " + m->second));
    }
    c->max_inflight = limit;
  }
  if (auto r = check_replicas(o, c->mode, d.replicas); !r) return core::fail(std::move(r).error());

  auto argv = split_command(d.env_process);
  if (!argv) return core::fail(error(RuntimeErrc::bad_command, "envProcess is empty or has an unterminated quote"));
  c->argv = std::move(*argv);

  auto limits = limits_for(d.limits ? d.limits->memory : std::string());
  if (!limits) {
    return core::fail(error(RuntimeErrc::invalid_spec,
                            "limits.memory must be a quantity of at least 16Mi, like 128Mi or 1G"));
  }
  c->limits = *limits;

  c->dir = o.work_dir / c->ns / c->name;
  c->secrets_dir = c->dir / "secrets";
  c->env["PATH"] = o.default_path;
  c->env["HOME"] = c->dir.string();
  for (const auto& [k, v] : d.env_vars) {
    if (!valid_env_name(k) || v.find('\0') != std::string::npos) {
      return core::fail(error(RuntimeErrc::invalid_spec, "invalid environment variable name or value"));
    }
    c->env[k] = v;
  }
  c->env["secret_mount_path"] = c->secrets_dir.string();
  c->path_var = c->env["PATH"];

  for (const auto& s : d.secrets) {
    if (!safe_name(s)) return core::fail(error(RuntimeErrc::invalid_spec, "invalid secret name"));
    if (!spec.secrets.count(s)) return core::fail(error(RuntimeErrc::invalid_spec, "secret " + s + " was not provided"));
  }
  return c;
}

std::map<std::string, std::string> classic_env(const CompiledSpec& spec, const ClassicRequest& req) {
  auto env = spec.env;
  // Request facts never override the function's own configuration.
  auto put = [&](std::string k, std::string v) {
    if (v.find('\0') != std::string::npos) return;
    env.emplace(std::move(k), std::move(v));
  };
  for (const auto& [name, value] : req.headers) {
    const auto l = lower(name);
    if (l == "host" || l == "content-length") continue;
    if (auto k = header_env_name(name)) put(std::move(*k), value);  // emplace: the first value wins
  }
  put("Http_Method", req.method);
  put("Http_ContentLength", std::to_string(req.body.size()));  // deprecated upstream, still set there
  put("Http_Content_Length", std::to_string(req.body.size()));
  if (!req.query.empty()) put("Http_Query", req.query);
  if (!req.path.empty()) put("Http_Path", req.path);
  return env;
}

}  // namespace faasgate::provider::detail
