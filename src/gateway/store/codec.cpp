#include "codec.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "faasgate/sqlite/stored_json.hpp"

namespace faasgate::store::codec {

namespace json = boost::json;

namespace {

json::object from_map(const std::map<std::string, std::string>& map) {
  json::object out;
  for (const auto& [k, v] : map) out[k] = v;
  return out;
}

bool to_map(const json::value* v, std::map<std::string, std::string>& out) {
  if (v == nullptr) return true;
  if (!v->is_object()) return false;
  for (const auto& [k, item] : v->get_object()) {
    if (!item.is_string()) return false;
    out.emplace(std::string(k), std::string(item.get_string()));
  }
  return true;
}

bool to_string(const json::value* v, std::string& out) {
  if (v == nullptr) return true;
  if (!v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

json::object from_resources(const model::Resources& r) {
  return json::object{{"memory", r.memory}, {"cpu", r.cpu}};
}

bool to_resources(const json::value* v, std::optional<model::Resources>& out) {
  if (v == nullptr || v->is_null()) return true;
  if (!v->is_object()) return false;
  model::Resources r;
  const auto& o = v->get_object();
  if (!to_string(o.if_contains("memory"), r.memory) || !to_string(o.if_contains("cpu"), r.cpu)) return false;
  out = std::move(r);
  return true;
}


}  // namespace

std::string encode_deployment(const model::FunctionDeployment& fn) {
  json::object o;
  o["service"] = fn.service;
  o["image"] = fn.image;
  o["namespace"] = fn.namespace_;
  o["envProcess"] = fn.env_process;
  o["envVars"] = from_map(fn.env_vars);
  json::array constraints;
  for (const auto& c : fn.constraints) constraints.emplace_back(c);
  o["constraints"] = std::move(constraints);
  json::array secrets;
  for (const auto& s : fn.secrets) secrets.emplace_back(s);
  o["secrets"] = std::move(secrets);
  o["labels"] = from_map(fn.labels);
  o["annotations"] = from_map(fn.annotations);
  if (fn.limits) o["limits"] = from_resources(*fn.limits);
  if (fn.requests) o["requests"] = from_resources(*fn.requests);
  o["readOnlyRootFilesystem"] = fn.read_only_root_filesystem;
  o["replicas"] = fn.replicas;
  return json::serialize(o);
}

std::optional<model::FunctionDeployment> decode_deployment(std::string_view text) {
  auto v = sqlite::parse_stored_json(text);
  if (!v || !v->is_object()) return std::nullopt;
  const auto& o = v->get_object();
  model::FunctionDeployment fn;
  if (!to_string(o.if_contains("service"), fn.service) || !to_string(o.if_contains("image"), fn.image) ||
      !to_string(o.if_contains("namespace"), fn.namespace_) ||
      !to_string(o.if_contains("envProcess"), fn.env_process) || !to_map(o.if_contains("envVars"), fn.env_vars) ||
      !to_map(o.if_contains("labels"), fn.labels) || !to_map(o.if_contains("annotations"), fn.annotations) ||
      !to_resources(o.if_contains("limits"), fn.limits) || !to_resources(o.if_contains("requests"), fn.requests)) {
    return std::nullopt;
  }
  for (const char* key : {"constraints", "secrets"}) {
    auto& target = std::string_view(key) == "secrets" ? fn.secrets : fn.constraints;
    if (const auto* list = o.if_contains(key)) {
      if (!list->is_array()) return std::nullopt;
      for (const auto& item : list->get_array()) {
        if (!item.is_string()) return std::nullopt;
        target.emplace_back(item.get_string());
      }
    }
  }
  if (const auto* ro = o.if_contains("readOnlyRootFilesystem")) {
    if (!ro->is_bool()) return std::nullopt;
    fn.read_only_root_filesystem = ro->get_bool();
  }
  if (const auto* replicas = o.if_contains("replicas")) {
    boost::system::error_code ec;
    auto n = replicas->to_number<std::uint32_t>(ec);
    if (ec) return std::nullopt;
    fn.replicas = n;
  }
  return fn;
}

std::string encode_map(const std::map<std::string, std::string>& map) { return json::serialize(from_map(map)); }

std::optional<std::map<std::string, std::string>> decode_map(std::string_view text) {
  auto v = sqlite::parse_stored_json(text);
  std::map<std::string, std::string> out;
  if (!v || !v->is_object() || !to_map(&*v, out)) return std::nullopt;
  return out;
}

}  // namespace faasgate::store::codec
