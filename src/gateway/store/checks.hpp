#pragma once
// Validation and error messages shared by the Store implementations, so that both refuse the
// same input with the same code (the contract test runs against both).
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/core/text.hpp"
#include "faasgate/model/model.hpp"
#include "faasgate/store/store.hpp"

namespace faasgate::store::detail {

inline StoreError error(StoreErrc code, std::string message) { return {code, std::move(message)}; }

// Names become file names and path components further on: "." and ".." are refused here even
// though they match the upstream pattern. An invalid name is quoted through core::printable.
inline std::optional<StoreError> check_name(std::string_view what, std::string_view name) {
  if (model::valid_name(name) && name != "." && name != "..") return std::nullopt;
  return error(StoreErrc::invalid,
               std::string(what) + " name \"" + core::printable(name, 64) + "\" must match [-a-zA-Z_0-9.]+ (1-253 characters, not . or ..)");
}

inline std::string fn_label(std::string_view ns, std::string_view name) {
  return "function " + std::string(name) + " in namespace " + std::string(ns);
}
inline std::string secret_label(std::string_view ns, std::string_view name) {
  return "secret " + std::string(name) + " in namespace " + std::string(ns);
}

inline std::optional<StoreError> check_secret_value(const model::SecretRef& ref, const core::Secret& value) {
  if (value.size() <= kMaxSecretBytes) return std::nullopt;
  return error(StoreErrc::invalid, secret_label(ref.namespace_, ref.name) + " is larger than " +
                                       std::to_string(kMaxSecretBytes) + " bytes");
}

}  // namespace faasgate::store::detail
