#include "faasgate/cron_connector/schedule_set.hpp"

#include <gtest/gtest.h>

namespace faasgate::cron_connector {
namespace {

model::FunctionStatus function(std::string name, std::map<std::string, std::string> annotations) {
  model::FunctionStatus f;
  f.deployment.service = std::move(name);
  f.deployment.annotations = std::move(annotations);
  return f;
}

model::FunctionStatus cron_function(std::string name, std::string schedule) {
  return function(std::move(name), {{"topic", "cron-function"}, {"schedule", std::move(schedule)}});
}

ScheduleSet build(const std::vector<NamespaceFunctions>& listed) {
  return build_desired(listed, cron::system_zones()).entries;
}

std::vector<std::string> names(const std::vector<ScheduleEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.key.qualified());
  return out;
}

TEST(Topics, CronFunctionAmongCommaSeparatedTrimmedTopics) {
  EXPECT_TRUE(has_cron_topic("cron-function"));
  EXPECT_TRUE(has_cron_topic("kafka,cron-function"));
  EXPECT_TRUE(has_cron_topic(" nats , cron-function ,kafka"));
  EXPECT_TRUE(has_cron_topic("\tcron-function\n"));
  EXPECT_TRUE(has_cron_topic(",,cron-function,"));
  EXPECT_FALSE(has_cron_topic(""));
  EXPECT_FALSE(has_cron_topic("cron-functions"));
  EXPECT_FALSE(has_cron_topic("my-cron-function"));
  EXPECT_FALSE(has_cron_topic("cron-function-x,kafka"));
  EXPECT_FALSE(has_cron_topic("Cron-Function"));  // topics are exact, as the connector-sdk compares them
  EXPECT_FALSE(has_cron_topic("cron function"));
}

TEST(BuildDesired, KeepsCronFunctionsKeyedByTheNamespaceThatListedThem) {
  auto dev = cron_function("nodeinfo", "* * * * *");
  dev.deployment.namespace_ = "elsewhere";  // what the body claims does not decide where it is invoked
  auto set = build({{"dev", {dev, function("plain", {{"schedule", "* * * * *"}}),
                             function("kafka", {{"topic", "kafka"}, {"schedule", "* * * * *"}})}},
                    {"staging", {cron_function("nodeinfo", "@every 5s")}}});
  ASSERT_EQ(set.size(), 2u);
  const auto& a = set.at({"nodeinfo", "dev"});
  EXPECT_EQ(a.schedule_text, "* * * * *");
  EXPECT_TRUE(a.valid());
  EXPECT_FALSE(a.jwt_auth);
  EXPECT_EQ(set.at({"nodeinfo", "staging"}).schedule_text, "@every 5s");
}

TEST(BuildDesired, InvalidAndMissingSchedulesAreKeptAsInvalid) {
  auto set = build({{"dev", {cron_function("bad", "61 * * * *"), function("none", {{"topic", "cron-function"}})}}});
  ASSERT_EQ(set.size(), 2u);
  const auto& bad = set.at({"bad", "dev"});
  EXPECT_FALSE(bad.valid());
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->position, 0u);
  EXPECT_NE(bad.error->message.find("61"), std::string::npos) << bad.error->message;
  EXPECT_FALSE(set.at({"none", "dev"}).valid());
}

TEST(BuildDesired, JwtAuthOnlyWhenTheAnnotationIsTrue) {
  auto on = cron_function("on", "@hourly");
  on.deployment.annotations["com.openfaas.iam/jwt-auth"] = "true";
  auto off = cron_function("off", "@hourly");
  off.deployment.annotations["com.openfaas.iam/jwt-auth"] = "yes";
  auto set = build({{"dev", {on, off}}});
  EXPECT_TRUE(set.at({"on", "dev"}).jwt_auth);
  EXPECT_FALSE(set.at({"off", "dev"}).jwt_auth);
}

TEST(BuildDesired, NamesNoRouteAcceptsAreDroppedAndCounted) {
  auto d = build_desired({{"dev", {cron_function("a/b", "@hourly"), cron_function("ok", "@hourly")}},
                          {"bad ns", {cron_function("x", "@hourly")}}},
                         cron::system_zones());
  EXPECT_EQ(d.entries.size(), 1u);
  EXPECT_EQ(d.dropped, 2u);
}

TEST(BuildDesired, AtMostKMaxFunctions) {
  std::vector<model::FunctionStatus> many;
  for (std::size_t i = 0; i < kMaxFunctions + 5; ++i) many.push_back(cron_function("f" + std::to_string(i), "@daily"));
  auto d = build_desired({{"dev", many}}, cron::system_zones());
  EXPECT_EQ(d.entries.size(), kMaxFunctions);
  EXPECT_EQ(d.dropped, 5u);
}

TEST(Diff, AddedRemovedAndChangedAsRemovedPlusAdded) {
  auto current = build({{"dev", {cron_function("keep", "@hourly"), cron_function("change", "@hourly"),
                                 cron_function("gone", "@hourly")}}});
  auto desired = build({{"dev", {cron_function("keep", "@hourly"), cron_function("change", "@daily"),
                                 cron_function("new", "@hourly")}}});
  auto d = diff(current, desired);
  EXPECT_EQ(names(d.added), (std::vector<std::string>{"change.dev", "new.dev"}));
  EXPECT_EQ(names(d.removed), (std::vector<std::string>{"change.dev", "gone.dev"}));
  EXPECT_EQ(d.removed.front().schedule_text, "@hourly");  // what was removed, for its log line
  EXPECT_EQ(d.added.front().schedule_text, "@daily");
  EXPECT_TRUE(d.updated.empty());
  EXPECT_TRUE(d.newly_invalid.empty());
  EXPECT_TRUE(diff(desired, desired).empty());
}

TEST(Diff, TheSameFunctionInAnotherNamespaceIsAnotherEntry) {
  auto d = diff(build({{"dev", {cron_function("f", "@hourly")}}}), build({{"staging", {cron_function("f", "@hourly")}}}));
  EXPECT_EQ(names(d.removed), std::vector<std::string>{"f.dev"});
  EXPECT_EQ(names(d.added), std::vector<std::string>{"f.staging"});
}

TEST(Diff, AnInvalidScheduleIsNewOncePerChange) {
  const ScheduleSet empty;
  auto bad = build({{"dev", {cron_function("f", "not a schedule")}}});
  auto d = diff(empty, bad);
  EXPECT_EQ(names(d.newly_invalid), std::vector<std::string>{"f.dev"});
  EXPECT_TRUE(d.added.empty());
  // The same invalid text next round: nothing new to say.
  EXPECT_TRUE(diff(bad, bad).empty());
  // Another invalid text: said again.
  auto worse = build({{"dev", {cron_function("f", "99 * * * *")}}});
  EXPECT_EQ(names(diff(bad, worse).newly_invalid), std::vector<std::string>{"f.dev"});
  // Fixed: added; broken again: removed, and said again.
  auto good = build({{"dev", {cron_function("f", "@hourly")}}});
  auto fixed = diff(worse, good);
  EXPECT_EQ(names(fixed.added), std::vector<std::string>{"f.dev"});
  EXPECT_TRUE(fixed.removed.empty());
  auto broken = diff(good, bad);
  EXPECT_EQ(names(broken.removed), std::vector<std::string>{"f.dev"});
  EXPECT_EQ(names(broken.newly_invalid), std::vector<std::string>{"f.dev"});
  // An invalid function deleted: nothing to remove.
  EXPECT_TRUE(diff(bad, empty).empty());
}

TEST(Diff, JwtAuthAloneIsAnUpdate) {
  auto plain = build({{"dev", {cron_function("f", "@hourly")}}});
  auto tokened = cron_function("f", "@hourly");
  tokened.deployment.annotations["com.openfaas.iam/jwt-auth"] = "true";
  auto d = diff(plain, build({{"dev", {tokened}}}));
  EXPECT_TRUE(d.added.empty());
  EXPECT_TRUE(d.removed.empty());
  ASSERT_EQ(d.updated.size(), 1u);
  EXPECT_TRUE(d.updated.front().jwt_auth);
}

}  // namespace
}  // namespace faasgate::cron_connector
