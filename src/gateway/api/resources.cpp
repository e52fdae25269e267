#include "resources.hpp"

#include "faasgate/core/form.hpp"
#include "faasgate/model/model.hpp"
#include "faasgate/wire/json.hpp"

namespace faasgate::api::resources {

namespace {

core::Expected<RequestResource, std::string> checked(std::string ns, std::string name) {
  if (!model::valid_name(ns)) return core::fail(std::string("namespace must match [-a-zA-Z_0-9.]+"));
  if (!name.empty() && !model::valid_name(name)) return core::fail(std::string("names must match [-a-zA-Z_0-9.]+"));
  return RequestResource{std::move(ns), std::move(name)};
}

template <class T>
core::Expected<DecodedBody, std::string> decoded(core::Expected<T, std::string>&& value) {
  if (!value) return core::fail(std::move(value.error()));
  return DecodedBody(std::move(*value));
}

std::string query_namespace(const Call& call) {
  auto ns = form_value(call.query_params, "namespace");
  return ns && !ns->empty() ? *ns : std::string(model::kDefaultNamespace);
}

}  // namespace

ResourceFn function_from_path_and_query() {
  return [](Call& call) { return checked(query_namespace(call), call.params.at("name")); };
}

ResourceFn function_from_query() {
  return [](Call& call) -> core::Expected<RequestResource, std::string> {
    auto name = form_value(call.query_params, "name").value_or("");
    if (name.empty()) return core::fail(std::string("name is required"));
    return checked(query_namespace(call), name);
  };
}

ResourceFn function_from_deployment() {
  return [](Call& call) -> core::Expected<RequestResource, std::string> {
    auto d = call.body<model::FunctionDeployment>();
    if (!d) return core::fail(d.error());
    return checked((*d)->namespace_, (*d)->service);
  };
}

ResourceFn function_from_delete() {
  return [](Call& call) -> core::Expected<RequestResource, std::string> {
    auto d = call.body<wire::DeleteFunction>();
    if (!d) return core::fail(d.error());
    return checked((*d)->namespace_, (*d)->name);
  };
}

ResourceFn function_from_scale() {
  return [](Call& call) -> core::Expected<RequestResource, std::string> {
    auto s = call.body<wire::ScaleRequest>();
    if (!s) return core::fail(s.error());
    return checked((*s)->namespace_, call.params.at("name"));
  };
}

ResourceFn secret_from_body() {
  return [](Call& call) -> core::Expected<RequestResource, std::string> {
    auto s = call.body<wire::SecretBody>();
    if (!s) return core::fail(s.error());
    return checked((*s)->namespace_, (*s)->name);
  };
}

ResourceFn namespace_from_query() {
  return [](Call& call) { return checked(query_namespace(call), ""); };
}

ResourceFn namespace_from_path_or_body() {
  return [](Call& call) -> core::Expected<RequestResource, std::string> {
    if (auto it = call.params.find("name"); it != call.params.end()) return checked(it->second, "");
    auto ns = call.body<model::Namespace>();
    if (!ns) return core::fail(ns.error());
    if ((*ns)->name.empty()) return core::fail(std::string("name is required"));
    return checked((*ns)->name, "");
  };
}

core::Expected<DecodedBody, std::string> decode_deployment(std::string_view body) {
  return decoded(wire::parse_deployment(body));
}
core::Expected<DecodedBody, std::string> decode_delete_function(std::string_view body) {
  return decoded(wire::parse_delete_function(body));
}
core::Expected<DecodedBody, std::string> decode_scale(std::string_view body) { return decoded(wire::parse_scale(body)); }
core::Expected<DecodedBody, std::string> decode_secret(std::string_view body) {
  return decoded(wire::parse_secret(body, /*require_value=*/false));
}
core::Expected<DecodedBody, std::string> decode_namespace(std::string_view body) {
  return decoded(wire::parse_namespace(body));
}

}  // namespace faasgate::api::resources
