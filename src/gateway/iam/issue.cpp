#include "faasgate/iam/issue.hpp"

namespace faasgate::iam {

Severity severity(IssueCode code) noexcept {
  switch (code) {
    case IssueCode::missing_policy:
    case IssueCode::matches_everyone:
      return Severity::warning;
    default:
      return Severity::error;
  }
}

std::string_view name(IssueCode code) noexcept {
  switch (code) {
    case IssueCode::io_error: return "io_error";
    case IssueCode::too_large: return "too_large";
    case IssueCode::yaml_syntax: return "yaml_syntax";
    case IssueCode::not_a_mapping: return "not_a_mapping";
    case IssueCode::bad_api_version: return "bad_api_version";
    case IssueCode::unknown_kind: return "unknown_kind";
    case IssueCode::unknown_field: return "unknown_field";
    case IssueCode::duplicate_field: return "duplicate_field";
    case IssueCode::missing_field: return "missing_field";
    case IssueCode::wrong_type: return "wrong_type";
    case IssueCode::invalid_value: return "invalid_value";
    case IssueCode::bad_duration: return "bad_duration";
    case IssueCode::bad_algorithm: return "bad_algorithm";
    case IssueCode::unknown_action: return "unknown_action";
    case IssueCode::bad_resource: return "bad_resource";
    case IssueCode::unknown_operator: return "unknown_operator";
    case IssueCode::bad_condition_key: return "bad_condition_key";
    case IssueCode::duplicate_object: return "duplicate_object";
    case IssueCode::duplicate_issuer: return "duplicate_issuer";
    case IssueCode::duplicate_sid: return "duplicate_sid";
    case IssueCode::missing_policy: return "missing_policy";
    case IssueCode::matches_everyone: return "matches_everyone";
  }
  return "unknown";
}

std::string Issue::to_string() const {
  std::string s = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    s += ':' + std::to_string(line);
    if (column > 0) s += ':' + std::to_string(column);
  }
  s += ": ";
  s += severity(code) == Severity::warning ? "warning: " : "error: ";
  if (!object.empty()) s += object + ": ";
  if (!field.empty()) s += field + ": ";
  s += message;
  return s;
}

}  // namespace faasgate::iam
