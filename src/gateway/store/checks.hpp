#pragma once
// Validation and error messages shared by the Store implementations, so that both refuse the
// same input with the same code (the contract test runs against both).
#include <cstdint>
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
inline std::string call_label(std::string_view id) { return "async call " + core::printable(id, 64); }

inline std::optional<StoreError> check_secret_value(const model::SecretRef& ref, const core::Secret& value) {
  if (value.size() <= kMaxSecretBytes) return std::nullopt;
  return error(StoreErrc::invalid, secret_label(ref.namespace_, ref.name) + " is larger than " +
                                       std::to_string(kMaxSecretBytes) + " bytes");
}

inline std::optional<StoreError> check_call_id(std::string_view id) {
  if (!id.empty() && id.size() <= 256) return std::nullopt;
  return error(StoreErrc::invalid, "an async call id must be 1-256 characters");
}

// What the queue holds, all of it or one function's part, as QueueLimits counts it.
struct QueueUsage {
  std::uint64_t calls = 0;
  std::uint64_t bytes = 0;
};

// A queued call's bytes: its body, and its result once the function ran (kept for the callback).
inline std::uint64_t call_bytes(const AsyncCall& call) {
  return call.body.size() + (call.result_status ? call.result_body.size() : 0);
}

inline bool unlimited(const QueueLimits& l) {
  return l.max_calls == QueueLimits::kNone && l.max_bytes == QueueLimits::kNone &&
         l.max_calls_per_function == QueueLimits::kNone && l.max_bytes_per_function == QueueLimits::kNone;
}

// `full` when `call` does not fit beside what is queued; the message says which limit, in the
// words a caller answered 429 reads. Written so that no sum can overflow.
inline std::optional<StoreError> check_room(const AsyncCall& call, const QueueLimits& limits, QueueUsage all,
                                            QueueUsage function) {
  const std::uint64_t bytes = call_bytes(call);
  auto beyond = [bytes](std::uint64_t used, std::uint64_t limit) { return bytes > limit || used > limit - bytes; };
  const std::string fn = "function " + call.function + "." + call.namespace_;
  if (all.calls >= limits.max_calls) {
    return error(StoreErrc::full, "the async queue holds its limit of " + std::to_string(limits.max_calls) + " calls");
  }
  if (function.calls >= limits.max_calls_per_function) {
    return error(StoreErrc::full, fn + " has its limit of " + std::to_string(limits.max_calls_per_function) +
                                      " calls queued");
  }
  if (beyond(all.bytes, limits.max_bytes)) {
    return error(StoreErrc::full, "the async queue holds " + std::to_string(all.bytes) + " bytes: this call's " +
                                      std::to_string(bytes) + " would go beyond its limit of " +
                                      std::to_string(limits.max_bytes) + " bytes");
  }
  if (beyond(function.bytes, limits.max_bytes_per_function)) {
    return error(StoreErrc::full, fn + " has " + std::to_string(function.bytes) + " bytes queued: this call's " +
                                      std::to_string(bytes) + " would go beyond its limit of " +
                                      std::to_string(limits.max_bytes_per_function) + " bytes");
  }
  return std::nullopt;
}

inline std::optional<StoreError> check_lease(std::chrono::seconds lease) {
  if (lease.count() >= 1) return std::nullopt;
  return error(StoreErrc::invalid, "an async call lease must be at least 1s");
}

}  // namespace faasgate::store::detail
