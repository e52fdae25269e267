#include "faasgate/cron_connector/metrics.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "faasgate/cron_connector/fields.hpp"
#include "faasgate/cron_connector/metrics_server.hpp"

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

// One request over a plain socket, the whole answer back (the server closes after it).
std::string http_get(const std::string& url, const std::string& request) {
  const auto port_start = url.rfind(':') + 1;
  const int port = std::stoi(url.substr(port_start, url.find('/', port_start) - port_start));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

TEST(MetricsServer, ServesMetricsOnAPortTheSystemPicksAndNothingElse) {
  Metrics m;
  m.set_scheduled(7);
  auto server = MetricsServer::start("127.0.0.1:0", [&m] { return m.render(); });
  ASSERT_TRUE(server) << server.error();
  const auto url = (*server)->url();
  EXPECT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
  EXPECT_TRUE(url.ends_with("/metrics")) << url;
  auto ok = http_get(url, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200 OK\r\n")) << ok;
  EXPECT_NE(ok.find("text/plain; version=0.0.4"), std::string::npos) << ok;
  EXPECT_NE(ok.find("cron_connector_scheduled_functions 7\n"), std::string::npos) << ok;
  EXPECT_TRUE(http_get(url, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 404"));
  EXPECT_TRUE(http_get(url, "POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 404"));
  // A head larger than 8 KiB gets no answer, only a closed connection.
  EXPECT_EQ(http_get(url, "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n"), "");
  EXPECT_FALSE(MetricsServer::start("127.0.0.1:99999", [] { return std::string(); }).has_value());
  EXPECT_FALSE(MetricsServer::start("localhost", [] { return std::string(); }).has_value());
  EXPECT_FALSE(MetricsServer::start("host.example:80", [] { return std::string(); }).has_value());
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
