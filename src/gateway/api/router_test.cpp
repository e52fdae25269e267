#include "faasgate/api/router.hpp"

#include <gtest/gtest.h>

namespace faasgate::api {
namespace {

RouteHandler none() {
  return [](Call&) -> asio::awaitable<Reply> { co_return Reply{}; };
}

Router table() {
  Router r;
  r.add({http::verb::get, "/system/functions", Guard::iam, "Function:List", none(), Scope::all_namespaces});
  r.add({http::verb::post, "/system/functions", Guard::iam, "Function:Create", none(), Scope::cluster});
  r.add({http::verb::get, "/system/function/{name}", Guard::iam, "Function:Get", none(), Scope::cluster});
  r.add({http::verb::unknown, "/function/{name}/{rest*}", Guard::public_route, "", none()});
  return r;
}

TEST(Router, MatchesLiteralAndParameterSegments) {
  auto r = table();
  auto m = r.match(http::verb::get, "/system/function/figlet");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->action, "Function:Get");
  EXPECT_EQ(m.params.at("name"), "figlet");
}

TEST(Router, WrongMethodIsKnownPath) {
  auto r = table();
  auto m = r.match(http::verb::delete_, "/system/function/figlet");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allowed, std::vector<http::verb>{http::verb::get});
}

TEST(Router, UnknownPath) {
  auto r = table();
  for (auto path : {"/system/function", "/system/function/", "/system/functions/x", "/", "/systemfunctions"}) {
    auto m = r.match(http::verb::get, path);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_FALSE(m.path_known) << path;
  }
}

TEST(Router, RestParameterTakesTheRemainderAndAnyMethod) {
  auto r = table();
  auto m = r.match(http::verb::patch, "/function/echo.dev/a/b");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("name"), "echo.dev");
  EXPECT_EQ(m.params.at("rest"), "a/b");
  m = r.match(http::verb::post, "/function/echo");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("rest"), "");
}

TEST(Router, TheFirstRouteAddedWinsWhetherItsFirstSegmentIsLiteralOrNot) {
  Router r;
  r.add({http::verb::get, "/{tenant}/status", Guard::public_route, "first", none()});
  r.add({http::verb::get, "/healthz/status", Guard::public_route, "second", none()});
  r.add({http::verb::post, "/healthz/status", Guard::public_route, "third", none()});
  r.add({http::verb::get, "/{tenant}/{rest*}", Guard::public_route, "fourth", none()});
  auto m = r.match(http::verb::get, "/healthz/status");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->action, "first");
  EXPECT_EQ(m.params.at("tenant"), "healthz");
  m = r.match(http::verb::post, "/healthz/status");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->action, "third");
  m = r.match(http::verb::get, "/acme/a/b");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->action, "fourth");
  EXPECT_EQ(m.params.at("rest"), "a/b");
  m = r.match(http::verb::put, "/healthz/status");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allowed, (std::vector<http::verb>{http::verb::get, http::verb::post}));
}

}  // namespace
}  // namespace faasgate::api
