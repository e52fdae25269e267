#pragma once
// The upstream REST API's JSON (reference §3) to and from faasgate's model. Parsing is strict
// about types and names and says which field was wrong; unknown fields are ignored, as the
// upstream gateway ignores them, so that newer clients keep working.
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/model/model.hpp"

namespace faasgate::wire {

// Every parse_* returns the value or a message for a 400 that names the field.

core::Expected<model::FunctionDeployment, std::string> parse_deployment(std::string_view body);
boost::json::object to_json(const model::FunctionDeployment& deployment);  // what a client sends
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

// Sent as base64 "rawValue", which every upstream back end reads and which holds any bytes.
boost::json::object to_json(const SecretBody& secret);

core::Expected<model::Namespace, std::string> parse_namespace(std::string_view body);
boost::json::object to_json(const model::Namespace& ns);
boost::json::object to_json(const model::SecretRef& ref);

// A client's side: the gateway's answers, parsed as strictly as a request (size and depth limits,
// no duplicate members), accepting what upstream gateways write too (a float invocationCount,
// RFC 3339 times with fractions and offsets, null for an empty list). A status needs no
// envProcess: an upstream function's command is in its image.
core::Expected<model::FunctionStatus, std::string> parse_function_status(std::string_view body);
core::Expected<std::vector<model::FunctionStatus>, std::string> parse_function_statuses(std::string_view body);
core::Expected<std::vector<std::string>, std::string> parse_namespace_names(std::string_view body);
core::Expected<std::vector<model::SecretRef>, std::string> parse_secret_refs(std::string_view body);

}  // namespace faasgate::wire
