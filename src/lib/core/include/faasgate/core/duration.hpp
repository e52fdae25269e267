#pragma once
// Go-style durations (time.ParseDuration): "30m", "2h", "1h30m", "90s", "1.5h", "300ms", "0".
// Units ns, us (µs, μs), ms, s, m, h. Negative durations and anything else are rejected.
#include <chrono>
#include <optional>
#include <string_view>

namespace faasgate::core {

// Parses a non-negative Go duration. A leading '+' is accepted (as Go does), '-' is not.
// nullopt on garbage, a negative sign, an empty string, a missing unit (except "0") or overflow.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) noexcept;

// The same, truncated to whole seconds (for flags and lifetimes).
inline std::optional<std::chrono::seconds> parse_duration_seconds(std::string_view text) noexcept {
  auto d = parse_go_duration(text);
  if (!d) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

}  // namespace faasgate::core
