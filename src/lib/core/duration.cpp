#include "faasgate/core/duration.hpp"

#include <cstdint>
#include <limits>

namespace faasgate::core {
namespace {

constexpr std::int64_t kNs = 1;
constexpr std::int64_t kUs = 1000 * kNs;
constexpr std::int64_t kMs = 1000 * kUs;
constexpr std::int64_t kS = 1000 * kMs;
constexpr std::int64_t kM = 60 * kS;
constexpr std::int64_t kH = 60 * kM;

std::optional<std::int64_t> unit_ns(std::string_view u) noexcept {
  if (u == "ns") return kNs;
  if (u == "us" || u == "\xC2\xB5s" /* µs, micro sign */ || u == "\xCE\xBCs" /* μs, greek mu */) return kUs;
  if (u == "ms") return kMs;
  if (u == "s") return kS;
  if (u == "m") return kM;
  if (u == "h") return kH;
  return std::nullopt;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view s) noexcept {
  __extension__ typedef unsigned __int128 u128;
  constexpr u128 kMax = static_cast<u128>(std::numeric_limits<std::int64_t>::max());
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s == "0") return std::chrono::nanoseconds{0};
  if (s.empty()) return std::nullopt;

  u128 total = 0;
  while (!s.empty()) {
    // [0-9]*
    u128 whole = 0;
    std::size_t i = 0;
    bool any_digit = false;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
      if (whole > kMax) return std::nullopt;
      any_digit = true;
    }
    // (\.[0-9]*)?  -- fraction kept exactly as digits/scale, at most 18 significant digits
    u128 frac = 0;
    u128 scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      for (; i < s.size() && is_digit(s[i]); ++i) {
        any_digit = true;
        if (scale < static_cast<u128>(1000000000000000000ULL)) {  // further digits are below 1 ns
          frac = frac * 10 + static_cast<unsigned>(s[i] - '0');
          scale *= 10;
        }
      }
    }
    if (!any_digit) return std::nullopt;
    // unit: a run of characters that are neither digits nor '.'
    std::size_t j = i;
    while (j < s.size() && !is_digit(s[j]) && s[j] != '.') ++j;
    auto unit = unit_ns(s.substr(i, j - i));
    if (!unit) return std::nullopt;
    const u128 u = static_cast<u128>(*unit);
    if (whole > kMax / u) return std::nullopt;
    u128 part = whole * u + (frac * u) / scale;
    total += part;
    if (total > kMax) return std::nullopt;
    s.remove_prefix(j);
  }
  return std::chrono::nanoseconds{static_cast<std::int64_t>(total)};
}

}  // namespace faasgate::core
