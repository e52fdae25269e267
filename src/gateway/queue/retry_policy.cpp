#include "faasgate/queue/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "faasgate/core/duration.hpp"
#include "faasgate/core/text.hpp"

namespace faasgate::queue {

namespace {

constexpr std::chrono::seconds kLongestWait{3600};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::chrono::seconds> wait_value(std::string_view text) {
  auto d = core::parse_duration_seconds(trim(text));
  if (!d || *d > kLongestWait) return std::nullopt;
  return *d;
}

std::string refused(std::string_view key, std::string_view value, std::string_view why) {
  return "annotation " + std::string(key) + "=" + core::printable(value, 64) + " ignored: " + std::string(why);
}

}  // namespace

std::optional<Backoff> parse_backoff(std::string_view text) {
  if (text == "exponential") return Backoff::exponential;
  if (text == "full") return Backoff::full;
  if (text == "equal") return Backoff::equal;
  return std::nullopt;
}

std::optional<std::set<unsigned>> parse_statuses(std::string_view text) {
  std::set<unsigned> out;
  while (true) {
    auto comma = text.find(',');
    auto one = number<unsigned>(trim(text.substr(0, comma)));
    if (!one || *one < 100 || *one > 599) return std::nullopt;
    out.insert(*one);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

FunctionRetryPolicy apply_annotations(const RetryPolicy& defaults, const std::map<std::string, std::string>& annotations) {
  FunctionRetryPolicy out{defaults, {}};
  auto& p = out.policy;
  auto find = [&](std::string_view key) -> const std::string* {
    auto it = annotations.find(std::string(key));
    return it == annotations.end() ? nullptr : &it->second;
  };
  if (const auto* v = find(kRetryAttempts)) {
    auto n = number<std::uint32_t>(trim(*v));
    if (n && *n >= 1 && *n <= 1000) p.max_attempts = *n;
    else out.problems.push_back(refused(kRetryAttempts, *v, "not a whole number from 1 to 1000"));
  }
  if (const auto* v = find(kRetryCodes)) {
    if (auto codes = parse_statuses(*v)) p.statuses = std::move(*codes);
    else out.problems.push_back(refused(kRetryCodes, *v, "not a comma-separated list of HTTP statuses"));
  }
  auto min_wait = p.min_wait, max_wait = p.max_wait;
  if (const auto* v = find(kRetryMinWait)) {
    if (auto d = wait_value(*v)) min_wait = *d;
    else out.problems.push_back(refused(kRetryMinWait, *v, "not a duration of at most 1h"));
  }
  if (const auto* v = find(kRetryMaxWait)) {
    if (auto d = wait_value(*v)) max_wait = *d;
    else out.problems.push_back(refused(kRetryMaxWait, *v, "not a duration of at most 1h"));
  }
  if (min_wait > max_wait) {
    out.problems.push_back("annotations " + std::string(kRetryMinWait) + " and " + std::string(kRetryMaxWait) +
                           " ignored: the minimum wait is above the maximum");
  } else {
    p.min_wait = min_wait;
    p.max_wait = max_wait;
  }
  return out;
}

std::chrono::seconds retry_delay(const RetryPolicy& p, std::uint32_t attempts, double random01,
                                 std::optional<std::chrono::seconds> retry_after) {
  if (retry_after) return std::clamp(*retry_after, std::chrono::seconds(0), p.max_wait);
  const auto doublings = std::min<std::uint32_t>(attempts > 0 ? attempts - 1 : 0, 30);
  const double base = std::min(static_cast<double>(p.min_wait.count()) * std::ldexp(1.0, static_cast<int>(doublings)),
                               static_cast<double>(p.max_wait.count()));
  const double r = std::clamp(random01, 0.0, 1.0);
  double wait = base;
  if (p.backoff == Backoff::full) wait = base * r;
  else if (p.backoff == Backoff::equal) wait = base / 2 + base / 2 * r;
  return std::chrono::seconds(static_cast<std::int64_t>(std::floor(wait)));
}

// IMF-fixdate only ("Sun, 06 Nov 1994 08:49:37 GMT"): the form RFC 9110 has senders use.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, core::Instant now) {
  value = trim(value);
  if (auto seconds = number<std::int64_t>(value)) {
    if (*seconds < 0) return std::nullopt;
    return std::chrono::seconds(std::min<std::int64_t>(*seconds, kLongestWait.count() * 24));
  }
  if (value.size() != 29 || value[3] != ',' || value.substr(25) != " GMT") return std::nullopt;
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = number<unsigned>(value.substr(5, 2));
  auto month = std::find(kMonths.begin(), kMonths.end(), value.substr(8, 3));
  auto year = number<int>(value.substr(12, 4));
  auto hh = number<int>(value.substr(17, 2)), mm = number<int>(value.substr(20, 2)), ss = number<int>(value.substr(23, 2));
  if (!day || month == kMonths.end() || !year || !hh || !mm || !ss || value[16] != ' ' || value[19] != ':' ||
      value[22] != ':' || *hh > 23 || *mm > 59 || *ss > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(month - kMonths.begin()) + 1),
                                         std::chrono::day(*day)};
  if (!date.ok()) return std::nullopt;
  const auto at = std::chrono::sys_days(date) + std::chrono::hours(*hh) + std::chrono::minutes(*mm) +
                  std::chrono::seconds(*ss);
  if (at <= now) return std::chrono::seconds(0);
  return std::chrono::duration_cast<std::chrono::seconds>(at - now);
}

}  // namespace faasgate::queue
