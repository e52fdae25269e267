#pragma once
// The upstream REST API's JSON (reference §3) to and from faasgate's model. Parsing is strict
// about types and names and says which field was wrong; unknown fields are ignored, as the
// upstream gateway ignores them, so that newer clients keep working.
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/model/model.hpp"

namespace faasgate::wire {

// Every parse_* returns the value or a message for a 400 that names the field.

core::Expected<model::FunctionDeployment, std::string> parse_deployment(std::string_view body);
boost::json::object to_json(const model::FunctionStatus& status);

struct DeleteFunction {
  std::string name;
  std::string namespace_;
};
core::Expected<DeleteFunction, std::string> parse_delete_function(std::string_view body);

struct ScaleRequest {
  std::string service;
  std::string namespace_;
  std::uint32_t replicas = 0;
};
core::Expected<ScaleRequest, std::string> parse_scale(std::string_view body);

struct SecretBody {
  std::string name;
  std::string namespace_;
  core::Secret value;  // from "value" (text) or "rawValue" (base64)
};
// `require_value`: create/update need a value; delete does not.
core::Expected<SecretBody, std::string> parse_secret(std::string_view body, bool require_value);

core::Expected<model::Namespace, std::string> parse_namespace(std::string_view body);
boost::json::object to_json(const model::Namespace& ns);

}  // namespace faasgate::wire
