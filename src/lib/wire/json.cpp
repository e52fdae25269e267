#include "faasgate/core/rfc3339.hpp"
#include "faasgate/wire/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <span>

#include "faasgate/core/base64.hpp"
#include "faasgate/core/json.hpp"

namespace faasgate::wire {

namespace json = boost::json;

namespace {

constexpr core::JsonLimits kBodyLimits{1024 * 1024, 16};
// What a client accepts from a gateway: a list of many functions is larger than any one body.
constexpr core::JsonLimits kAnswerLimits{32 * 1024 * 1024, 16};

core::Expected<json::object, std::string> parse_object(std::string_view body) {
  auto parsed = core::parse_json_strict(body, kBodyLimits);
  if (!parsed) return core::fail("the body is not valid JSON: " + parsed.error().detail);
  if (!parsed->is_object()) return core::fail(std::string("the body must be a JSON object"));
  return std::move(parsed->as_object());
}

constexpr std::size_t kMaxOtherResources = 16;

// Reads optional typed members, remembering the first error.
class Reader {
 public:
  explicit Reader(const json::object& o) : o_(o) {}

  void string(std::string_view key, std::string& out) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return;
    if (!v->is_string()) return error(key, "must be a string");
    out = std::string(v->as_string());
  }
  void string_map(std::string_view key, std::map<std::string, std::string>& out) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return;
    if (!v->is_object()) return error(key, "must be an object of strings");
    for (const auto& [k, item] : v->as_object()) {
      if (!item.is_string()) return error(std::string(key) + "." + std::string(k), "must be a string");
      out[std::string(k)] = std::string(item.as_string());
    }
  }
  void string_list(std::string_view key, std::vector<std::string>& out) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return;
    if (!v->is_array()) return error(key, "must be a list of strings");
    for (const auto& item : v->as_array()) {
      if (!item.is_string()) return error(key, "must be a list of strings");
      out.emplace_back(item.as_string());
    }
  }
  void boolean(std::string_view key, bool& out) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return;
    if (!v->is_bool()) return error(key, "must be true or false");
    out = v->as_bool();
  }
  void resources(std::string_view key, std::optional<model::Resources>& out) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return;
    if (!v->is_object()) return error(key, "must be an object with memory and cpu");
    model::Resources r;
    for (const auto& [name, value] : v->as_object()) {
      if (!value.is_string()) return error(std::string(key) + "." + std::string(name), "must be a string");
      if (name == "memory") {
        r.memory = std::string(value.as_string());
      } else if (name == "cpu") {
        r.cpu = std::string(value.as_string());
      } else {
        // A Kubernetes resource name (a qualified name, "nvidia.com/gpu"): bounded, as everything read is.
        if (name.empty() || name.size() > 253 || r.other.size() == kMaxOtherResources)
          return error(key, "names at most " + std::to_string(kMaxOtherResources) + " resources besides memory and cpu, each of at most 253 characters");
        r.other[std::string(name)] = std::string(value.as_string());
      }
    }
    out = r;
  }
  void count(std::string_view key, std::uint32_t& out, bool required) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) {
      if (required) error(key, "is required");
      return;
    }
    if (!v->is_int64() && !v->is_uint64()) return error(key, "must be a whole number");
    auto n = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(std::min<std::uint64_t>(v->as_uint64(), 1u << 31));
    if (n < 0 || n > 1000) return error(key, "must be between 0 and 1000");
    out = static_cast<std::uint32_t>(n);
  }

  bool failed() const noexcept { return !error_.empty(); }
  const std::string& message() const noexcept { return error_; }

 private:
  void error(std::string_view key, std::string_view what) {
    if (error_.empty()) error_ = std::string(key) + " " + std::string(what);
  }
  const json::object& o_;
  std::string error_;
};

std::string check_name(std::string_view field, const std::string& value) {
  if (value.empty()) return std::string(field) + " is required";
  if (!model::valid_name(value)) return std::string(field) + " must match [-a-zA-Z_0-9.]+";
  return {};
}

json::object to_object(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}


}  // namespace

namespace {

// The fields a deployment and a status share; `name_key` is "service" in a deployment and
// "name" in a status.
void read_deployment(Reader& r, std::string_view name_key, model::FunctionDeployment& d) {
  r.string(name_key, d.service);
  r.string("image", d.image);
  std::string ns;
  r.string("namespace", ns);
  if (!ns.empty()) d.namespace_ = ns;
  r.string("envProcess", d.env_process);
  r.string_map("envVars", d.env_vars);
  r.string_list("constraints", d.constraints);
  r.string_list("secrets", d.secrets);
  r.string_map("labels", d.labels);
  r.string_map("annotations", d.annotations);
  r.resources("limits", d.limits);
  r.resources("requests", d.requests);
  r.boolean("readOnlyRootFilesystem", d.read_only_root_filesystem);
}

json::object deployment_object(const model::FunctionDeployment& d, std::string_view name_key) {
  json::object o{{name_key, d.service},
                 {"image", d.image},
                 {"namespace", d.namespace_},
                 {"envProcess", d.env_process},
                 {"envVars", to_object(d.env_vars)},
                 {"constraints", to_array(d.constraints)},
                 {"secrets", to_array(d.secrets)},
                 {"labels", to_object(d.labels)},
                 {"annotations", to_object(d.annotations)},
                 {"readOnlyRootFilesystem", d.read_only_root_filesystem}};
  auto resources = [](const model::Resources& r) {
    json::object out{{"memory", r.memory}, {"cpu", r.cpu}};
    for (const auto& [name, value] : r.other) out[name] = value;
    return out;
  };
  if (d.limits) o["limits"] = resources(*d.limits);
  if (d.requests) o["requests"] = resources(*d.requests);
  return o;
}

// A count as JSON may write it: the upstream gateway's invocationCount is a float64.
bool read_number(const json::object& o, std::string_view key, std::uint64_t& out) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (v->is_uint64()) out = v->as_uint64();
  else if (v->is_int64() && v->as_int64() >= 0) out = static_cast<std::uint64_t>(v->as_int64());
  else if (v->is_double() && v->as_double() >= 0 && v->as_double() < 1.8e19) out = static_cast<std::uint64_t>(v->as_double());
  else return false;
  return true;
}

core::Expected<model::FunctionStatus, std::string> read_status(const json::value& v) {
  if (!v.is_object()) return core::fail(std::string("a function status must be a JSON object"));
  const auto& o = v.as_object();
  Reader r(o);
  model::FunctionStatus s;
  read_deployment(r, "name", s.deployment);
  if (r.failed()) return core::fail(r.message());
  std::uint64_t invocations = 0, replicas = 0, available = 0;
  if (!read_number(o, "invocationCount", invocations) || !read_number(o, "replicas", replicas) ||
      !read_number(o, "availableReplicas", available))
    return core::fail(std::string("invocationCount, replicas and availableReplicas must be numbers"));
  s.invocation_count = invocations;
  s.deployment.replicas = static_cast<std::uint32_t>(std::min<std::uint64_t>(replicas, UINT32_MAX));
  s.available_replicas = static_cast<std::uint32_t>(std::min<std::uint64_t>(available, UINT32_MAX));
  if (auto* usage = o.if_contains("usage"); usage && usage->is_object()) {
    auto number = [&](std::string_view key) -> double {
      auto* v = usage->as_object().if_contains(key);
      return v && v->is_number() ? v->to_number<double>() : 0.0;
    };
    s.usage = model::FunctionUsage{number("cpu"), number("totalMemoryBytes")};
  }
  if (auto* created = o.if_contains("createdAt"); created && created->is_string()) {
    if (auto t = core::parse_rfc3339(created->as_string())) s.created_at = *t;  // as Go writes it: nanoseconds, offsets
  }
  if (s.deployment.service.empty()) return core::fail(std::string("a function status must have a name"));
  return s;
}

core::Expected<json::value, std::string> parse_answer(std::string_view body) {
  auto parsed = core::parse_json_strict(body, kAnswerLimits);
  if (!parsed) return core::fail("the answer is not valid JSON: " + parsed.error().detail);
  return std::move(*parsed);
}

}  // namespace

core::Expected<model::FunctionDeployment, std::string> parse_deployment(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return core::fail(o.error());
  Reader r(*o);
  model::FunctionDeployment d;
  read_deployment(r, "service", d);
  if (r.failed()) return core::fail(r.message());
  if (auto e = check_name("service", d.service); !e.empty()) return core::fail(e);
  if (auto e = check_name("namespace", d.namespace_); !e.empty()) return core::fail(e);
  for (const auto& s : d.secrets)
    if (!model::valid_name(s)) return core::fail("secrets must be names matching [-a-zA-Z_0-9.]+");
  if (d.env_process.empty()) {
    // Upstream images carry fprocess; the embedded runtime has no image to take it from.
    auto it = d.env_vars.find("fprocess");
    if (it == d.env_vars.end() || it->second.empty())
      return core::fail(std::string("envProcess (or envVars.fprocess) is required: it is the command the function runs"));
    d.env_process = it->second;
  }
  return d;
}

json::object to_json(const model::FunctionDeployment& d) { return deployment_object(d, "service"); }

json::object to_json(const model::FunctionStatus& s) {
  auto o = deployment_object(s.deployment, "name");
  o["invocationCount"] = s.invocation_count;
  o["replicas"] = s.deployment.replicas;
  o["availableReplicas"] = s.available_replicas;
  o["createdAt"] = core::format_rfc3339(s.created_at);
  if (s.usage) o["usage"] = json::object{{"cpu", s.usage->cpu}, {"totalMemoryBytes", s.usage->total_memory_bytes}};
  return o;
}

core::Expected<model::FunctionStatus, std::string> parse_function_status(std::string_view body) {
  auto v = parse_answer(body);
  if (!v) return core::fail(v.error());
  return read_status(*v);
}

core::Expected<std::vector<model::FunctionStatus>, std::string> parse_function_statuses(std::string_view body) {
  auto v = parse_answer(body);
  if (!v) return core::fail(v.error());
  if (v->is_null()) return std::vector<model::FunctionStatus>{};  // Go's nil slice
  if (!v->is_array()) return core::fail(std::string("the function list must be a JSON array"));
  std::vector<model::FunctionStatus> out;
  for (const auto& item : v->as_array()) {
    auto s = read_status(item);
    if (!s) return core::fail(s.error());
    out.push_back(std::move(*s));
  }
  return out;
}

core::Expected<std::vector<std::string>, std::string> parse_namespace_names(std::string_view body) {
  auto v = parse_answer(body);
  if (!v) return core::fail(v.error());
  if (v->is_null()) return std::vector<std::string>{};
  if (!v->is_array()) return core::fail(std::string("the namespace list must be a JSON array of names"));
  std::vector<std::string> out;
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) return core::fail(std::string("the namespace list must be a JSON array of names"));
    out.emplace_back(item.as_string());
  }
  return out;
}

core::Expected<std::vector<model::SecretRef>, std::string> parse_secret_refs(std::string_view body) {
  auto v = parse_answer(body);
  if (!v) return core::fail(v.error());
  if (v->is_null()) return std::vector<model::SecretRef>{};
  if (!v->is_array()) return core::fail(std::string("the secret list must be a JSON array"));
  std::vector<model::SecretRef> out;
  for (const auto& item : v->as_array()) {
    if (!item.is_object()) return core::fail(std::string("each secret must be a JSON object"));
    Reader r(item.as_object());
    model::SecretRef ref;
    r.string("name", ref.name);
    r.string("namespace", ref.namespace_);
    if (r.failed()) return core::fail(r.message());
    out.push_back(std::move(ref));
  }
  return out;
}

json::object to_json(const model::SecretRef& ref) { return {{"name", ref.name}, {"namespace", ref.namespace_}}; }

json::object to_json(const SecretBody& secret) {
  const auto value = secret.value.reveal();
  return {{"name", secret.name},
          {"namespace", secret.namespace_},
          {"rawValue", core::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()))}};
}

core::Expected<DeleteFunction, std::string> parse_delete_function(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return core::fail(o.error());
  Reader r(*o);
  DeleteFunction d;
  r.string("functionName", d.name);
  r.string("namespace", d.namespace_);
  if (r.failed()) return core::fail(r.message());
  if (d.namespace_.empty()) d.namespace_ = std::string(model::kDefaultNamespace);
  if (auto e = check_name("functionName", d.name); !e.empty()) return core::fail(e);
  if (auto e = check_name("namespace", d.namespace_); !e.empty()) return core::fail(e);
  return d;
}

core::Expected<ScaleRequest, std::string> parse_scale(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return core::fail(o.error());
  Reader r(*o);
  ScaleRequest s;
  r.string("serviceName", s.service);
  r.string("namespace", s.namespace_);
  r.count("replicas", s.replicas, /*required=*/true);
  if (r.failed()) return core::fail(r.message());
  if (s.namespace_.empty()) s.namespace_ = std::string(model::kDefaultNamespace);
  if (!s.service.empty())
    if (auto e = check_name("serviceName", s.service); !e.empty()) return core::fail(e);
  if (auto e = check_name("namespace", s.namespace_); !e.empty()) return core::fail(e);
  return s;
}

core::Expected<SecretBody, std::string> parse_secret(std::string_view body, bool require_value) {
  auto o = parse_object(body);
  if (!o) return core::fail(o.error());
  Reader r(*o);
  SecretBody s;
  r.string("name", s.name);
  r.string("namespace", s.namespace_);
  std::string value, raw;
  r.string("value", value);
  r.string("rawValue", raw);
  if (r.failed()) return core::fail(r.message());
  if (s.namespace_.empty()) s.namespace_ = std::string(model::kDefaultNamespace);
  if (auto e = check_name("name", s.name); !e.empty()) return core::fail(e);
  if (auto e = check_name("namespace", s.namespace_); !e.empty()) return core::fail(e);
  // rawValue wins when both are sent, as faas-netes and faasd decide: `faas-cli secret create
  // --from-file` sends the file in both.
  if (!raw.empty()) {
    auto decoded = core::base64_decode(raw);
    if (!decoded) return core::fail(std::string("rawValue must be standard base64"));
    s.value = core::Secret(std::string(decoded->begin(), decoded->end()));
  } else {
    s.value = core::Secret(std::move(value));
  }
  if (require_value && s.value.empty()) return core::fail(std::string("value (or rawValue) is required"));
  return s;
}

core::Expected<model::Namespace, std::string> parse_namespace(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return core::fail(o.error());
  Reader r(*o);
  model::Namespace ns;
  r.string("name", ns.name);
  r.string_map("labels", ns.labels);
  r.string_map("annotations", ns.annotations);
  if (r.failed()) return core::fail(r.message());
  return ns;
}

json::object to_json(const model::Namespace& ns) {
  return {{"name", ns.name}, {"labels", to_object(ns.labels)}, {"annotations", to_object(ns.annotations)}};
}

}  // namespace faasgate::wire
