#include "faasgate/cron_connector/scheduler.hpp"

#include <gtest/gtest.h>

#include "faasgate/cron/rfc3339.hpp"

namespace faasgate::cron_connector {
namespace {

using namespace std::chrono_literals;

std::chrono::sys_seconds at(std::string_view rfc3339) { return *cron::parse_rfc3339(rfc3339); }

ScheduleEntry entry(std::string name, std::string text, std::string ns = "dev") {
  ScheduleEntry e;
  e.key = {std::move(name), std::move(ns)};
  e.schedule_text = text;
  auto parsed = cron::parse_schedule(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  e.schedule = std::make_shared<const cron::Schedule>(std::move(*parsed));
  return e;
}

std::vector<std::string> fired(const DueFires& d) {
  std::vector<std::string> out;
  for (const auto& f : d.fires) out.push_back(f.entry.key.qualified() + "@" + cron::format_rfc3339(f.scheduled));
  return out;
}

TEST(Scheduler, FiresAtTheScheduledTimeAndNotBefore) {
  Scheduler s;
  const auto t0 = at("2026-03-01T10:00:30Z");
  s.add(entry("minutely", "* * * * *"), t0 + 250ms);
  EXPECT_EQ(s.next_fire(), at("2026-03-01T10:01:00Z"));
  EXPECT_TRUE(s.due(at("2026-03-01T10:00:59Z") + 999ms).fires.empty());
  auto d = s.due(at("2026-03-01T10:01:00Z") + 3ms);
  EXPECT_EQ(fired(d), std::vector<std::string>{"minutely.dev@2026-03-01T10:01:00Z"});
  EXPECT_EQ(s.next_fire(), at("2026-03-01T10:02:00Z"));
  // Handed out once: asking again at the same instant gives nothing.
  EXPECT_TRUE(s.due(at("2026-03-01T10:01:00Z") + 4ms).fires.empty());
}

TEST(Scheduler, AFireStillInFlightIsSkippedNotStartedTwice) {
  Scheduler s;
  const auto t0 = at("2026-03-01T10:00:00Z");
  s.add(entry("slow", "@every 1s"), t0);
  ASSERT_EQ(s.due(t0 + 1s).fires.size(), 1u);
  EXPECT_EQ(s.in_flight(), 1u);
  auto d = s.due(t0 + 2s);
  EXPECT_TRUE(d.fires.empty());
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(d.skipped.front().key.qualified(), "slow.dev");
  EXPECT_EQ(d.skipped.front().scheduled, t0 + 2s);
  s.finished({"slow", "dev"});
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(fired(s.due(t0 + 3s)), std::vector<std::string>{"slow.dev@2026-03-01T10:00:03Z"});
}

TEST(Scheduler, RemovedAndAddedAgainWhileInFlightIsStillNotStartedTwice) {
  Scheduler s;
  const auto t0 = at("2026-03-01T10:00:00Z");
  s.add(entry("f", "@every 1s"), t0);
  ASSERT_EQ(s.due(t0 + 1s).fires.size(), 1u);
  s.remove({"f", "dev"});
  s.add(entry("f", "@every 2s"), t0 + 1s);
  EXPECT_EQ(s.due(t0 + 3s).skipped.size(), 1u);
  s.finished({"f", "dev"});
  EXPECT_EQ(s.due(t0 + 5s).fires.size(), 1u);
}

TEST(Scheduler, AfterAnOutageMissedFiresAreNotReplayedInABurst) {
  Scheduler s;
  const auto t0 = at("2026-03-01T10:00:00Z");
  s.add(entry("minutely", "* * * * *"), t0);
  s.add(entry("fast", "@every 1s"), t0);
  // Nothing ran for 10 minutes (a stalled loop, a suspended machine): one fire each, the one
  // that was due first, and the next ones count from now.
  const auto back = t0 + 10min + 500ms;
  auto d = s.due(back);
  EXPECT_EQ(fired(d), (std::vector<std::string>{"fast.dev@2026-03-01T10:00:01Z", "minutely.dev@2026-03-01T10:01:00Z"}));
  s.finished({"minutely", "dev"});
  s.finished({"fast", "dev"});
  EXPECT_EQ(s.next_fire({"minutely", "dev"}), at("2026-03-01T10:11:00Z"));
  EXPECT_EQ(s.next_fire({"fast", "dev"}), at("2026-03-01T10:10:01Z"));
  EXPECT_TRUE(s.due(back + 1ms).fires.empty());
  EXPECT_EQ(fired(s.due(at("2026-03-01T10:10:01Z"))), std::vector<std::string>{"fast.dev@2026-03-01T10:10:01Z"});
}

TEST(Scheduler, LatenessIsNowMinusTheScheduledTime) {
  Scheduler s;
  const auto t0 = at("2026-03-01T10:00:00Z");
  s.add(entry("f", "@every 5s"), t0);
  const auto now = t0 + 5s + 40ms;
  auto d = s.due(now);
  ASSERT_EQ(d.fires.size(), 1u);
  EXPECT_EQ(now - d.fires.front().scheduled, 40ms);
  // A late fire does not move the schedule's phase: @every counts from the scheduled second.
  s.finished({"f", "dev"});
  EXPECT_EQ(s.next_fire({"f", "dev"}), t0 + 10s);
}

TEST(Scheduler, ApplyRemovesThenAddsAndUpdatesKeepTheirTiming) {
  Scheduler s;
  const auto t0 = at("2026-03-01T10:00:10Z");
  s.add(entry("keep", "@hourly"), t0);
  s.add(entry("change", "@hourly"), t0);
  ScheduleDiff d;
  d.removed = {entry("change", "@hourly")};
  d.added = {entry("change", "*/5 * * * *")};
  auto tokened = entry("keep", "@hourly");
  tokened.jwt_auth = true;
  d.updated = {tokened};
  s.apply(d, t0 + 1min);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.next_fire({"change", "dev"}), at("2026-03-01T10:05:00Z"));
  EXPECT_EQ(s.next_fire({"keep", "dev"}), at("2026-03-01T11:00:00Z"));
  auto due = s.due(at("2026-03-01T11:00:00Z"));
  ASSERT_EQ(due.fires.size(), 2u);
  for (const auto& f : due.fires) {
    if (f.entry.key.name == "keep") {
      EXPECT_TRUE(f.entry.jwt_auth);
    }
  }
}

TEST(Scheduler, AScheduleThatNeverFiresStaysQuiet) {
  Scheduler s;
  s.add(entry("never", "0 0 30 2 *"), at("2026-03-01T10:00:00Z"));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_FALSE(s.next_fire().has_value());
  EXPECT_TRUE(s.due(at("2036-03-01T10:00:00Z")).fires.empty());
}

TEST(Scheduler, TimeZonesComeFromTheSchedule) {
  Scheduler s;
  s.add(entry("berlin", "CRON_TZ=Europe/Berlin 0 9 * * *"), at("2026-07-01T00:00:00Z"));
  EXPECT_EQ(s.next_fire(), at("2026-07-01T07:00:00Z"));
}

}  // namespace
}  // namespace faasgate::cron_connector
