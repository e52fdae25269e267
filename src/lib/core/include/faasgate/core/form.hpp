#pragma once
// application/x-www-form-urlencoded and query strings, decoded strictly ('+' is a space; a bad
// percent escape is an error, not a silent pass-through).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faasgate::core {

using FormParams = std::vector<std::pair<std::string, std::string>>;

// Appends the parameters of `text` to `out`; false if `text` is not a valid encoding.
bool decode_form(std::string_view text, FormParams& out);
// The first value of `name`, if present.
std::optional<std::string> form_value(const FormParams& params, std::string_view name);

// Every byte but RFC 3986's unreserved ones ([A-Za-z0-9-._~]) percent-encoded: fit for a query
// value or a path segment, where it cannot end the value, add a parameter or a segment.
std::string percent_encode(std::string_view value);

}  // namespace faasgate::core
