// The gateway's own route table, walked: every route states its guard, no route is open that is
// not meant to be, every IAM route names an action that exists and a scope, the admin's routes
// name none IAM could grant, and every route whose resource comes from the request can read it.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <set>

#include "faasgate/api/gateway.hpp"
#include "faasgate/iam/action.hpp"
#include "faasgate/invoke/fake_invoker.hpp"
#include "faasgate/platform/local_platform.hpp"
#include "faasgate/provider/fake_provider.hpp"
#include "faasgate/queue/memory_queue.hpp"
#include "faasgate/store/memory_store.hpp"

namespace faasgate::api {
namespace {

class RouteTableTest : public ::testing::Test {
 protected:
  RouteTableTest() {
    gateway_ = std::make_unique<Gateway>(
        GatewayOptions{"http://127.0.0.1:8080"},
        GatewayServices{state_, exchange_, auth_, *platform_, invoker_, queue_, nullptr, metrics_, blocking_, clock_, nullptr});
  }
  ~RouteTableTest() override {
    gateway_.reset();
    blocking_.join();
  }

  boost::asio::thread_pool blocking_{1};
  store::MemoryStore store_;
  queue::MemoryQueue queue_;
  provider::FakeProvider provider_;
  std::unique_ptr<platform::LocalPlatform> platform_ = std::make_unique<platform::LocalPlatform>(store_, provider_);
  Metrics metrics_;
  invoke::FakeInvoker invoker_;
  StateHolder state_;
  oauth::TokenExchange exchange_{"http://127.0.0.1:8080"};
  access::Authenticator auth_{core::Secret("pw"), "http://127.0.0.1:8080"};
  core::SystemClock clock_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(RouteTableTest, EveryRouteIsGuardedAsItMustBe) {
  const std::set<std::string> open = {"/healthz", "/oauth/token", "/.well-known/openid-configuration",
                                      "/.well-known/jwks.json"};
  std::set<std::string> seen_open;
  for (const auto& route : gateway_->router().routes()) {
    SCOPED_TRACE(std::string(http::to_string(route.method)) + " " + route.pattern);
    switch (route.guard) {
      case Guard::unset: ADD_FAILURE() << "no guard"; break;
      case Guard::public_route:
        EXPECT_TRUE(open.count(route.pattern)) << "open, and not meant to be";
        seen_open.insert(route.pattern);
        break;
      case Guard::function_token:
        EXPECT_EQ(route.action, "Function:Invoke");
        EXPECT_TRUE(route.pattern.starts_with("/function/") || route.pattern.starts_with("/async-function/"));
        break;
      case Guard::admin:
        EXPECT_TRUE(route.pattern.starts_with("/system/")) << "the REST API lives under /system";
        EXPECT_TRUE(route.action.empty() || !iam::action_from_name(route.action)) << "no IAM grant may reach an admin route";
        break;
      case Guard::iam:
        EXPECT_TRUE(route.pattern.starts_with("/system/")) << "the REST API lives under /system";
        EXPECT_TRUE(iam::action_from_name(route.action).has_value()) << "unknown action " << route.action;
        EXPECT_NE(route.scope, Scope::none);
        if (route.scope == Scope::request || route.scope == Scope::one_namespace) {
          EXPECT_TRUE(static_cast<bool>(route.resource)) << "its resource cannot be read";
        }
        break;
    }
  }
  EXPECT_EQ(seen_open, open);
  // Metrics name every function of every namespace: never on the API's listener.
  for (const auto& route : gateway_->router().routes()) EXPECT_NE(route.pattern, "/metrics");
}

// `faasgate provider`: the upstream provider API is for the gateway in front of it, which holds
// the basic-auth credentials; only /healthz and the functions are open, nothing mints or
// exchanges a token, and there is no async route to fill.
TEST_F(RouteTableTest, TheProviderApiIsTheAdminsButForTheFunctions) {
  GatewayOptions options{"http://127.0.0.1:8081", true};
  Gateway provider(options, GatewayServices{state_, exchange_, auth_, *platform_, invoker_, queue_, nullptr, metrics_,
                                            blocking_, clock_, nullptr});
  std::set<std::string> system_patterns;
  for (const auto& route : gateway_->router().routes())
    if (route.guard == Guard::iam) system_patterns.insert(std::string(http::to_string(route.method)) + " " + route.pattern);
  std::set<std::string> provider_system;
  for (const auto& route : provider.router().routes()) {
    SCOPED_TRACE(std::string(http::to_string(route.method)) + " " + route.pattern);
    if (route.pattern.starts_with("/system/")) {
      EXPECT_EQ(route.guard, Guard::admin);
      provider_system.insert(std::string(http::to_string(route.method)) + " " + route.pattern);
    } else {
      EXPECT_EQ(route.guard, Guard::public_route);
      EXPECT_TRUE(route.pattern == "/healthz" || route.pattern == "/function/{name}/{rest*}");
    }
  }
  EXPECT_EQ(provider_system, system_patterns) << "the provider serves the gateway's /system API, and no more";
}

TEST(Router, RefusesARouteWithoutAGuardOrAnAction) {
  Router r;
  auto none = [](Call&) -> asio::awaitable<Reply> { co_return Reply{}; };
  EXPECT_THROW(r.add({http::verb::get, "/x", Guard::unset, "", none}), std::logic_error);
  Route forgot;  // a route whose guard was never said
  forgot.method = http::verb::get;
  forgot.pattern = "/y";
  forgot.handler = none;
  EXPECT_THROW(r.add(forgot), std::logic_error);
  EXPECT_THROW(r.add({http::verb::get, "/system/z", Guard::iam, "", none}), std::logic_error);
  EXPECT_THROW(r.add({http::verb::get, "/system/z", Guard::iam, "Function:List", none}), std::logic_error);  // no scope
  EXPECT_THROW(r.add({http::verb::get, "/system/z", Guard::iam, "Function:Get", none, Scope::request}),
               std::logic_error);  // its resource cannot be read
  EXPECT_THROW(r.add({http::verb::get, "/function/{name}", Guard::function_token, "", none}), std::logic_error);
  EXPECT_NO_THROW(r.add({http::verb::get, "/ok", Guard::public_route, "", none}));
}

}  // namespace
}  // namespace faasgate::api
