// The provider's log stream, read from a scripted provider on 127.0.0.1: chunked NDJSON, lines
// skipped and counted, follow, the end of the stream, and the connection closed with the feed.
#include "log_stream.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "faasgate/http_client/fake_http_client.hpp"
#include "faasgate/provider_api/remote_platform.hpp"
#include "test_server.hpp"

namespace faasgate::provider_api {
namespace {

using testing::ScriptedProvider;
using Lines = std::vector<provider::LogLine>;

constexpr const char* kChunkedOk =
    "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(PROVIDER_TESTDATA) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

provider::LogQuery figlet_query() {
  provider::LogQuery q;
  q.name = "figlet";
  q.namespace_ = "openfaas-fn";
  return q;
}

ProviderConfig config_for(const ScriptedProvider& provider) {
  ProviderConfig c;
  c.address = *parse_provider_url("http://127.0.0.1:" + std::to_string(provider.endpoint().port()));
  c.endpoint = provider.endpoint();
  c.user = "admin";
  c.password = core::Secret("pw");
  c.max_log_line_bytes = 256;
  c.system_timeout = std::chrono::seconds(5);
  return c;
}

template <class F>
auto run(F body) {
  boost::asio::io_context io;
  auto done = boost::asio::co_spawn(io, body(io.get_executor()), boost::asio::use_future);
  io.run();
  return done.get();
}

// Every line until the feed ends (at most 50 waits).
boost::asio::awaitable<Lines> drain(platform::LogFeed& feed) {
  Lines all;
  for (int i = 0; i < 50; ++i) {
    auto batch = co_await feed.next(std::chrono::milliseconds(200));
    if (!batch) break;
    for (auto& l : *batch) all.push_back(std::move(l));
  }
  co_return all;
}

TEST(LogLine, ParsesWhatFaasNetesWrites) {
  const auto q = figlet_query();
  auto line = parse_log_line(
      R"({"name":"figlet","namespace":"openfaas-fn","instance":"figlet-1","timestamp":"2024-05-01T10:20:30.123456789Z","text":"hi\n"})", q);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->instance, "figlet-1");
  EXPECT_EQ(line->text, "hi");
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::nanoseconds>(line->timestamp.time_since_epoch()).count(),
            1714558830123456789LL);
  EXPECT_FALSE(parse_log_line("not json", q));
  EXPECT_FALSE(parse_log_line(R"({"name":"other","text":"x"})", q));  // another function's
  EXPECT_FALSE(parse_log_line(R"({"name":"figlet","namespace":"kube-system"})", q));
  EXPECT_FALSE(parse_log_line(R"({"name":"figlet","text":5})", q));
  EXPECT_FALSE(parse_log_line(R"({"name":"figlet","timestamp":"yesterday"})", q));
  EXPECT_TRUE(parse_log_line(R"({"text":"no name: the one asked for"})", q));
}

TEST(LogStream, ReadsChunkedNdjsonSkippingBadLines) {
  const std::string body = fixture("logs.ndjson") + R"({"name":"figlet","text":")" + std::string(1000, 'x') + "\"}\n" +
                           R"({"name":"figlet","text":"after the long one"})";  // no final newline
  ScriptedProvider provider([&](auto& socket, const std::string&) {
    ScriptedProvider::write(socket, kChunkedOk);
    // Lines split across chunks at awkward places.
    for (std::size_t at = 0; at < body.size(); at += 37) ScriptedProvider::write(socket, ScriptedProvider::chunk(body.substr(at, 37)));
    ScriptedProvider::write(socket, "0\r\n\r\n");
  });
  http_client::FakeHttpClient http;
  core::SystemClock clock;
  RemotePlatform platform(http, config_for(provider), clock);
  auto q = figlet_query();
  q.tail = 10;
  q.instance = "figlet-6d8f7b9c5-x2x9k";
  auto lines = run([&](auto executor) -> boost::asio::awaitable<Lines> {
    auto feed = co_await platform.open_logs(executor, q, false);
    if (!feed) co_return Lines{};
    co_return co_await drain(**feed);
  });
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].text, "Forking fprocess.");
  EXPECT_EQ(lines[1].text, "Wrote 42 Bytes - Duration: 0.002s");
  EXPECT_EQ(lines[2].text, "after the long one");
  const auto request = provider.requests().at(0);
  EXPECT_EQ(request.rfind("GET /system/logs?name=figlet&namespace=openfaas-fn&instance=figlet-6d8f7b9c5-x2x9k&tail=10 HTTP/1.1\r\n", 0), 0u)
      << request;
  EXPECT_NE(request.find("Authorization: Basic YWRtaW46cHc=\r\n"), std::string::npos);
}

TEST(LogStream, FollowDeliversLinesWrittenLaterAndClosesWithTheFeed) {
  std::promise<void> second;
  auto second_wanted = second.get_future();
  std::promise<bool> closed;
  auto closed_seen = closed.get_future();
  ScriptedProvider provider([&](auto& socket, const std::string&) {
    ScriptedProvider::write(socket, kChunkedOk);
    ScriptedProvider::write(socket, ScriptedProvider::chunk(R"({"name":"figlet","text":"first"})" "\n"));
    second_wanted.wait_for(std::chrono::seconds(10));
    ScriptedProvider::write(socket, ScriptedProvider::chunk(R"({"name":"figlet","text":"second"})" "\n"));
    closed.set_value(ScriptedProvider::wait_for_close(socket));
  });
  http_client::FakeHttpClient http;
  core::SystemClock clock;
  RemotePlatform platform(http, config_for(provider), clock);
  auto texts = run([&](auto executor) -> boost::asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> out;
    bool asked = false;
    auto feed = co_await platform.open_logs(executor, figlet_query(), true);
    if (!feed) co_return out;
    for (int i = 0; i < 50 && out.size() < 2; ++i) {
      auto batch = co_await (*feed)->next(std::chrono::milliseconds(100));
      if (!batch) break;
      if (batch->empty() && !out.empty() && !asked) {  // an idle wait ends with an empty batch
        second.set_value();
        asked = true;
      }
      for (auto& l : *batch) out.push_back(l.text);
    }
    co_return out;
  });
  EXPECT_EQ(texts, (std::vector<std::string>{"first", "second"}));
  EXPECT_NE(provider.requests().at(0).find("follow=true"), std::string::npos);
  ASSERT_EQ(closed_seen.wait_for(std::chrono::seconds(15)), std::future_status::ready);
  EXPECT_TRUE(closed_seen.get());  // the feed was destroyed: the connection closed
}

TEST(LogStream, TheProvidersRefusalPassesThrough) {
  ScriptedProvider provider([](auto& socket, const std::string&) {
    ScriptedProvider::write(socket,
                            "HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: text/plain; charset=utf-8\r\n"
                            "Content-Length: 32\r\n\r\ncould not parse the log request\n");
  });
  http_client::FakeHttpClient http;
  core::SystemClock clock;
  RemotePlatform platform(http, config_for(provider), clock);
  auto error = run([&](auto executor) -> boost::asio::awaitable<platform::Error> {
    auto feed = co_await platform.open_logs(executor, figlet_query(), false);
    co_return feed ? platform::Error{} : feed.error();
  });
  EXPECT_EQ(error.status, 422u);
  EXPECT_EQ(error.message, "could not parse the log request");
}

TEST(LogStream, AProviderThatIsDownIsUnavailable) {
  ProviderConfig c;
  {
    ScriptedProvider gone([](auto&, const std::string&) {}, 0);
    c = config_for(gone);
  }  // closed: nothing listens on its port now
  http_client::FakeHttpClient http;
  core::SystemClock clock;
  RemotePlatform platform(http, c, clock);
  auto error = run([&](auto executor) -> boost::asio::awaitable<platform::Error> {
    auto feed = co_await platform.open_logs(executor, figlet_query(), true);
    co_return feed ? platform::Error{} : feed.error();
  });
  EXPECT_EQ(error.code, platform::Errc::unavailable);
  EXPECT_NE(error.message.find("cannot reach the functions provider at 127.0.0.1:"), std::string::npos);
}

}  // namespace
}  // namespace faasgate::provider_api
