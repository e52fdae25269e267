#include "faasgate/sdk/http.hpp"

#include "faasgate/core/form.hpp"

namespace faasgate::sdk {

namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

}  // namespace

const std::string* HttpResponse::header(std::string_view name) const noexcept {
  for (const auto& h : headers)
    if (equal_ignoring_case(h.name, name)) return &h.value;
  return nullptr;
}

std::string form_escape(std::string_view value) { return core::percent_encode(value); }

}  // namespace faasgate::sdk
