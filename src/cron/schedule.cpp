#include "faasgate/cron/schedule.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>

#include "civil.hpp"
#include "faasgate/core/duration.hpp"
#include "faasgate/core/text.hpp"

namespace faasgate::cron {
namespace {

using core::fail;
using std::chrono::seconds;
using std::chrono::sys_seconds;

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  const std::string_view* names = nullptr;  // names[i] is the value min + i
  std::size_t name_count = 0;
};

// Day of week runs to 7 (Sunday again), as in Vixie cron and croniter: '*' and "a/n" end there.
constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59},
    {"hour", 0, 23},
    {"day-of-month", 1, 31},
    {"month", 1, 12, kMonthNames.data(), kMonthNames.size()},
    {"day-of-week", 0, 7, kDayNames.data(), kDayNames.size()},
}};
constexpr std::size_t kDayOfWeek = 4;
constexpr std::string_view kFieldList = "minute hour day-of-month month day-of-week";

// A number of more digits reads as kTooLarge, beyond every field's range and kMaxStep: no overflow.
constexpr std::size_t kMaxDigits = 6;
constexpr int kTooLarge = 1'000'000;
// Steps past a field's span leave its first value ("*/60" is "0"), as croniter and robfig/cron
// allow; beyond this one they are surely a typo.
constexpr int kMaxStep = 999;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string quoted(std::string_view s) { return "\"" + core::printable(s, 40) + "\""; }

core::Unexpected<ParseError> error_at(std::size_t position, std::string message) {
  return fail(ParseError{std::move(message), position});
}

// A word of the text with its offset.
struct Token {
  std::string_view text;
  std::size_t position;
  std::size_t end() const { return position + text.size(); }
};

std::vector<Token> split_words(std::string_view text, std::size_t offset) {
  std::vector<Token> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t begin = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > begin) words.push_back({text.substr(begin, i - begin), offset + begin});
  }
  return words;
}

// One field: a list of items over the whole word.
class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, Token word) : spec_(spec), s_(word.text), base_(word.position) {}

  core::Expected<std::uint64_t, ParseError> parse() {
    std::uint64_t bits = 0;
    while (true) {
      if (at_end() || peek() == ',') return error(i_, "empty list item");
      auto item = parse_item();
      if (!item) return fail(std::move(item).error());
      bits |= *item;
      if (at_end()) return bits;
      if (peek() != ',') return error(i_, "unexpected " + quoted(s_.substr(i_, 1)));
      ++i_;
    }
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }
  core::Unexpected<ParseError> error(std::size_t at, std::string message) const {
    return error_at(base_ + at, std::string(spec_.name) + ": " + message);
  }

  core::Expected<std::uint64_t, ParseError> parse_item() {
    int low = spec_.min, high = spec_.max;
    bool single = false;
    if (peek() == '*') {
      ++i_;
    } else {
      const std::size_t low_at = i_;
      auto first = parse_value();
      if (!first) return fail(std::move(first).error());
      low = high = *first;
      single = true;
      if (!at_end() && peek() == '-') {
        ++i_;
        auto second = parse_value();
        if (!second) return fail(std::move(second).error());
        high = *second;
        single = false;
        // "FRI-SUN": a day-of-week range may end on Sunday written 0 (or SUN), meaning 7.
        if (&spec_ == &kFields[kDayOfWeek] && high == 0 && low > 0) high = 7;
        if (low > high) {
          return error(low_at, "range " + text_from(low_at) + " runs backwards (" +
                                   std::to_string(low) + " > " + std::to_string(high) + ")");
        }
      }
    }
    int step = 1;
    if (!at_end() && peek() == '/') {
      ++i_;
      const std::size_t step_at = i_;
      if (at_end() || !is_digit(peek())) return error(step_at, "expected a step (a number) after '/'");
      const int n = parse_number();
      if (n == 0) return error(step_at, "a step of 0 never advances");
      if (n > kMaxStep) return error(step_at, "step " + text_from(step_at) + " is too large");
      step = n;
      if (single) high = spec_.max;  // "a/n" is "a-max/n"
    }
    const bool day_of_week = &spec_ == &kFields[kDayOfWeek];
    std::uint64_t bits = 0;
    for (int v = low; v <= high; v += step) bits |= std::uint64_t{1} << (day_of_week && v == 7 ? 0 : v);
    return bits;
  }

  // A number or, where the field has them, a name; checked against the field's range.
  core::Expected<int, ParseError> parse_value() {
    const std::size_t at = i_;
    if (at_end()) return error(at, "expected a value");
    if (is_digit(peek())) {
      const int n = parse_number();
      if (n < spec_.min || n > spec_.max) {
        return error(at, text_from(at) + " is out of range " + std::to_string(spec_.min) + "-" + std::to_string(spec_.max));
      }
      return n;
    }
    if (is_letter(peek())) {
      while (!at_end() && is_letter(peek())) ++i_;
      const std::string_view word = s_.substr(at, i_ - at);
      if (spec_.names == nullptr) return error(at, quoted(word) + " is not a number");
      for (std::size_t k = 0; k < spec_.name_count; ++k) {
        if (iequals(word, spec_.names[k])) return spec_.min + static_cast<int>(k);
      }
      std::string first(spec_.names[0]), last(spec_.names[spec_.name_count - 1]);
      for (auto* s : {&first, &last})
        for (auto& c : *s) c = static_cast<char>(c - 'a' + 'A');
      return error(at, "unknown name " + quoted(word) + " (" + first + "-" + last + ")");
    }
    return error(at, "unexpected " + quoted(s_.substr(at, 1)));
  }

  // The digits at i_, all of them.
  int parse_number() {
    int n = 0;
    for (std::size_t digits = 1; !at_end() && is_digit(peek()); ++digits, ++i_) {
      n = digits <= kMaxDigits ? n * 10 + (peek() - '0') : kTooLarge;
    }
    return n;
  }

  // What was read since `at`, for a message.
  std::string text_from(std::size_t at) const { return core::printable(s_.substr(at, i_ - at), 20); }

  const FieldSpec& spec_;
  std::string_view s_;
  std::size_t base_;
  std::size_t i_ = 0;
};

template <class Mask>
bool full(Mask bits, int min, int max) {
  for (int v = min; v <= max; ++v)
    if (((bits >> v) & 1) == 0) return false;
  return true;
}

core::Expected<Fields, ParseError> parse_fields(const std::vector<Token>& words, std::size_t first) {
  Fields f;
  std::array<std::uint64_t, 5> bits{};
  for (std::size_t k = 0; k < kFields.size(); ++k) {
    auto field = FieldParser(kFields[k], words[first + k]).parse();
    if (!field) return fail(std::move(field).error());
    bits[k] = *field;
  }
  f.minutes = bits[0];
  f.hours = static_cast<std::uint32_t>(bits[1]);
  f.days_of_month = static_cast<std::uint32_t>(bits[2]);
  f.months = static_cast<std::uint16_t>(bits[3]);
  f.days_of_week = static_cast<std::uint8_t>(bits[4]);
  // croniter 1.3.5 replaces a field's value list by '*' when it holds every value, and applies
  // the OR only when neither day field is '*' (croniter.py, _expand and _get_next).
  f.days_of_month_restricted = !full(f.days_of_month, 1, 31);
  f.days_of_week_restricted = !full(f.days_of_week, 0, 6);
  return f;
}

struct Descriptor {
  std::string_view name;
  std::string_view fields;
};
constexpr std::array<Descriptor, 7> kDescriptors = {{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

core::Expected<std::variant<Fields, Every>, ParseError> parse_when(const std::vector<Token>& words, std::size_t first,
                                                                   std::size_t end_position) {
  const Token& head = words[first];
  const std::size_t count = words.size() - first;
  if (head.text.front() == '@') {
    if (iequals(head.text, "@every")) {
      if (count < 2) return error_at(end_position, "@every needs a duration (e.g. 90s, 5m, 1h30m)");
      const Token& d = words[first + 1];
      if (count > 2) {
        return error_at(words[first + 2].position,
                        "unexpected " + quoted(words[first + 2].text) + " after @every " + core::printable(d.text, 40));
      }
      auto duration = core::parse_go_duration(d.text);
      if (!duration) return error_at(d.position, "@every: " + quoted(d.text) + " is not a Go duration (e.g. 90s, 5m, 1h30m)");
      // robfig/cron's Every(): whole seconds, at least one.
      const auto whole = std::chrono::duration_cast<seconds>(*duration);
      return std::variant<Fields, Every>(Every{std::max(whole, seconds{1})});
    }
    for (const auto& descriptor : kDescriptors) {
      if (!iequals(head.text, descriptor.name)) continue;
      if (count > 1) {
        return error_at(words[first + 1].position,
                        "unexpected " + quoted(words[first + 1].text) + " after " + std::string(descriptor.name));
      }
      auto expanded = parse_fields(split_words(descriptor.fields, 0), 0);
      if (!expanded) return error_at(head.position, "internal: " + expanded.error().message);  // a fixed text
      return std::variant<Fields, Every>(*expanded);
    }
    return error_at(head.position, "unknown descriptor " + quoted(head.text) +
                                       " (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every)");
  }
  if (count != kFields.size()) {
    const std::string expected = "expected 5 fields (" + std::string(kFieldList) + "), found " + std::to_string(count);
    return error_at(count < kFields.size() ? end_position : words[first + kFields.size()].position, expected);
  }
  auto fields = parse_fields(words, first);
  if (!fields) return fail(std::move(fields).error());
  return std::variant<Fields, Every>(*fields);
}

}  // namespace

bool Fields::matches_day(unsigned month, unsigned day, int weekday) const noexcept {
  if (((months >> month) & 1) == 0) return false;
  const bool by_month_day = ((days_of_month >> day) & 1) != 0;
  const bool by_weekday = ((days_of_week >> weekday) & 1) != 0;
  if (days_of_month_restricted && days_of_week_restricted) return by_month_day || by_weekday;
  return by_month_day && by_weekday;  // an unrestricted field matches every day
}

core::Expected<Schedule, ParseError> parse_schedule(std::string_view text, const ZoneSource& zones) {
  if (text.size() > kMaxExpressionBytes) {
    return error_at(kMaxExpressionBytes, "the expression is longer than " + std::to_string(kMaxExpressionBytes) + " characters");
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && !is_space(text[i])) || c >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      return error_at(i, std::string("unexpected byte ") + hex + " (only ASCII text)");
    }
  }
  Schedule schedule;
  schedule.text_ = std::string(text);
  std::shared_ptr<const TimeZone> zone;  // a prefix holds until the next one
  std::size_t begin = 0;
  while (true) {
    const std::size_t semicolon = std::min(text.find(';', begin), text.size());
    const std::string_view part = text.substr(begin, semicolon - begin);
    auto words = split_words(part, begin);
    if (words.empty()) {
      if (text.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos) return error_at(0, "empty expression");
      // The position of the ';' that opens (or closes) the empty schedule.
      return error_at(begin == 0 ? semicolon : begin - 1, "empty schedule between ';'s");
    }
    if (schedule.rules_.size() == kMaxSchedules) {
      return error_at(words.front().position, "more than " + std::to_string(kMaxSchedules) + " schedules");
    }
    Rule rule;
    rule.position = words.front().position;
    std::size_t first = 0;
    const Token& head = words.front();
    for (std::string_view prefix : {std::string_view("CRON_TZ="), std::string_view("TZ=")}) {
      if (head.text.substr(0, prefix.size()) != prefix) continue;
      const std::string_view name = head.text.substr(prefix.size());
      const std::size_t name_at = head.position + prefix.size();
      if (name.empty()) return error_at(name_at, "expected a time zone name after " + std::string(prefix));
      // Checked here, not left to the source: whatever plugs in, a name cannot climb out of a directory.
      if (!valid_zone_name(name)) return error_at(name_at, quoted(name) + " is not a time zone name");
      auto located = zones.locate(name);
      if (!located) return error_at(name_at, located.error());
      zone = *located;
      first = 1;
      break;
    }
    if (first == words.size()) return error_at(head.end(), "expected a schedule after the time zone");
    auto when = parse_when(words, first, words.back().end());
    if (!when) return fail(std::move(when).error());
    rule.when = std::move(*when);
    rule.zone = zone;
    schedule.rules_.push_back(std::move(rule));
    if (semicolon == text.size()) break;
    begin = semicolon + 1;
  }
  return schedule;
}

namespace {

using Minutes = std::int64_t;  // local time in minutes since 1970-01-01T00:00

int next_bit(std::uint64_t bits, int from) {  // the lowest set bit at or above `from`, or -1
  if (from >= 64) return -1;
  const std::uint64_t above = bits >> from;
  return above == 0 ? -1 : from + std::countr_zero(above);
}

// The first local minute at or after `start` that the fields match, through the end of
// `last_year`.
std::optional<Minutes> next_match(const Fields& f, Minutes start, std::int64_t last_year) {
  std::int64_t day = civil::floor_div(start, 1440);
  int hour = static_cast<int>((start - day * 1440) / 60);
  int minute = static_cast<int>(start - day * 1440 - hour * 60);
  // Each pass moves to a later month, day, hour or minute, or returns: at most a few per day
  // of the at most kSearchYears + 1 years searched.
  while (true) {
    const civil::Date date = civil::civil_from_days(day);
    if (date.year > last_year) return std::nullopt;
    if (((f.months >> date.month) & 1) == 0) {
      const int month = next_bit(f.months, static_cast<int>(date.month) + 1);
      day = month > 0 ? civil::days_from_civil(date.year, static_cast<unsigned>(month), 1)
                      : civil::days_from_civil(date.year + 1, static_cast<unsigned>(next_bit(f.months, 1)), 1);
      hour = minute = 0;
      continue;
    }
    if (!f.matches_day(date.month, date.day, civil::weekday(day))) {
      ++day;
      hour = minute = 0;
      continue;
    }
    const int h = next_bit(f.hours, hour);
    if (h < 0 || h > 23) {
      ++day;
      hour = minute = 0;
      continue;
    }
    if (h != hour) {
      hour = h;
      minute = 0;
    }
    const int m = next_bit(f.minutes, minute);
    if (m < 0 || m > 59) {
      minute = 0;
      if (++hour == 24) {
        ++day;
        hour = 0;
      }
      continue;
    }
    return day * 1440 + hour * 60 + m;
  }
}

std::int64_t year_of_minute(Minutes m) { return civil::civil_from_days(civil::floor_div(m, 1440)).year; }

std::optional<sys_seconds> next_fields(const Fields& f, const TimeZone* zone, sys_seconds from) {
  if (f.months == 0 || f.hours == 0 || f.minutes == 0) return std::nullopt;  // parse never makes these
  // Fires at local times at or before the latest time the clocks have shown have happened.
  const std::int64_t shown =
      zone ? zone->latest_shown(from).time_since_epoch().count() : from.time_since_epoch().count();
  Minutes start = civil::floor_div(shown, 60) + 1;
  const std::int64_t last_year = year_of_minute(start) + kSearchYears;
  // first_reaching(W) > from for every W after what was shown by `from`; the loop only keeps that
  // true should a zone's data break the reasoning.
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto wall = next_match(f, start, last_year);
    if (!wall) return std::nullopt;
    const std::chrono::local_seconds local{seconds{*wall * 60}};
    const sys_seconds at = zone ? zone->first_reaching(local) : sys_seconds{local.time_since_epoch()};
    if (at > from) return at;
    start = *wall + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<sys_seconds> next_after(const Rule& rule, sys_seconds from) {
  if (from < kFirstInstant || from > kLastInstant) return std::nullopt;
  std::optional<sys_seconds> next;
  if (const auto* every = std::get_if<Every>(&rule.when)) {
    next = from + every->interval;  // interval is at most a Go duration (292 years): no overflow
  } else {
    next = next_fields(std::get<Fields>(rule.when), rule.zone.get(), from);
  }
  if (next && *next > kLastInstant) return std::nullopt;
  return next;
}

std::optional<sys_seconds> next_after(const Schedule& schedule, sys_seconds from) {
  std::optional<sys_seconds> earliest;
  for (const auto& rule : schedule.rules()) {
    auto next = next_after(rule, from);
    if (next && (!earliest || *next < *earliest)) earliest = next;
  }
  return earliest;
}

}  // namespace faasgate::cron
