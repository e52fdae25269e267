#include "faasgate/cron/time_zone.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "civil.hpp"

namespace faasgate::cron {
namespace {

using namespace std::chrono_literals;
using std::chrono::local_seconds;
using std::chrono::sys_seconds;

// "YYYY-MM-DDTHH:MM:SSZ" as an instant.
sys_seconds at(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const std::string copy(text);
  EXPECT_EQ(std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &s), 6) << text;
  const auto days = civil::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return sys_seconds{std::chrono::seconds{days * 86400 + h * 3600 + mi * 60 + s}};
}
local_seconds local(std::string_view text) { return local_seconds{at(text).time_since_epoch()}; }

TimeZone posix(std::string_view rule) { return TimeZone::from_posix("Test/Zone", rule).value(); }

// --- POSIX rules -------------------------------------------------------------------------------

TEST(PosixRule, ParsesWhatTzifFootersWrite) {
  auto ny = parse_posix_rule("EST5EDT,M3.2.0,M11.1.0").value();
  EXPECT_EQ(ny.standard_offset, -5 * 3600);
  EXPECT_EQ(ny.daylight_offset, -4 * 3600);
  EXPECT_EQ(ny.start.month, 3);
  EXPECT_EQ(ny.start.week, 2);
  EXPECT_EQ(ny.start.day, 0);
  EXPECT_EQ(ny.start.time, 2 * 3600);
  EXPECT_EQ(ny.end.month, 11);

  auto berlin = parse_posix_rule("CET-1CEST,M3.5.0,M10.5.0/3").value();
  EXPECT_EQ(berlin.standard_offset, 3600);
  EXPECT_EQ(berlin.end.time, 3 * 3600);

  EXPECT_EQ(parse_posix_rule("<+0545>-5:45").value().standard_offset, 5 * 3600 + 45 * 60);
  EXPECT_FALSE(parse_posix_rule("<+0545>-5:45").value().daylight_offset.has_value());
  auto nuuk = parse_posix_rule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0").value();  // RFC 8536: negative hours
  EXPECT_EQ(nuuk.start.time, -3600);
  EXPECT_EQ(nuuk.end.time, 0);
  auto lord_howe = parse_posix_rule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0").value();
  EXPECT_EQ(*lord_howe.daylight_offset - lord_howe.standard_offset, 30 * 60);
  auto julian = parse_posix_rule("XXX3YYY,J60/167,300/-167:59:59").value();
  EXPECT_EQ(julian.start.kind, PosixRule::Date::Kind::julian_no_leap);
  EXPECT_EQ(julian.start.time, 167 * 3600);
  EXPECT_EQ(julian.end.kind, PosixRule::Date::Kind::zero_based_day);
  EXPECT_EQ(julian.end.time, -(167 * 3600 + 59 * 60 + 59));
  EXPECT_EQ(parse_posix_rule("UTC0").value().standard_offset, 0);
}

TEST(PosixRule, RefusesWhatIsNotARule) {
  for (const char* bad : {"", "E5", "EST", "EST5EDT", "EST5EDT,M3.2.0", "EST5EDT,M13.2.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0",
                          "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,J0,J365", "EST5EDT,366,J365", "EST5EDT,M3.2.0/168,M11.1.0",
                          "EST25", "EST5:60", "<AB>5", "<A*B>5", "EST5EDT,M3.2.0,M11.1.0x", "EST5 ", "5EST"}) {
    EXPECT_FALSE(parse_posix_rule(bad).has_value()) << bad;
  }
}

TEST(TimeZone, OffsetsFromARule) {
  const auto ny = posix("EST5EDT,M3.2.0,M11.1.0");
  EXPECT_EQ(ny.offset_at(at("2026-03-08T06:59:59Z")), -5h);
  EXPECT_EQ(ny.offset_at(at("2026-03-08T07:00:00Z")), -4h);
  EXPECT_EQ(ny.offset_at(at("2026-11-01T05:59:59Z")), -4h);
  EXPECT_EQ(ny.offset_at(at("2026-11-01T06:00:00Z")), -5h);
  const auto changes = ny.changes(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].at, at("2026-03-08T07:00:00Z"));
  EXPECT_EQ(changes[0].offset, -4h);
  EXPECT_EQ(changes[1].at, at("2026-11-01T06:00:00Z"));

  // Southern hemisphere: daylight saving spans the new year.
  const auto sydney = posix("AEST-10AEDT,M10.1.0,M4.1.0/3");
  EXPECT_EQ(sydney.offset_at(at("2026-01-15T00:00:00Z")), 11h);
  EXPECT_EQ(sydney.offset_at(at("2026-07-15T00:00:00Z")), 10h);
  // Negative daylight saving (Dublin's winter time is the "daylight" one in tzdata).
  const auto dublin = posix("IST-1GMT0,M10.5.0,M3.5.0/1");
  EXPECT_EQ(dublin.offset_at(at("2026-07-01T00:00:00Z")), 1h);
  EXPECT_EQ(dublin.offset_at(at("2026-01-01T00:00:00Z")), 0h);
  // Daylight saving all year: it ends Dec 31 at 24:00 + 1 h and starts again Jan 1 at 00:00.
  const auto always = posix("EST5EDT,0/0,J365/25");
  for (auto t : {"2026-01-01T04:59:59Z", "2026-01-01T05:00:00Z", "2026-06-01T00:00:00Z", "2026-12-31T23:59:59Z",
                 "2027-01-01T05:00:00Z"}) {
    EXPECT_EQ(always.offset_at(at(t)), -4h) << t;
  }
  // Julian days: J60 is March 1 in every year, 59 is Feb 29 in a leap year.
  EXPECT_EQ(posix("AAA0BBB-1,J60/0,J61/0").offset_at(at("2028-03-01T12:00:00Z")), 1h);
  EXPECT_EQ(posix("AAA0BBB-1,59/0,60/0").offset_at(at("2028-02-29T12:00:00Z")), 1h);
  EXPECT_EQ(posix("AAA0BBB-1,59/0,60/0").offset_at(at("2027-03-01T12:00:00Z")), 1h);
}

TEST(TimeZone, FirstReachingAndLatestShown) {
  const auto ny = posix("EST5EDT,M3.2.0,M11.1.0");
  // Shown once.
  EXPECT_EQ(ny.first_reaching(local("2026-03-08T01:59:00Z")), at("2026-03-08T06:59:00Z"));
  EXPECT_EQ(ny.first_reaching(local("2026-03-08T03:00:00Z")), at("2026-03-08T07:00:00Z"));
  // Never shown: the instant the clocks jump.
  EXPECT_EQ(ny.first_reaching(local("2026-03-08T02:00:00Z")), at("2026-03-08T07:00:00Z"));
  EXPECT_EQ(ny.first_reaching(local("2026-03-08T02:59:59Z")), at("2026-03-08T07:00:00Z"));
  // Shown twice: the first time.
  EXPECT_EQ(ny.first_reaching(local("2026-11-01T01:00:00Z")), at("2026-11-01T05:00:00Z"));
  EXPECT_EQ(ny.first_reaching(local("2026-11-01T01:59:59Z")), at("2026-11-01T05:59:59Z"));
  EXPECT_EQ(ny.first_reaching(local("2026-11-01T02:00:00Z")), at("2026-11-01T07:00:00Z"));

  EXPECT_EQ(ny.latest_shown(at("2026-11-01T05:30:00Z")), local("2026-11-01T01:30:00Z"));
  // In the second pass the clocks have already shown 01:59:59.
  EXPECT_EQ(ny.latest_shown(at("2026-11-01T06:00:00Z")), local("2026-11-01T01:59:59Z"));
  EXPECT_EQ(ny.latest_shown(at("2026-11-01T06:59:59Z")), local("2026-11-01T01:59:59Z"));
  EXPECT_EQ(ny.latest_shown(at("2026-11-01T07:00:00Z")), local("2026-11-01T02:00:00Z"));
  EXPECT_EQ(ny.latest_shown(at("2026-03-08T07:00:00Z")), local("2026-03-08T03:00:00Z"));
}

TEST(TimeZone, UtcIsUtc) {
  const auto utc = TimeZone::utc();
  EXPECT_EQ(utc->name(), "UTC");
  EXPECT_EQ(utc->offset_at(at("2026-03-08T07:00:00Z")), 0s);
  EXPECT_TRUE(utc->changes(at("1900-01-01T00:00:00Z"), at("2100-01-01T00:00:00Z")).empty());
  EXPECT_EQ(utc->first_reaching(local("2026-03-08T02:30:00Z")), at("2026-03-08T02:30:00Z"));
}

// --- TZif ------------------------------------------------------------------------------------

void put32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}
void put64(std::string& s, std::int64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) s += static_cast<char>((static_cast<std::uint64_t>(v) >> shift) & 0xff);
}

struct Tzif {
  char version = '2';
  std::vector<std::int64_t> times;
  std::vector<std::uint8_t> types_of;                // a type index per transition
  std::vector<std::int32_t> offsets = {0};           // one per type
  std::uint32_t leaps = 0;
  std::string footer;

  std::string block(bool wide) const {
    std::string s = "TZif";
    s += version;
    s += std::string(15, '\0');
    for (std::uint32_t n : {0u, 0u, leaps, static_cast<std::uint32_t>(times.size()),
                            static_cast<std::uint32_t>(offsets.size()), 4u})
      put32(s, n);
    for (auto t : times) wide ? put64(s, t) : put32(s, static_cast<std::uint32_t>(t));
    for (auto i : types_of) s += static_cast<char>(i);
    for (auto o : offsets) {
      put32(s, static_cast<std::uint32_t>(o));
      s += '\0';
      s += '\0';
    }
    s += std::string("ABC\0", 4);
    for (std::uint32_t i = 0; i < leaps; ++i) {
      wide ? put64(s, 0) : put32(s, 0);
      put32(s, 1);
    }
    return s;
  }
  std::string bytes() const {
    if (version == '\0') return block(false);
    return block(false) + block(true) + "\n" + footer + "\n";
  }
};

TEST(Tzif, ReadsTransitionsAndTheFooter) {
  Tzif f;
  f.times = {at("2000-01-01T00:00:00Z").time_since_epoch().count(), at("2010-01-01T00:00:00Z").time_since_epoch().count()};
  f.types_of = {1, 2};
  f.offsets = {-3600, 3600, 7200};
  f.footer = "<+03>-3";
  auto z = TimeZone::from_tzif("Test/Zone", f.bytes()).value();
  EXPECT_EQ(z.name(), "Test/Zone");
  EXPECT_EQ(z.offset_at(at("1999-12-31T23:59:59Z")), -1h);  // type 0 before the first transition
  EXPECT_EQ(z.offset_at(at("2000-01-01T00:00:00Z")), 1h);
  EXPECT_EQ(z.offset_at(at("2009-12-31T23:59:59Z")), 1h);
  // From the last transition on the footer rules.
  EXPECT_EQ(z.offset_at(at("2010-01-01T00:00:00Z")), 3h);
  EXPECT_EQ(z.offset_at(at("2050-01-01T00:00:00Z")), 3h);

  f.footer = "";  // no rule: the last type holds
  EXPECT_EQ(TimeZone::from_tzif("Z", f.bytes()).value().offset_at(at("2050-01-01T00:00:00Z")), 2h);
  f.version = '\0';  // version 1: 32-bit times, no footer
  EXPECT_EQ(TimeZone::from_tzif("Z", f.bytes()).value().offset_at(at("2005-01-01T00:00:00Z")), 1h);
}

TEST(Tzif, RefusesDamagedFiles) {
  Tzif good;
  good.times = {0, 1000};
  good.types_of = {0, 1};
  good.offsets = {0, 3600};
  good.footer = "AAA-1";
  const std::string bytes = good.bytes();
  ASSERT_TRUE(TimeZone::from_tzif("Z", bytes).has_value());
  // Every truncation is refused (a footer cut short too).
  for (std::size_t n = 0; n + 1 < bytes.size(); ++n) {
    EXPECT_FALSE(TimeZone::from_tzif("Z", bytes.substr(0, n)).has_value()) << n;
  }
  auto refused = [](const Tzif& f) { return !TimeZone::from_tzif("Z", f.bytes()).has_value(); };
  Tzif f = good;
  f.types_of = {0, 2};
  EXPECT_TRUE(refused(f)) << "a type that does not exist";
  f = good;
  f.times = {1000, 1000};
  EXPECT_TRUE(refused(f)) << "times not ascending";
  f = good;
  f.offsets = {0, 26 * 3600};
  EXPECT_TRUE(refused(f)) << "an offset of 26 h";
  f = good;
  f.leaps = 1;
  EXPECT_TRUE(refused(f)) << "leap seconds";
  f = good;
  f.footer = "not a rule";
  EXPECT_TRUE(refused(f)) << "a bad footer";
  f = good;
  f.offsets = {};
  f.times = {};
  f.types_of = {};
  EXPECT_TRUE(refused(f)) << "no types";
  EXPECT_FALSE(TimeZone::from_tzif("Z", "TZjf" + bytes.substr(4)).has_value());
  EXPECT_FALSE(TimeZone::from_tzif("Z", std::string(kMaxTzifBytes + 1, 'x')).has_value());
}

// The system's files, where this machine has them, against the rules their zones follow.
TEST(Tzif, SystemFilesAgreeWithTheirRules) {
  struct Case {
    const char* name;
    const char* rule;
    const char* from;  // since when the rule holds
  };
  for (const auto& c : {Case{"America/New_York", "EST5EDT,M3.2.0,M11.1.0", "2007-06-01T00:00:00Z"},
                        Case{"Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3", "1997-01-01T00:00:00Z"},
                        Case{"Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3", "2008-06-01T00:00:00Z"},
                        Case{"America/Havana", "CST5CDT,M3.2.0/0,M11.1.0/1", "2013-01-01T00:00:00Z"}}) {
    auto file = system_zones().locate(c.name);
    ASSERT_TRUE(file.has_value()) << c.name << ": " << file.error();
    const auto rule = posix(c.rule);
    const auto from = at(c.from), to = at("2100-01-01T00:00:00Z");
    const auto expected = rule.changes(from, to), actual = (*file)->changes(from, to);
    ASSERT_EQ(actual.size(), expected.size()) << c.name;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(actual[i].at, expected[i].at) << c.name << " change " << i;
      EXPECT_EQ(actual[i].offset, expected[i].offset) << c.name << " change " << i;
    }
  }
  // Before the rules: New York's war time, and its local mean time before 1883.
  auto ny = system_zones().locate("America/New_York").value();
  EXPECT_EQ(ny->offset_at(at("1943-01-01T00:00:00Z")), -4h);
  EXPECT_EQ(ny->offset_at(at("1880-01-01T00:00:00Z")), -(4h + 56min + 2s));
}

// --- zone names and sources --------------------------------------------------------------------

TEST(ZoneNames, OnlyNamesThatStayUnderTheZoneDirectory) {
  for (const char* good : {"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Etc/GMT-14",
                           "America/Port-au-Prince", "EST5EDT"}) {
    EXPECT_TRUE(valid_zone_name(good)) << good;
  }
  for (const char* bad : {"", "/etc/passwd", "../etc/passwd", "Europe/../../etc", "Europe//Berlin", "Europe/",
                          "./UTC", "Europe/.", "Europe/...", "Europe/Berlin\n", "Europe Berlin", "Europe\\Berlin",
                          "Zürich"}) {
    EXPECT_FALSE(valid_zone_name(bad)) << bad;
  }
  EXPECT_FALSE(valid_zone_name(std::string(65, 'a')));
  EXPECT_TRUE(valid_zone_name(std::string(64, 'a')));
}

class ScratchDir {
 public:
  ScratchDir() {
    char pattern[] = "/tmp/cron_test.XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(SystemZones, ReadsTzifFilesUnderItsDirectoryAndKeepsThem) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "Test");
  Tzif f;
  f.footer = "<+03>-3";
  std::ofstream(dir.path() / "Test" / "Zone", std::ios::binary) << f.bytes();
  std::ofstream(dir.path() / "Broken", std::ios::binary) << "not a TZif file";

  SystemZones zones(dir.path());
  auto zone = zones.locate("Test/Zone");
  ASSERT_TRUE(zone.has_value()) << zone.error();
  EXPECT_EQ((*zone)->name(), "Test/Zone");
  EXPECT_EQ((*zone)->offset_at(at("2026-01-01T00:00:00Z")), 3h);
  std::filesystem::remove(dir.path() / "Test" / "Zone");
  auto again = zones.locate("Test/Zone");  // kept: no second read
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->get(), zone->get());

  EXPECT_EQ(zones.locate("Test/Missing").error(), "unknown time zone \"Test/Missing\"");
  EXPECT_EQ(zones.locate("Test").error(), "unknown time zone \"Test\"");  // a directory
  EXPECT_EQ(zones.locate("Broken").error(), "time zone \"Broken\": not a TZif file");
  EXPECT_EQ(zones.locate("../x").error(), "\"../x\" is not a time zone name");
}

TEST(MemoryZones, HoldsWhatWasAdded) {
  MemoryZones zones;
  zones.add(std::make_shared<const TimeZone>(posix("CET-1CEST,M3.5.0,M10.5.0/3")));
  EXPECT_TRUE(zones.locate("Test/Zone").has_value());
  EXPECT_FALSE(zones.locate("Europe/Berlin").has_value());
}

}  // namespace
}  // namespace faasgate::cron
