#include "paths.hpp"

#include "faasgate/core/form.hpp"

#include <algorithm>
#include <cctype>

namespace faasgate::provider_api {

core::Expected<std::string, std::string> path_segment(std::string_view name) {
  if (name.empty()) return core::fail(std::string("a name is required"));
  if (name.size() > 253) return core::fail(std::string("a name is at most 253 characters"));
  if (std::all_of(name.begin(), name.end(), [](char c) { return c == '.'; }))
    return core::fail(std::string("a name cannot be only dots"));
  return core::percent_encode(name);
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string out;
  for (const auto& [key, value] : parameters) {
    if (value.empty()) continue;
    out += out.empty() ? '?' : '&';
    out += core::percent_encode(key);
    out += '=';
    out += core::percent_encode(value);
  }
  return out;
}

bool has_dot_segment(std::string_view path) {
  // Decoded first, all of it: a router that matches on the decoded path (Go's, gorilla/mux)
  // reads "..%2F" as "../" and cleans it.
  std::string decoded;
  decoded.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    if (path[i] == '%' && i + 2 < path.size() && hex(path[i + 1]) && hex(path[i + 2])) {
      decoded += static_cast<char>(std::stoi(std::string(path.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      decoded += path[i];
    }
  }
  std::size_t start = 0;
  while (start <= decoded.size()) {
    auto end = decoded.find_first_of("/\\", start);
    if (end == std::string::npos) end = decoded.size();
    const auto segment = std::string_view(decoded).substr(start, end - start);
    if (segment == "." || segment == "..") return true;
    start = end + 1;
  }
  return false;
}

}  // namespace faasgate::provider_api
