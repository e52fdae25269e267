// RemoteInvoker against a scripted provider on 127.0.0.1: what it forwards, what passes back,
// and a provider that is down.
#include "faasgate/provider_api/remote_invoker.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "faasgate/http_client/fake_http_client.hpp"
#include "test_server.hpp"

namespace faasgate::provider_api {
namespace {

using testing::ScriptedProvider;
namespace http = server::http;

ProviderConfig config_for(const boost::asio::ip::tcp::endpoint& endpoint) {
  ProviderConfig c;
  c.address = *parse_provider_url("http://127.0.0.1:" + std::to_string(endpoint.port()));
  c.endpoint = endpoint;
  c.user = "admin";
  c.password = core::Secret("provider-password");
  c.invoke_timeout = std::chrono::seconds(5);
  return c;
}

invoke::Invocation call_of(std::string path, std::string query = {}) {
  invoke::Invocation call;
  call.name = "figlet";
  call.namespace_ = "openfaas-fn";
  call.path = std::move(path);
  call.query = std::move(query);
  call.call_id = "call-1";
  call.forwarded_for = "192.0.2.7";
  call.request.method(http::verb::post);
  call.request.target("/function/figlet" + call.path);
  call.request.set(http::field::host, "gateway.example:8080");
  call.request.set(http::field::authorization, "Bearer the-callers-own");
  call.request.set(http::field::connection, "close");
  call.request.body() = "hello";
  call.request.prepare_payload();
  return call;
}

struct Harness {
  explicit Harness(const boost::asio::ip::tcp::endpoint& endpoint) : platform(http, config_for(endpoint), clock) {}
  // Until the answer is in: pooled connections keep the loop busy (their deadlines' sweeper).
  server::Response invoke(invoke::Invocation call) {
    auto done = boost::asio::co_spawn(io, invoker.invoke(io.get_executor(), std::move(call)), boost::asio::use_future);
    while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (io.stopped()) io.restart();
      io.run_one_for(std::chrono::milliseconds(50));
    }
    return done.get();
  }
  boost::asio::io_context io;  // outlives the pool's connections
  http_client::FakeHttpClient http;
  core::SystemClock clock;
  RemotePlatform platform;
  invoke::UpstreamPool pool{4, 1 << 20, std::chrono::milliseconds(500)};
  std::vector<std::pair<std::string, unsigned>> observed;
  RemoteInvoker invoker{platform, pool, [this](const std::string& ns, const std::string& name, unsigned status, double) {
                          observed.emplace_back(name + "." + ns, status);
                        }};
};

TEST(RemoteInvoker, ForwardsTheCallAsUpstreamsGatewayDoes) {
  ScriptedProvider provider([](auto& socket, const std::string&) {
    ScriptedProvider::write(socket, "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-Fn: yes\r\nContent-Length: 2\r\n\r\nok");
  });
  Harness h(provider.endpoint());
  auto answer = h.invoke(call_of("/a%20b/c", "x=1&y=2"));
  EXPECT_EQ(answer.result(), http::status::created);
  EXPECT_EQ(answer.body(), "ok");
  EXPECT_EQ(answer["X-Fn"], "yes");
  EXPECT_EQ(answer["X-Call-Id"], "call-1");
  EXPECT_FALSE(answer["X-Duration-Seconds"].empty());
  const auto request = provider.requests().at(0);
  EXPECT_EQ(request.rfind("POST /function/figlet.openfaas-fn/a%20b/c?x=1&y=2 HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("X-Forwarded-For: 192.0.2.7\r\n"), std::string::npos);
  EXPECT_NE(request.find("X-Forwarded-Host: gateway.example:8080\r\n"), std::string::npos);
  EXPECT_NE(request.find("Host: 127.0.0.1:"), std::string::npos);
  EXPECT_NE(request.find("Authorization: Bearer the-callers-own\r\n"), std::string::npos);  // the caller's, as sent
  EXPECT_EQ(request.find("Basic "), std::string::npos);  // never the gateway's own credentials
  EXPECT_EQ(request.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(request.ends_with("\r\n\r\nhello"));
  EXPECT_EQ(h.observed, (std::vector<std::pair<std::string, unsigned>>{{"figlet.openfaas-fn", 201}}));
}

TEST(RemoteInvoker, KeepsForwardedHeadersTheCallerSent) {
  ScriptedProvider provider([](auto& socket, const std::string&) {
    ScriptedProvider::write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  });
  Harness h(provider.endpoint());
  auto call = call_of("/");
  call.request.set("X-Forwarded-For", "203.0.113.9");
  call.request.set("X-Forwarded-Host", "public.example");
  h.invoke(std::move(call));
  const auto request = provider.requests().at(0);
  EXPECT_NE(request.find("X-Forwarded-For: 203.0.113.9\r\n"), std::string::npos);
  EXPECT_NE(request.find("X-Forwarded-Host: public.example\r\n"), std::string::npos);
}

TEST(RemoteInvoker, TheProvidersOwnAnswersPassThroughAndRedirectsAreNotFollowed) {
  ScriptedProvider provider([](auto& socket, const std::string& request) {
    if (request.find("/function/figlet.openfaas-fn/moved") != std::string::npos) {
      ScriptedProvider::write(socket, "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    ScriptedProvider::write(socket,
                            "HTTP/1.1 503 Service Unavailable\r\nX-OpenFaaS-Internal: proxy\r\nContent-Type: text/plain; "
                            "charset=utf-8\r\nContent-Length: 36\r\n\r\nNo endpoints available for: figlet.\n");
  }, 2);
  Harness h(provider.endpoint());
  auto none = h.invoke(call_of("/"));
  EXPECT_EQ(none.result(), http::status::service_unavailable);
  EXPECT_EQ(none["X-OpenFaaS-Internal"], "proxy");
  EXPECT_EQ(none.body(), "No endpoints available for: figlet.\n");
  auto moved = h.invoke(call_of("/moved"));
  EXPECT_EQ(moved.result(), http::status::found);
  EXPECT_EQ(moved[http::field::location], "http://169.254.169.254/");
  EXPECT_EQ(h.observed.size(), 1u);  // the provider's 503 is not a call the function answered
}

TEST(RemoteInvoker, DotSegmentsAreRefusedBeforeTheProviderSeesThem) {
  ScriptedProvider provider([](auto&, const std::string&) {}, 0);
  Harness h(provider.endpoint());
  for (const char* path : {"/../../system/functions", "/%2e%2e/system/info", "/a/./b"}) {
    auto answer = h.invoke(call_of(path));
    EXPECT_EQ(answer.result(), http::status::bad_request) << path;
  }
}

TEST(RemoteInvoker, AProviderThatIsDownIs502AtOnce) {
  boost::asio::ip::tcp::endpoint endpoint;
  {
    ScriptedProvider gone([](auto&, const std::string&) {}, 0);
    endpoint = gone.endpoint();
  }
  Harness h(endpoint);
  auto answer = h.invoke(call_of("/"));
  EXPECT_EQ(answer.result(), http::status::bad_gateway);
  EXPECT_NE(answer.body().find("cannot reach the functions provider at 127.0.0.1:"), std::string::npos);
  EXPECT_EQ(answer.body().find("provider-password"), std::string::npos);
  EXPECT_EQ(answer["X-Call-Id"], "call-1");
  EXPECT_EQ(answer["X-OpenFaaS-Internal"], "gateway");
  EXPECT_TRUE(h.observed.empty());
}

TEST(RemoteInvoker, ExistsAsksTheProvider) {
  http_client::FakeHttpClient http;
  core::SystemClock clock;
  auto config = config_for(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 8081));
  RemotePlatform platform(http, config, clock);
  invoke::UpstreamPool pool;
  RemoteInvoker invoker(platform, pool);
  http.set("http://127.0.0.1:8081/system/function/figlet?namespace=openfaas-fn", R"({"name":"figlet"})");
  EXPECT_TRUE(invoker.exists("openfaas-fn", "figlet"));
  EXPECT_FALSE(invoker.exists("openfaas-fn", "ghost"));  // the fake answers 404
  http.set_error("http://127.0.0.1:8081/system/function/maybe?namespace=openfaas-fn", {http_client::Errc::timeout, ""});
  EXPECT_TRUE(invoker.exists("openfaas-fn", "maybe"));  // queued; it fails when it runs
}

}  // namespace
}  // namespace faasgate::provider_api
