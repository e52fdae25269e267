#include "faasgate/core/form.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>

namespace faasgate::core {

bool decode_form(std::string_view text, FormParams& out) {
  if (text.empty()) return true;
  // Debian's libboost_url 1.81 parse_query() calls strlen() on its argument (ASan shows the
  // overread): parse a NUL-terminated copy, and refuse raw NULs, which would end it early and are
  // not valid form encoding anyway.
  if (text.find('\0') != std::string_view::npos) return false;
  const std::string terminated(text);
  auto parsed = boost::urls::parse_query(boost::core::string_view(terminated.data(), terminated.size()));
  if (!parsed) return false;
  boost::urls::encoding_opts opts(/*space_as_plus=*/true);
  for (auto param : *parsed) {
    if (param.key.empty() && !param.has_value) continue;  // "a=1&&b=2"
    auto key = param.key.decode(opts);
    auto value = param.has_value ? param.value.decode(opts) : std::string();
    // A NUL has no business in a parameter and truncates C strings further down: refuse it.
    if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos) return false;
    out.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

std::optional<std::string> form_value(const FormParams& params, std::string_view name) {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return std::nullopt;
}

std::string percent_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
  return out;
}

}  // namespace faasgate::core
