#include "faasgate/model/model.hpp"

namespace faasgate::model {

bool valid_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool valid_dns_label(std::string_view name) noexcept {
  if (name.empty() || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name)
    if (!alnum(c) && c != '-') return false;
  return true;
}

std::pair<std::string, std::string> split_function_name(std::string_view qualified) {
  auto dot = qualified.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == qualified.size())
    return {std::string(qualified), std::string(kDefaultNamespace)};
  return {std::string(qualified.substr(0, dot)), std::string(qualified.substr(dot + 1))};
}

}  // namespace faasgate::model
