#pragma once
// When the async workers retry a call, and after how long - pure: time and randomness come in as
// arguments. The defaults are upstream's queue worker's (reference §7): up to 100 attempts, waits
// from 10s doubling to at most 120s, the statuses 408, 429, 500, 502, 503 and 504, exponential
// backoff with no jitter (or full / equal jitter), Retry-After honoured on 429 and 503. A
// function's annotations override them for its calls:
//   com.openfaas.retry.attempts  1-1000
//   com.openfaas.retry.codes     comma-separated statuses 100-599, e.g. "429,503"
//   com.openfaas.retry.min_wait  a duration, e.g. "5s"   (at most 1h)
//   com.openfaas.retry.max_wait  a duration, e.g. "2m"   (at most 1h, not below min_wait)
// A bad value is reported (the caller logs it) and the default kept.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/clock.hpp"

namespace faasgate::queue {

enum class Backoff { exponential, full, equal };

struct RetryPolicy {
  std::uint32_t max_attempts = 100;  // invocations in all, the first included
  std::chrono::seconds min_wait{10};
  std::chrono::seconds max_wait{120};
  std::set<unsigned> statuses{408, 429, 500, 502, 503, 504};
  Backoff backoff = Backoff::exponential;
};

inline constexpr std::string_view kRetryAttempts = "com.openfaas.retry.attempts";
inline constexpr std::string_view kRetryCodes = "com.openfaas.retry.codes";
inline constexpr std::string_view kRetryMinWait = "com.openfaas.retry.min_wait";
inline constexpr std::string_view kRetryMaxWait = "com.openfaas.retry.max_wait";

struct FunctionRetryPolicy {
  RetryPolicy policy;
  std::vector<std::string> problems;  // one line per annotation refused, naming it and its value
};

// `defaults` with a function's annotations applied.
FunctionRetryPolicy apply_annotations(const RetryPolicy& defaults, const std::map<std::string, std::string>& annotations);

std::optional<Backoff> parse_backoff(std::string_view text);  // exponential, full, equal
std::optional<std::set<unsigned>> parse_statuses(std::string_view text);  // "408,429, 500"

// Whether a call that has been attempted `attempts` times (this one included) may run again.
inline bool attempts_left(const RetryPolicy& p, std::uint32_t attempts) { return attempts < p.max_attempts; }
inline bool retryable_status(const RetryPolicy& p, unsigned status) { return p.statuses.contains(status); }

// The wait before attempt `attempts` + 1, after `attempts` attempts (1 or more): min_wait *
// 2^(attempts-1), at most max_wait, with the policy's jitter; `random01` is uniform in [0, 1).
// A Retry-After the function sent (429 and 503 only: the caller passes it) replaces that wait,
// bounded by max_wait.
std::chrono::seconds retry_delay(const RetryPolicy& p, std::uint32_t attempts, double random01,
                                 std::optional<std::chrono::seconds> retry_after = std::nullopt);

// A Retry-After header's value: delay-seconds or an HTTP date (RFC 9110 §10.2.3), as a wait
// from `now` (a date in the past is 0). nullopt if it is neither.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, core::Instant now);

}  // namespace faasgate::queue
