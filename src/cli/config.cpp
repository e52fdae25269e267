#include "config.hpp"

#include <sys/stat.h>

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

#include "faasgate/core/files.hpp"
#include "faasgate/core/text.hpp"
#include "input.hpp"

namespace faasgate::cli {

namespace fs = std::filesystem;

core::Expected<fs::path, std::string> config_path(const EnvLookup& env) {
  auto get = [&](std::string_view name) -> std::string {
    auto v = env ? env(name) : std::nullopt;
    return v ? *v : std::string();
  };
  if (auto explicit_path = get("FAASGATE_CONFIG"); !explicit_path.empty()) return fs::path(explicit_path);
  // The XDG base directory spec: a relative XDG_CONFIG_HOME is invalid and is ignored.
  if (auto xdg = get("XDG_CONFIG_HOME"); !xdg.empty() && fs::path(xdg).is_absolute())
    return fs::path(xdg) / "faasgate" / "config.yaml";
  if (auto home = get("HOME"); !home.empty()) return fs::path(home) / ".config" / "faasgate" / "config.yaml";
  return core::fail(std::string(
      "cannot tell where to keep the CLI's logins: set HOME, XDG_CONFIG_HOME or FAASGATE_CONFIG (a file path)"));
}

namespace {

class Reader {
 public:
  explicit Reader(const std::string& origin) : origin_(origin) {}

  std::optional<std::string> scalar(const YAML::Node& n, const std::string& field) {
    if (!n || n.IsNull()) return std::string();
    if (!n.IsScalar()) {
      error(n, field + " must be a string");
      return std::nullopt;
    }
    // What is read must be what to_yaml writes back: yaml-cpp's emitter rewrites bytes that are
    // not UTF-8, so such a value would not survive the next save.
    if (!core::valid_utf8(n.Scalar())) {
      error(n, field + " is not UTF-8 text");
      return std::nullopt;
    }
    return n.Scalar();
  }

  void error(const YAML::Node& at, const std::string& message) {
    if (!error_.empty()) return;
    const auto mark = at.Mark();
    error_ = origin_ + (mark.is_null() ? "" : ":" + std::to_string(mark.line + 1)) + ": " + message;
  }
  const std::string& message() const { return error_; }
  bool failed() const { return !error_.empty(); }

 private:
  const std::string& origin_;
  std::string error_;
};

std::optional<GatewayLogin> parse_login(Reader& r, const YAML::Node& node, const std::string& field) {
  if (!node.IsMap()) {
    r.error(node, field + " must be a mapping");
    return std::nullopt;
  }
  GatewayLogin login;
  auto kind = r.scalar(node["kind"], field + ".kind");
  if (!kind) return std::nullopt;
  if (*kind == "token") {
    login.kind = AuthKind::token;
  } else if (*kind == "basic") {
    login.kind = AuthKind::basic;
  } else {
    r.error(node["kind"] ? node["kind"] : node, field + ".kind must be token or basic");
    return std::nullopt;
  }
  auto token = r.scalar(node["access_token"], field + ".access_token");
  auto expires = r.scalar(node["expires_at"], field + ".expires_at");
  auto file = r.scalar(node["token_file"], field + ".token_file");
  auto username = r.scalar(node["username"], field + ".username");
  auto password = r.scalar(node["password"], field + ".password");
  if (!token || !expires || !file || !username || !password) return std::nullopt;
  login.access_token = core::Secret(std::move(*token));
  login.token_file = std::move(*file);
  login.username = std::move(*username);
  login.password = core::Secret(std::move(*password));
  if (!expires->empty()) {
    auto [end, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), login.expires_at);
    if (ec != std::errc{} || end != expires->data() + expires->size() || login.expires_at < 0) {
      r.error(node["expires_at"], field + ".expires_at must be a unix time in seconds");
      return std::nullopt;
    }
  }
  if (login.kind == AuthKind::token && login.access_token.empty()) {
    r.error(node, field + " is a token login without an access_token");
    return std::nullopt;
  }
  if (login.kind == AuthKind::basic && login.username.empty()) {
    r.error(node, field + " is a basic login without a username");
    return std::nullopt;
  }
  return login;
}

}  // namespace

core::Expected<Config, std::string> parse_config(std::string_view text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return core::fail(origin + ":" + std::to_string(e.mark.line + 1) + ": not YAML: " + e.msg);
  }
  Config config;
  if (!root || root.IsNull()) return config;
  Reader r(origin);
  if (!root.IsMap()) return core::fail(origin + ": must be a mapping with current and gateways");
  const YAML::Node& top = root;
  auto current = r.scalar(top["current"], "current");
  if (!current) return core::fail(r.message());
  // Keys are looked up normalized: a hand-edited "http://gw/" is the login of http://gw.
  auto normalized = [](std::string url) {
    auto n = normalize_gateway(url);
    return n ? *n : url;
  };
  config.current = current->empty() ? std::string() : normalized(std::move(*current));
  const YAML::Node gateways = top["gateways"];
  if (gateways && !gateways.IsNull()) {
    if (!gateways.IsMap()) {
      r.error(gateways, "gateways must be a mapping of gateway URL to login");
      return core::fail(r.message());
    }
    for (auto it = gateways.begin(); it != gateways.end(); ++it) {
      auto url = r.scalar(it->first, "gateways");
      if (!url) return core::fail(r.message());
      auto login = parse_login(r, it->second, "gateways." + core::printable(*url, 100));
      if (!login) return core::fail(r.message());
      if (!config.gateways.emplace(normalized(*url), std::move(*login)).second) {
        r.error(it->first, "gateways." + core::printable(*url, 100) + " appears twice");
        return core::fail(r.message());
      }
    }
  }
  return config;
}

std::string to_yaml(const Config& config) {
  // Every string double-quoted: a password "yes" or "0755" must come back as the same string.
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "current" << YAML::Value << YAML::DoubleQuoted << config.current;
  e << YAML::Key << "gateways" << YAML::Value;
  if (config.gateways.empty()) e << YAML::Flow;
  e << YAML::BeginMap;
  for (const auto& [url, login] : config.gateways) {
    e << YAML::Key << YAML::DoubleQuoted << url << YAML::Value << YAML::BeginMap;
    if (login.kind == AuthKind::token) {
      e << YAML::Key << "kind" << YAML::Value << "token";
      e << YAML::Key << "access_token" << YAML::Value << YAML::DoubleQuoted << std::string(login.access_token.reveal());
      e << YAML::Key << "expires_at" << YAML::Value << login.expires_at;
      if (!login.token_file.empty())
        e << YAML::Key << "token_file" << YAML::Value << YAML::DoubleQuoted << login.token_file;
    } else {
      e << YAML::Key << "kind" << YAML::Value << "basic";
      e << YAML::Key << "username" << YAML::Value << YAML::DoubleQuoted << login.username;
      e << YAML::Key << "password" << YAML::Value << YAML::DoubleQuoted << std::string(login.password.reveal());
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

core::Expected<Config, std::string> load_config(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Config{};
  auto text = core::read_file(path, kMaxConfigBytes);
  if (!text) return core::fail(std::move(text.error()));
  return parse_config(*text, path.string());
}

core::Expected<void, std::string> save_config(const fs::path& path, const Config& config) {
  const auto dir = path.parent_path();
  if (!dir.empty()) {
    // Each missing directory is made 0700 (the XDG spec asks the same of $XDG_CONFIG_HOME).
    fs::path prefix;
    for (const auto& part : dir) {
      prefix /= part;
      struct stat st {};
      if (::stat(prefix.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) return core::fail(prefix.string() + " is not a directory");
        continue;
      }
      if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
        return core::fail("cannot create " + prefix.string() + ": " + std::strerror(errno));
    }
  }
  return core::write_file_atomic(path, to_yaml(config), 0600);
}

core::Expected<std::string, std::string> normalize_gateway(std::string_view url) {
  std::string u(url);
  while (!u.empty() && u.back() == '/') u.pop_back();
  std::string lower;
  for (char c : u.substr(0, 8)) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t rest = 0;
  if (lower.starts_with("http://"))
    rest = 7;
  else if (lower.starts_with("https://"))
    rest = 8;
  else
    return core::fail("the gateway URL \"" + core::printable(url, 100) + "\" must start with http:// or https://");
  u.replace(0, rest, lower.substr(0, rest));
  const auto authority = u.substr(rest, u.find('/', rest) == std::string::npos ? std::string::npos : u.find('/', rest) - rest);
  if (authority.empty()) return core::fail("the gateway URL \"" + core::printable(url, 100) + "\" has no host");
  if (authority.find('@') != std::string::npos)
    return core::fail(std::string("the gateway URL must not carry a username or password: give them to `faasgate login`"));
  if (u.find_first_of("?# ") != std::string::npos)
    return core::fail("the gateway URL \"" + core::printable(url, 100) + "\" must not have a query, a fragment or spaces");
  return u;
}

}  // namespace faasgate::cli
