#include "faasgate/cron_connector/config.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <cstdlib>

#include "faasgate/core/duration.hpp"
#include "faasgate/core/files.hpp"
#include "faasgate/core/text.hpp"
#include "faasgate/cron_connector/fields.hpp"

namespace faasgate::cron_connector {
namespace {

using std::chrono::milliseconds;

// One setting: its environment variable and its flag; the flag wins.
struct Setting {
  std::string_view variable;
  std::string_view flag;
  const std::optional<std::string>& flag_value;
};

struct Source {
  std::string value;
  std::string name;  // "--rebuild-interval" or "rebuild_interval", for the message
};

std::optional<Source> lookup(const Setting& s, const Environment& env) {
  if (s.flag_value) return Source{*s.flag_value, std::string(s.flag)};
  if (!s.variable.empty()) {
    if (auto v = env(s.variable); v && !v->empty()) return Source{*v, std::string(s.variable)};
  }
  return std::nullopt;
}

std::string bad(const Source& s, std::string_view what) {
  return s.name + " \"" + core::printable(s.value, 80) + "\" " + std::string(what);
}

core::Expected<void, std::string> read_bool(const Setting& setting, const Environment& env, bool& out) {
  auto s = lookup(setting, env);
  if (!s) return {};
  auto b = parse_go_bool(s->value);
  if (!b) return core::fail(bad(*s, "is not a boolean (true, false, 1 or 0)"));
  out = *b;
  return {};
}

core::Expected<void, std::string> read_duration(const Setting& setting, const Environment& env, milliseconds min,
                                               milliseconds max, milliseconds& out) {
  auto s = lookup(setting, env);
  if (!s) return {};
  auto d = core::parse_go_duration(s->value);
  if (!d) return core::fail(bad(*s, "is not a duration (like 10s, 1m30s or 500ms)"));
  auto ms = std::chrono::duration_cast<milliseconds>(*d);
  if (ms < min || ms > max)
    return core::fail(bad(*s, "must be between " + format_duration(min) + " and " + format_duration(max)));
  out = ms;
  return {};
}

// http(s)://host[:port][/prefix], no user information (it would be logged with the URL), no
// query or fragment; the trailing '/' is dropped so paths can be appended.
core::Expected<std::string, std::string> check_gateway_url(const Source& s) {
  std::string url = s.value;
  const bool http = url.starts_with("http://"), https = url.starts_with("https://");
  if (!http && !https) return core::fail(bad(s, "must be an http:// or https:// URL"));
  const auto authority_start = url.find("//") + 2;
  const auto authority_end = url.find('/', authority_start);
  const auto authority = std::string_view(url).substr(authority_start, authority_end - authority_start);
  if (authority.empty()) return core::fail(bad(s, "has no host"));
  if (authority.find('@') != std::string_view::npos)
    return core::fail(s.name + " must not carry credentials; use basic_auth with secret_mount_path");
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '?' || c == '#')
      return core::fail(bad(s, "must be a plain URL (no spaces, query or fragment)"));
  }
  while (url.size() > authority_start && url.back() == '/') url.pop_back();
  return url;
}

std::string trim_trailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

}  // namespace

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

std::optional<bool> parse_go_bool(std::string_view t) noexcept {
  if (t == "1" || t == "t" || t == "T" || t == "TRUE" || t == "true" || t == "True") return true;
  if (t == "0" || t == "f" || t == "F" || t == "FALSE" || t == "false" || t == "False") return false;
  return std::nullopt;
}

core::Expected<Config, std::string> load_config(const Flags& f, const Environment& env) {
  Config c;
  auto url = lookup({"gateway_url", "--gateway-url", f.gateway_url}, env);
  if (!url) return core::fail(std::string("gateway_url is required (the gateway's URL, e.g. http://gateway.openfaas:8080)"));
  auto checked = check_gateway_url(*url);
  if (!checked) return core::fail(checked.error());
  c.gateway_url = std::move(*checked);

  if (auto r = read_bool({"asynchronous_invocation", "--asynchronous-invocation", f.asynchronous_invocation}, env,
                         c.asynchronous); !r)
    return core::fail(r.error());
  if (auto r = read_bool({"print_response_body", "--print-response-body", f.print_response_body}, env,
                         c.print_response_body); !r)
    return core::fail(r.error());
  if (auto s = lookup({"content_type", "--content-type", f.content_type}, env)) {
    // A header value: no control characters (a CR or LF would start another header).
    for (char ch : s->value)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return core::fail(bad(*s, "holds a control character"));
    if (s->value.size() > 256) return core::fail(s->name + " is longer than 256 bytes");
    c.content_type = s->value;
  }
  const milliseconds day{24 * 3600 * 1000};
  if (auto r = read_duration({"rebuild_interval", "--rebuild-interval", f.rebuild_interval}, env, milliseconds(100),
                             day, c.rebuild_interval); !r)
    return core::fail(r.error());
  if (auto r = read_duration({"rebuild_timeout", "--rebuild-timeout", f.rebuild_timeout}, env, milliseconds(100),
                             milliseconds(10 * 60 * 1000), c.rebuild_timeout); !r)
    return core::fail(r.error());
  if (auto r = read_duration({"invoke_timeout", "--invoke-timeout", f.invoke_timeout}, env, milliseconds(100), day,
                             c.invoke_timeout); !r)
    return core::fail(r.error());
  if (auto r = read_duration({"shutdown_timeout", "--shutdown-timeout", f.shutdown_timeout}, env, milliseconds(0),
                             milliseconds(10 * 60 * 1000), c.shutdown_timeout); !r)
    return core::fail(r.error());
  if (auto s = lookup({"max_inflight", "--max-inflight", f.max_inflight}, env)) {
    std::size_t n = 0;
    bool ok = !s->value.empty() && s->value.size() <= 4;
    for (char ch : s->value) {
      if (ch < '0' || ch > '9') ok = false;
      else n = n * 10 + static_cast<std::size_t>(ch - '0');
    }
    if (!ok || n < 1 || n > 1024) return core::fail(bad(*s, "must be a number from 1 to 1024"));
    c.max_inflight = n;
  }
  if (auto s = lookup({"metrics_listen", "--metrics-listen", f.metrics_listen}, env)) {
    if (s->value == "off") {
      c.metrics_listen.clear();
    } else {
      const auto colon = s->value.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == s->value.size() || s->value.size() > 128)
        return core::fail(bad(*s, "must be HOST:PORT (port 0 for any) or off"));
      c.metrics_listen = s->value;
    }
  }

  bool basic = false;
  if (auto r = read_bool({"basic_auth", "--basic-auth", f.basic_auth}, env, basic); !r) return core::fail(r.error());
  if (basic) {
    c.auth = AuthMode::basic;
    std::filesystem::path dir = "/var/secrets";
    if (auto s = lookup({"secret_mount_path", "--secret-mount-path", f.secret_mount_path}, env)) dir = s->value;
    auto user = core::read_file(dir / "basic-auth-user", kMaxCredentialFileBytes);
    if (!user) return core::fail("basic_auth: cannot read the user: " + user.error());
    auto password = core::read_file(dir / "basic-auth-password", kMaxCredentialFileBytes);
    if (!password) return core::fail("basic_auth: cannot read the password: " + password.error());
    c.basic_auth_user = trim_trailing(std::move(*user));
    c.basic_auth_password = core::Secret(trim_trailing(std::move(*password)));
    if (c.basic_auth_user.empty() || c.basic_auth_password.empty())
      return core::fail("basic_auth: " + (dir / "basic-auth-user").string() + " and basic-auth-password must not be empty");
    if (f.token_file) return core::fail(std::string("--token-file is for IAM; basic_auth is set"));
  } else {
    c.auth = AuthMode::iam;
    if (f.token_file) {
      if (f.token_file->empty()) return core::fail(std::string("--token-file must name a file"));
      c.token_file = *f.token_file;
    } else if (auto s = lookup({"token_mount_path", "--token-mount-path", f.token_mount_path}, env)) {
      c.token_file = std::filesystem::path(s->value) / "openfaas-token";
    }
  }
  return c;
}

std::string Config::describe() const {
  // Whole seconds as numbers, as the write-up's line shows them ("rebuild_interval": 30); a
  // fraction as a duration ("1.5s"), which JSON numbers would write as 1.5E0.
  auto seconds = [](milliseconds d) -> boost::json::value {
    if (d.count() % 1000 == 0) return static_cast<std::int64_t>(d.count() / 1000);
    return boost::json::value(std::string_view(format_duration(d)));
  };
  Fields f;
  f.add("gateway", gateway_url)
      .add("async_invocation", asynchronous)
      .add("rebuild_interval", seconds(rebuild_interval))
      .add("rebuild_timeout", seconds(rebuild_timeout))
      .add("content_type", content_type)
      .add("print_response_body", print_response_body)
      .add("invoke_timeout", seconds(invoke_timeout))
      .add("max_inflight", max_inflight)
      .add("metrics", metrics_listen.empty() ? std::string("off") : metrics_listen);
  if (auth == AuthMode::iam)
    f.add("auth", "iam").add("token_file", token_file.string());
  else
    f.add("auth", "basic").add("user", basic_auth_user);
  return f.json();
}

}  // namespace faasgate::cron_connector
