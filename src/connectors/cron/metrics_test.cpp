#include "faasgate/cron_connector/metrics.hpp"

#include <gtest/gtest.h>

#include "faasgate/cron_connector/fields.hpp"

namespace faasgate::cron_connector {
namespace {

using namespace std::chrono_literals;

TEST(Metrics, RendersThePrometheusText) {
  Metrics m;
  m.set_scheduled(2);
  m.track({"nodeinfo", "dev"});
  m.track({"slow", "dev"});
  m.fired({"gone", "dev"});  // not tracked: unscheduled while its fire ran
  m.fired({"nodeinfo", "dev"});
  m.fired({"nodeinfo", "dev"});
  m.failed({"nodeinfo", "dev"});
  m.skipped({"slow", "dev"});
  m.lateness(3ms);
  m.lateness(40ms);
  m.lateness(-1ms);  // a clock step: counted as on time
  m.discovery_failed();
  const auto text = m.render();
  for (const auto* expected : {
           "# TYPE cron_connector_scheduled_functions gauge\ncron_connector_scheduled_functions 2\n",
           "cron_connector_fires_total{function=\"nodeinfo.dev\"} 2\n",
           "cron_connector_failures_total{function=\"nodeinfo.dev\"} 1\n",
           "cron_connector_skipped_total{function=\"slow.dev\"} 1\n",
           "cron_connector_skipped_total{function=\"nodeinfo.dev\"} 0\n",
           "# TYPE cron_connector_lateness_seconds histogram\n",
           "cron_connector_lateness_seconds_bucket{le=\"0.005\"} 2\n",
           "cron_connector_lateness_seconds_bucket{le=\"0.05\"} 3\n",
           "cron_connector_lateness_seconds_bucket{le=\"+Inf\"} 3\n",
           "cron_connector_lateness_seconds_sum 0.043\n",
           "cron_connector_lateness_seconds_count 3\n",
           "cron_connector_discovery_failures_total 1\n",
       })
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\nin\n" << text;
  EXPECT_EQ(text.find("gone.dev"), std::string::npos);
  m.forget({"slow", "dev"});
  m.skipped({"slow", "dev"});
  EXPECT_EQ(m.render().find("slow.dev"), std::string::npos);
}

TEST(Fields, JsonAfterTheMessageAsTheWriteUpShowsIt) {
  EXPECT_EQ(line("Added", Fields().add("function", "nodeinfo.dev").add("schedule", "* * * * *")),
            "Added\t{\"function\": \"nodeinfo.dev\", \"schedule\": \"* * * * *\"}");
  EXPECT_EQ(Fields().add("status", 200).add("bytes", 109).add("duration", "10ms").json(),
            R"({"status": 200, "bytes": 109, "duration": "10ms"})");
  // A value cannot break the line.
  EXPECT_EQ(Fields().add("schedule", "x\"\n}").json(), R"({"schedule": "x\"\n}"})");
}

TEST(Fields, Durations) {
  EXPECT_EQ(format_duration(10ms), "10ms");
  EXPECT_EQ(format_duration(10500us), "10ms");
  EXPECT_EQ(format_duration(250us), "250µs");
  EXPECT_EQ(format_duration(1500ms), "1.5s");
  EXPECT_EQ(format_duration(30s), "30s");
  EXPECT_EQ(format_duration(125s), "2m5s");
}

}  // namespace
}  // namespace faasgate::cron_connector
