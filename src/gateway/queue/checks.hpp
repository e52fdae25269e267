#pragma once
// Validation, the limits' arithmetic and error messages shared by the Queue implementations, so
// that both refuse the same call with the same code and message (the contract test runs against both).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/core/text.hpp"
#include "faasgate/queue/queue.hpp"

namespace faasgate::queue::detail {

inline QueueError error(QueueErrc code, std::string message) { return {code, std::move(message)}; }

inline std::string call_label(std::string_view id) { return "async call " + core::printable(id, 64); }

inline std::optional<QueueError> check_call_id(std::string_view id) {
  if (!id.empty() && id.size() <= 256) return std::nullopt;
  return error(QueueErrc::invalid, "an async call id must be 1-256 characters");
}

inline std::optional<QueueError> check_lease(std::chrono::seconds lease) {
  if (lease.count() >= 1) return std::nullopt;
  return error(QueueErrc::invalid, "an async call lease must be at least 1s");
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

// record_result()'s update of the kept call: a result body or headers without a status are not kept.
inline void keep_result(AsyncCall& kept, const AsyncCall& from) {
  kept.result_status = from.result_status;
  kept.result_body = from.result_status ? from.result_body : std::string();
  kept.result_headers = from.result_status ? from.result_headers : decltype(from.result_headers){};
  kept.duration_seconds = from.duration_seconds;
}

inline bool unlimited(const QueueLimits& l) {
  return l.max_calls == QueueLimits::kNone && l.max_bytes == QueueLimits::kNone &&
         l.max_calls_per_function == QueueLimits::kNone && l.max_bytes_per_function == QueueLimits::kNone;
}

// `full` when `call` does not fit beside what is queued; the message says which limit, in the
// words a caller answered 429 reads. Written so that no sum can overflow.
inline std::optional<QueueError> check_room(const AsyncCall& call, const QueueLimits& limits, QueueUsage all,
                                            QueueUsage function) {
  const std::uint64_t bytes = call_bytes(call);
  auto beyond = [bytes](std::uint64_t used, std::uint64_t limit) { return bytes > limit || used > limit - bytes; };
  const std::string fn = "function " + call.function + "." + call.namespace_;
  if (all.calls >= limits.max_calls) {
    return error(QueueErrc::full, "the async queue holds its limit of " + std::to_string(limits.max_calls) + " calls");
  }
  if (function.calls >= limits.max_calls_per_function) {
    return error(QueueErrc::full, fn + " has its limit of " + std::to_string(limits.max_calls_per_function) +
                                      " calls queued");
  }
  if (beyond(all.bytes, limits.max_bytes)) {
    return error(QueueErrc::full, "the async queue holds " + std::to_string(all.bytes) + " bytes: this call's " +
                                      std::to_string(bytes) + " would go beyond its limit of " +
                                      std::to_string(limits.max_bytes) + " bytes");
  }
  if (beyond(function.bytes, limits.max_bytes_per_function)) {
    return error(QueueErrc::full, fn + " has " + std::to_string(function.bytes) + " bytes queued: this call's " +
                                      std::to_string(bytes) + " would go beyond its limit of " +
                                      std::to_string(limits.max_bytes_per_function) + " bytes");
  }
  return std::nullopt;
}

}  // namespace faasgate::queue::detail
