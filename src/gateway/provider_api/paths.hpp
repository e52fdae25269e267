#pragma once
// The provider's paths and queries, with names percent-encoded into them (private to the module).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faasgate/core/result.hpp"

namespace faasgate::provider_api {

// A name as one path segment: everything but [A-Za-z0-9-._~] percent-encoded, so that '/', '?',
// '#', '%' and '&' stay inside it. Empty, all-dots ("." or "..", which a client or the provider's
// router would take for a step up) or longer than 253 bytes: an error naming what was wrong.
core::Expected<std::string, std::string> path_segment(std::string_view name);

// "?k=v&k2=v2" with every value percent-encoded as above (an '&' or '=' in a value is data, not a
// second parameter); "" when there is nothing to add. Empty values are left out.
std::string query_string(const std::vector<std::pair<std::string, std::string>>& parameters);

// Whether a percent-encoded path, once decoded (all of it, "%2F" and "%5C" too), holds a "." or
// ".." segment between '/' or '\\': the provider's router would clean it into another route.
bool has_dot_segment(std::string_view encoded_path);

}  // namespace faasgate::provider_api
