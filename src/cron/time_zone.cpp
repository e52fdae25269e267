#include "faasgate/cron/time_zone.hpp"

#include <algorithm>
#include <limits>

#include "civil.hpp"

namespace faasgate::cron {
namespace {

using core::fail;

// Beyond ±2^40 s (about 34,800 years) a zone answers with the offset it has at the limit: far
// outside any schedule's reach, and it keeps the calendar arithmetic free of overflow.
constexpr std::int64_t kTimeLimit = std::int64_t{1} << 40;
// Every offset is below 26 h, so a local time is shown within 26 h of the same UTC reading, and
// whatever the clocks showed more than 52 h ago is below what they show now.
constexpr std::int64_t kWindow = 26 * 3600;

std::int64_t clamp_time(std::int64_t t) { return std::clamp(t, -kTimeLimit, kTimeLimit); }

bool plausible_offset(std::int64_t offset) { return offset >= -kMaxUtcOffsetSeconds && offset <= kMaxUtcOffsetSeconds; }

// --- POSIX TZ rules -------------------------------------------------------------------------

class RuleParser {
 public:
  explicit RuleParser(std::string_view text) : s_(text) {}

  core::Expected<PosixRule, std::string> parse() {
    PosixRule rule;
    if (!name()) return error("a zone abbreviation (3 or more letters, or <...>)");
    auto standard = offset();
    if (!standard) return error("the standard time's offset");
    rule.standard_offset = *standard;
    if (at_end()) return rule;
    if (!name()) return error("a daylight-saving abbreviation");
    if (!at_end() && peek() != ',') {
      auto daylight = offset();
      if (!daylight) return error("the daylight-saving offset");
      rule.daylight_offset = *daylight;
    } else {
      rule.daylight_offset = rule.standard_offset + 3600;  // POSIX: one hour ahead unless given
    }
    // POSIX leaves a rule-less daylight zone to the implementation; TZif footers always give one.
    if (at_end() || peek() != ',') return error("',' and the daylight-saving rules");
    ++i_;
    if (!date(rule.start)) return error("the date daylight saving starts (Jn, n or Mm.w.d)");
    if (at_end() || peek() != ',') return error("',' and the date daylight saving ends");
    ++i_;
    if (!date(rule.end)) return error("the date daylight saving ends (Jn, n or Mm.w.d)");
    if (!at_end()) return error("the end of the rule");
    return rule;
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }
  core::Unexpected<std::string> error(std::string_view expected) const {
    return fail("POSIX TZ rule: expected " + std::string(expected) + " at character " + std::to_string(i_));
  }

  bool name() {
    const std::size_t begin = i_;
    if (!at_end() && peek() == '<') {
      ++i_;
      while (!at_end() && peek() != '>') {
        const char c = peek();
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-'))
          return false;
        ++i_;
      }
      if (at_end() || i_ - begin - 1 < 3) return false;
      ++i_;  // '>'
      return true;
    }
    while (!at_end() && ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z'))) ++i_;
    return i_ - begin >= 3;
  }

  // [+-]hh[:mm[:ss]] with hh at most max_hours; the value in seconds, signed.
  std::optional<std::int32_t> clock(int max_hours) {
    int sign = 1;
    if (!at_end() && (peek() == '+' || peek() == '-')) {
      sign = peek() == '-' ? -1 : 1;
      ++i_;
    }
    auto hours = digits(3);
    if (!hours || *hours > max_hours) return std::nullopt;
    int minutes = 0, seconds = 0;
    if (!at_end() && peek() == ':') {
      ++i_;
      auto m = digits(2);
      if (!m || *m > 59) return std::nullopt;
      minutes = *m;
      if (!at_end() && peek() == ':') {
        ++i_;
        auto sec = digits(2);
        if (!sec || *sec > 59) return std::nullopt;
        seconds = *sec;
      }
    }
    return sign * (*hours * 3600 + minutes * 60 + seconds);
  }

  // POSIX writes offsets west of UTC ("EST5"); ours are east.
  std::optional<std::int32_t> offset() {
    auto west = clock(24);
    if (!west) return std::nullopt;
    return -*west;
  }

  std::optional<int> digits(std::size_t max_digits) {
    std::size_t n = 0;
    int value = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9' && n < max_digits) {
      value = value * 10 + (peek() - '0');
      ++i_;
      ++n;
    }
    if (n == 0) return std::nullopt;
    return value;
  }

  bool date(PosixRule::Date& d) {
    using Kind = PosixRule::Date::Kind;
    if (at_end()) return false;
    if (peek() == 'J') {
      ++i_;
      auto n = digits(3);
      if (!n || *n < 1 || *n > 365) return false;
      d.kind = Kind::julian_no_leap;
      d.day = *n;
    } else if (peek() == 'M') {
      ++i_;
      auto m = digits(2);
      if (!m || *m < 1 || *m > 12 || at_end() || peek() != '.') return false;
      ++i_;
      auto w = digits(1);
      if (!w || *w < 1 || *w > 5 || at_end() || peek() != '.') return false;
      ++i_;
      auto wd = digits(1);
      if (!wd || *wd > 6) return false;
      d.kind = Kind::month_week_day;
      d.month = *m;
      d.week = *w;
      d.day = *wd;
    } else {
      auto n = digits(3);
      if (!n || *n > 365) return false;
      d.kind = Kind::zero_based_day;
      d.day = *n;
    }
    d.time = 2 * 3600;
    if (!at_end() && peek() == '/') {
      ++i_;
      auto t = clock(167);  // RFC 8536 §3.3.1: -167 to 167 hours
      if (!t) return false;
      d.time = *t;
    }
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// The day a rule's date falls on in `year`, as days since 1970-01-01.
std::int64_t rule_day(const PosixRule::Date& d, std::int64_t year) {
  using Kind = PosixRule::Date::Kind;
  const std::int64_t jan1 = civil::days_from_civil(year, 1, 1);
  switch (d.kind) {
    case Kind::julian_no_leap:  // Feb 29 is never counted: J60 is March 1 in every year
      return jan1 + d.day - 1 + ((civil::is_leap(year) && d.day >= 60) ? 1 : 0);
    case Kind::zero_based_day:
      return jan1 + d.day;
    case Kind::month_week_day: {
      const std::int64_t first = civil::days_from_civil(year, static_cast<unsigned>(d.month), 1);
      const int first_weekday = civil::weekday(first);
      std::int64_t day = first + (d.day - first_weekday + 7) % 7 + 7 * (d.week - 1);
      const std::int64_t length = civil::days_in_month(year, static_cast<unsigned>(d.month));
      while (day >= first + length) day -= 7;  // week 5 means the last one
      return day;
    }
  }
  return jan1;
}

// The rule's two changes in `year`, in the order they were generated (start, then end).
void rule_changes(const PosixRule& rule, std::int64_t year, std::vector<TimeZone::Change>& out) {
  const std::int32_t daylight = *rule.daylight_offset;
  const std::int64_t start = rule_day(rule.start, year) * 86400 + rule.start.time - rule.standard_offset;
  const std::int64_t end = rule_day(rule.end, year) * 86400 + rule.end.time - daylight;
  out.push_back({TimeZone::SysSeconds{TimeZone::Seconds{start}}, TimeZone::Seconds{daylight}});
  out.push_back({TimeZone::SysSeconds{TimeZone::Seconds{end}}, TimeZone::Seconds{rule.standard_offset}});
}

// The rule's changes for years first..last, in time order. Changes at the same instant keep the
// one generated last: a rule whose daylight saving ends on Dec 31 at 24:00 plus the saving and
// starts on Jan 1 at 0:00 is on all year (RFC 8536 §3.3.1).
std::vector<TimeZone::Change> rule_changes(const PosixRule& rule, std::int64_t first, std::int64_t last) {
  std::vector<TimeZone::Change> out;
  for (std::int64_t y = first; y <= last; ++y) rule_changes(rule, y, out);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  std::vector<TimeZone::Change> unique;
  for (const auto& c : out) {
    if (!unique.empty() && unique.back().at == c.at)
      unique.back() = c;
    else
      unique.push_back(c);
  }
  return unique;
}

std::int64_t year_of(std::int64_t t) { return civil::civil_from_days(civil::floor_div(t, 86400)).year; }

// --- TZif ----------------------------------------------------------------------------------

class Bytes {
 public:
  explicit Bytes(std::string_view s) : s_(s) {}
  bool take(std::size_t n, std::string_view& out) {
    if (n > s_.size() - i_) return false;
    out = s_.substr(i_, n);
    i_ += n;
    return true;
  }
  std::size_t left() const { return s_.size() - i_; }
  std::string_view rest() const { return s_.substr(i_); }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

std::uint32_t be32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(s[at + k]);
  return v;
}

std::int64_t be64(std::string_view s, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t k = 0; k < 8; ++k) v = (v << 8) | static_cast<unsigned char>(s[at + k]);
  return static_cast<std::int64_t>(v);
}

struct Header {
  char version = 0;
  std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

core::Expected<Header, std::string> read_header(Bytes& in) {
  std::string_view h;
  if (!in.take(44, h) || h.substr(0, 4) != "TZif") return fail(std::string("not a TZif file"));
  Header out;
  out.version = h[4];
  out.isutcnt = be32(h, 20);
  out.isstdcnt = be32(h, 24);
  out.leapcnt = be32(h, 28);
  out.timecnt = be32(h, 32);
  out.typecnt = be32(h, 36);
  out.charcnt = be32(h, 40);
  if (out.typecnt == 0) return fail(std::string("TZif: no local time types"));
  if ((out.isutcnt != 0 && out.isutcnt != out.typecnt) || (out.isstdcnt != 0 && out.isstdcnt != out.typecnt))
    return fail(std::string("TZif: indicator counts differ from the type count"));
  // Leap-second zones ("right/...") count TAI-like seconds: not what a schedule means by time.
  if (out.leapcnt != 0) return fail(std::string("TZif: leap-second data is not supported"));
  return out;
}

// The size of a data block whose transition times are `time_size` bytes.
std::uint64_t block_size(const Header& h, std::uint64_t time_size) {
  return std::uint64_t{h.timecnt} * time_size + h.timecnt + std::uint64_t{h.typecnt} * 6 + h.charcnt +
         std::uint64_t{h.leapcnt} * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

}  // namespace

core::Expected<PosixRule, std::string> parse_posix_rule(std::string_view text) { return RuleParser(text).parse(); }

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const auto zone = [] {
    auto z = std::shared_ptr<TimeZone>(new TimeZone());
    z->name_ = "UTC";
    return std::shared_ptr<const TimeZone>(std::move(z));
  }();
  return zone;
}

core::Expected<TimeZone, std::string> TimeZone::from_posix(std::string name, std::string_view text) {
  auto rule = parse_posix_rule(text);
  if (!rule) return fail(std::move(rule).error());
  TimeZone z;
  z.name_ = std::move(name);
  z.initial_offset_ = rule->standard_offset;
  z.rule_ = *rule;
  return z;
}

core::Expected<TimeZone, std::string> TimeZone::from_tzif(std::string name, std::string_view bytes) {
  if (bytes.size() > kMaxTzifBytes) return fail(std::string("TZif: larger than 256 KiB"));
  Bytes in(bytes);
  auto header = read_header(in);
  if (!header) return fail(std::move(header).error());
  std::uint64_t time_size = 4;
  if (header->version != '\0') {
    // Version 2 and later repeat the data with 64-bit times after the version 1 block: skip it.
    const std::uint64_t skip = block_size(*header, 4);
    std::string_view ignored;
    if (skip > in.left() || !in.take(static_cast<std::size_t>(skip), ignored))
      return fail(std::string("TZif: truncated version 1 data"));
    header = read_header(in);
    if (!header) return fail(std::move(header).error());
    time_size = 8;
  }
  const Header& h = *header;
  const std::uint64_t size = block_size(h, time_size);
  std::string_view data;
  if (size > in.left() || !in.take(static_cast<std::size_t>(size), data)) return fail(std::string("TZif: truncated data"));

  TimeZone z;
  z.name_ = std::move(name);
  const std::size_t types_at = h.timecnt * (time_size + 1);
  std::vector<std::int32_t> type_offsets(h.typecnt);
  for (std::size_t k = 0; k < h.typecnt; ++k) {
    const auto utoff = static_cast<std::int32_t>(be32(data, types_at + 6 * k));
    if (!plausible_offset(utoff)) return fail("TZif: UTC offset " + std::to_string(utoff) + " s is out of range");
    type_offsets[k] = utoff;
  }
  z.initial_offset_ = type_offsets[0];  // RFC 8536: type 0 holds before the first transition
  z.transitions_.reserve(h.timecnt);
  z.offsets_after_.reserve(h.timecnt);
  for (std::size_t k = 0; k < h.timecnt; ++k) {
    const std::int64_t at = time_size == 8 ? be64(data, 8 * k) : static_cast<std::int32_t>(be32(data, 4 * k));
    if (!z.transitions_.empty() && at <= z.transitions_.back())
      return fail(std::string("TZif: transition times are not ascending"));
    const auto type = static_cast<unsigned char>(data[h.timecnt * time_size + k]);
    if (type >= h.typecnt) return fail(std::string("TZif: a transition names a type that does not exist"));
    z.transitions_.push_back(at);
    z.offsets_after_.push_back(type_offsets[type]);
  }

  if (time_size == 8) {
    // The footer (RFC 8536 §3.3): "\n<POSIX TZ string>\n"; empty means no rule after the last transition.
    const std::string_view footer = in.rest();
    if (footer.size() < 2 || footer.front() != '\n') return fail(std::string("TZif: malformed footer"));
    const auto end = footer.find('\n', 1);
    if (end == std::string_view::npos) return fail(std::string("TZif: unterminated footer"));
    const std::string_view text = footer.substr(1, end - 1);
    if (!text.empty()) {
      auto rule = parse_posix_rule(text);
      if (!rule) return fail("TZif footer: " + std::move(rule).error());
      if (!plausible_offset(rule->standard_offset) ||
          (rule->daylight_offset && !plausible_offset(*rule->daylight_offset)))
        return fail(std::string("TZif footer: an offset out of range"));
      z.rule_ = *rule;
    }
  }
  return z;
}

std::optional<TimeZone::Seconds> TimeZone::table_offset_after(SysSeconds t) const {
  const std::int64_t s = t.time_since_epoch().count();
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), s);
  if (it == transitions_.begin()) return std::nullopt;
  return Seconds{offsets_after_[static_cast<std::size_t>(it - transitions_.begin() - 1)]};
}

TimeZone::Seconds TimeZone::rule_offset_at(SysSeconds t) const {
  if (!rule_->daylight_offset) return Seconds{rule_->standard_offset};
  const std::int64_t s = clamp_time(t.time_since_epoch().count());
  const std::int64_t year = year_of(s);
  Seconds offset{rule_->standard_offset};
  for (const auto& c : rule_changes(*rule_, year - 1, year + 1)) {
    if (c.at.time_since_epoch().count() > s) break;
    offset = c.offset;
  }
  return offset;
}

TimeZone::Seconds TimeZone::offset_at(SysSeconds t) const {
  if (rule_ && (transitions_.empty() || t.time_since_epoch().count() >= transitions_.back())) return rule_offset_at(t);
  if (auto after = table_offset_after(t)) return *after;
  return Seconds{initial_offset_};
}

std::vector<TimeZone::Change> TimeZone::changes(SysSeconds a, SysSeconds b) const {
  const std::int64_t lo = clamp_time(a.time_since_epoch().count());
  const std::int64_t hi = clamp_time(b.time_since_epoch().count());
  std::vector<Change> raw;
  for (auto it = std::upper_bound(transitions_.begin(), transitions_.end(), lo);
       it != transitions_.end() && *it <= hi; ++it) {
    raw.push_back({SysSeconds{Seconds{*it}}, Seconds{offsets_after_[static_cast<std::size_t>(it - transitions_.begin())]}});
  }
  if (rule_ && rule_->daylight_offset) {
    const std::int64_t last = transitions_.empty() ? std::numeric_limits<std::int64_t>::min() : transitions_.back();
    if (hi > last) {
      const std::int64_t from = std::max(lo, last);
      for (const auto& c : rule_changes(*rule_, year_of(from) - 1, year_of(hi) + 1)) {
        const std::int64_t at = c.at.time_since_epoch().count();
        if (at > from && at <= hi) raw.push_back(c);
      }
    }
  }
  // Only real changes: tables also record changes of abbreviation or of the DST flag alone.
  std::vector<Change> out;
  Seconds current = offset_at(SysSeconds{Seconds{lo}});
  for (const auto& c : raw) {
    if (c.offset == current) continue;
    out.push_back(c);
    current = c.offset;
  }
  return out;
}

TimeZone::SysSeconds TimeZone::first_reaching(LocalSeconds wall) const {
  const std::int64_t w = clamp_time(wall.time_since_epoch().count());
  // The answer t has t + offset(t) >= w with the offset within ±26 h, so it lies in w ± 26 h.
  // Walk the periods of constant offset there in order; the first that reaches w holds it.
  const std::int64_t lo = w - kWindow, hi = w + kWindow;
  std::int64_t begin = lo;
  std::int64_t offset = offset_at(SysSeconds{Seconds{lo}}).count();
  auto reach = [&](std::int64_t end) -> std::optional<std::int64_t> {
    const std::int64_t candidate = std::max(begin, w - offset);
    if (candidate < end) return candidate;
    return std::nullopt;
  };
  for (const auto& c : changes(SysSeconds{Seconds{lo}}, SysSeconds{Seconds{hi}})) {
    if (auto t = reach(c.at.time_since_epoch().count())) return SysSeconds{Seconds{*t}};
    begin = c.at.time_since_epoch().count();
    offset = c.offset.count();
  }
  return SysSeconds{Seconds{std::max(begin, w - offset)}};  // the last period runs past hi
}

TimeZone::LocalSeconds TimeZone::latest_shown(SysSeconds t) const {
  const std::int64_t s = clamp_time(t.time_since_epoch().count());
  const std::int64_t lo = s - 2 * kWindow;
  std::int64_t best = s + offset_at(SysSeconds{Seconds{s}}).count();
  std::int64_t offset = offset_at(SysSeconds{Seconds{lo}}).count();
  for (const auto& c : changes(SysSeconds{Seconds{lo}}, SysSeconds{Seconds{s}})) {
    best = std::max(best, c.at.time_since_epoch().count() - 1 + offset);  // the last second before the change
    offset = c.offset.count();
  }
  return LocalSeconds{Seconds{best}};
}

}  // namespace faasgate::cron
