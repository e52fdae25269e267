#include "paths.hpp"

#include <algorithm>
#include <cctype>

namespace faasgate::provider_api {

namespace {

bool unreserved(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

std::string encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace

core::Expected<std::string, std::string> path_segment(std::string_view name) {
  if (name.empty()) return core::fail(std::string("a name is required"));
  if (name.size() > 253) return core::fail(std::string("a name is at most 253 characters"));
  if (std::all_of(name.begin(), name.end(), [](char c) { return c == '.'; }))
    return core::fail(std::string("a name cannot be only dots"));
  return encode(name);
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string out;
  for (const auto& [key, value] : parameters) {
    if (value.empty()) continue;
    out += out.empty() ? '?' : '&';
    out += encode(key);
    out += '=';
    out += encode(value);
  }
  return out;
}

bool has_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string segment;
    const auto raw = path.substr(start, end - start);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size() && raw[i + 1] == '2' &&
          (raw[i + 2] == 'e' || raw[i + 2] == 'E')) {
        segment += '.';
        i += 2;
      } else {
        segment += raw[i];
      }
    }
    if (segment == "." || segment == "..") return true;
    start = end + 1;
  }
  return false;
}

}  // namespace faasgate::provider_api
