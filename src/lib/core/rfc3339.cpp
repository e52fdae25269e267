#include "faasgate/core/rfc3339.hpp"

#include <cstdio>
#include <cstdlib>

#include "faasgate/core/civil.hpp"

namespace faasgate::core {
namespace {

// `n` digits at text[at..], or -1.
int digits(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size()) return -1;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

std::string format_rfc3339(std::chrono::sys_seconds t, std::optional<std::chrono::seconds> offset) {
  if (offset && offset->count() % 60 != 0) offset.reset();
  const std::int64_t local = t.time_since_epoch().count() + (offset ? offset->count() : 0);
  const std::int64_t day = civil::floor_div(local, 86400);
  const std::int64_t second_of_day = local - day * 86400;
  const civil::Date date = civil::civil_from_days(day);
  char out[40];
  int n = std::snprintf(out, sizeof out, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(date.year),
                        date.month, date.day, static_cast<long long>(second_of_day / 3600),
                        static_cast<long long>(second_of_day / 60 % 60), static_cast<long long>(second_of_day % 60));
  if (!offset) {
    std::snprintf(out + n, sizeof out - static_cast<std::size_t>(n), "Z");
  } else {
    const long long minutes = std::llabs(offset->count() / 60);
    std::snprintf(out + n, sizeof out - static_cast<std::size_t>(n), "%c%02lld:%02lld", offset->count() < 0 ? '-' : '+',
                  minutes / 60, minutes % 60);
  }
  return out;
}

std::string format_rfc3339_nanos(NanoTime t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto nanos = (t - seconds).count();
  std::string text = format_rfc3339(seconds);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%09lldZ", static_cast<long long>(nanos));
  text.pop_back();  // the 'Z'
  return text + fraction;
}

namespace {

struct Parsed {
  std::chrono::sys_seconds seconds;
  std::int64_t nanos;
};

std::optional<Parsed> parse(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  const int year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  const int hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':')
    return std::nullopt;
  if (static_cast<unsigned>(day) > civil::days_in_month(year, static_cast<unsigned>(month))) return std::nullopt;
  std::size_t i = 19;
  std::int64_t nanos = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t first = i;
    std::int64_t scale = 100'000'000;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, scale /= 10) nanos += (text[i] - '0') * scale;
    if (i == first) return std::nullopt;
  }
  std::int64_t offset = 0;
  const std::string_view zone = text.substr(std::min(i, text.size()));
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const int oh = digits(zone, 1, 2), om = digits(zone, 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset = (zone[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  const std::int64_t local = civil::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                             hour * 3600 + minute * 60 + second;
  const std::chrono::sys_seconds t{std::chrono::seconds{local - offset}};
  if (t < kFirstRfc3339 || t > kLastRfc3339) return std::nullopt;
  return Parsed{t, nanos};
}

}  // namespace

std::optional<NanoTime> parse_rfc3339_nanos(std::string_view text) {
  auto t = parse(text);
  // 64-bit nanoseconds reach from 1677 to 2262 only.
  constexpr auto kSpan = std::chrono::duration_cast<std::chrono::seconds>(NanoTime::duration::max()) - std::chrono::seconds(1);
  if (!t || t->seconds.time_since_epoch() > kSpan || t->seconds.time_since_epoch() < -kSpan) return std::nullopt;
  return NanoTime(t->seconds) + std::chrono::nanoseconds(t->nanos);
}

std::optional<std::chrono::sys_seconds> parse_rfc3339(std::string_view text) {
  auto t = parse(text);
  if (!t) return std::nullopt;
  return t->seconds;
}

}  // namespace faasgate::core
