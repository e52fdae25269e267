#pragma once
// Diagnostics of the IAM loader and compiler: one closed enum, and every message names the file,
// the object (Kind/name), the field (a path such as spec.statement[0].action[1]) and the line.
#include <string>
#include <string_view>
#include <vector>

namespace faasgate::iam {

enum class IssueCode {
  // errors: the object set is rejected
  io_error,           // a directory or file could not be read
  too_large,          // a file or the directory exceeds a limit
  yaml_syntax,        // the YAML parser refused the text
  not_a_mapping,      // a document (or a field that must be a mapping) is not a mapping
  bad_api_version,    // apiVersion is not iam.openfaas.com/v1
  unknown_kind,       // kind is not JwtIssuer, Policy or Role
  unknown_field,      // a field that the schema does not have
  duplicate_field,    // the same key twice in one mapping
  missing_field,      // a required field is absent (or null)
  wrong_type,         // a scalar where a list is needed, and so on
  invalid_value,      // right type, unacceptable value (empty list, bad name, bad URL, ...)
  bad_duration,       // tokenExpiry/leeway is not a non-negative Go duration in whole seconds
  bad_algorithm,      // not an asymmetric JWS algorithm name
  unknown_action,     // an action that is not in the table of §1
  bad_resource,       // a resource that is not *, <ns>:* or <ns>:<fn>
  unknown_operator,   // a condition operator that is not supported
  bad_condition_key,  // a condition/principal key that is not jwt:<claim>
  duplicate_object,   // two objects of one kind with one namespace/name (or two Policies with one name)
  duplicate_issuer,   // two JwtIssuers with the same iss
  duplicate_sid,      // two statements of one policy with the same sid
  // warnings: the object set is accepted
  missing_policy,     // a Role names a Policy that does not exist (yet); the name grants nothing
  matches_everyone,   // a Role with neither principal nor condition matches every trusted token
};

enum class Severity { error, warning };

Severity severity(IssueCode code) noexcept;
std::string_view name(IssueCode code) noexcept;

struct Issue {
  IssueCode code = IssueCode::invalid_value;
  std::string file;     // source name (path of the file, or the name given to load_yaml)
  std::string object;   // "Kind/name" (or "Kind/<unnamed>", or empty when the document has no kind)
  std::string field;    // e.g. "spec.statement[0].action[1]"; empty for document-level issues
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string message;  // what is wrong; never echoes secrets (there are none in IAM objects)

  // "file:line:column: Kind/name: field: message" (the parts that are known).
  std::string to_string() const;
};

using Issues = std::vector<Issue>;

}  // namespace faasgate::iam
