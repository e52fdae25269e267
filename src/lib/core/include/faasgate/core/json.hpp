#pragma once
// Strict JSON for untrusted input: a size limit, a depth limit and - unlike boost::json::parse in
// Boost 1.81, which keeps the last of duplicate members - duplicate member names rejected.
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"

namespace faasgate::core {

struct JsonLimits {
  std::size_t max_bytes = 1024 * 1024;
  std::size_t max_depth = 32;
};

enum class JsonErrc { too_large, too_deep, syntax, duplicate_member };

struct JsonError {
  JsonErrc code;
  std::string detail;  // position and reason; never echoes the input
};

Expected<boost::json::value, JsonError> parse_json_strict(std::string_view text, const JsonLimits& limits = {});

}  // namespace faasgate::core
