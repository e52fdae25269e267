#include "faasgate/iam/glob.hpp"

#include <gtest/gtest.h>

#include "faasgate/iam/action.hpp"
#include "faasgate/iam/resource.hpp"

namespace faasgate::iam {
namespace {

TEST(Glob, LiteralIsAnchored) {
  Glob g("dev");
  EXPECT_TRUE(g.matches("dev"));
  EXPECT_FALSE(g.matches("dev2"));
  EXPECT_FALSE(g.matches("xdev"));
  EXPECT_FALSE(g.matches(""));
}

TEST(Glob, Stars) {
  EXPECT_TRUE(Glob("*").matches(""));
  EXPECT_TRUE(Glob("*").matches("anything"));
  EXPECT_TRUE(Glob("api-*").matches("api-"));
  EXPECT_TRUE(Glob("api-*").matches("api-x"));
  EXPECT_FALSE(Glob("api-*").matches("xapi-x"));
  EXPECT_TRUE(Glob("*-api").matches("a-api"));
  EXPECT_FALSE(Glob("*-api").matches("a-api2"));
  EXPECT_TRUE(Glob("a*b*c").matches("abc"));
  EXPECT_TRUE(Glob("a*b*c").matches("axxbyyc"));
  EXPECT_FALSE(Glob("a*b*c").matches("axxbyy"));
  EXPECT_TRUE(Glob("a*b*c").matches("abcbc"));
  EXPECT_TRUE(Glob("**a").matches("ba"));
  EXPECT_TRUE(Glob("*a*").matches("bab"));
  EXPECT_FALSE(Glob("*a*").matches("bbb"));
}

TEST(Glob, QuestionMarkOnlyWhenAsked) {
  EXPECT_TRUE(Glob("a?c", true).matches("abc"));
  EXPECT_FALSE(Glob("a?c", true).matches("ac"));
  EXPECT_FALSE(Glob("a?c", true).matches("abbc"));
  EXPECT_TRUE(Glob("a?c*", true).matches("abcdef"));
  EXPECT_FALSE(Glob("a?c").matches("abc"));
  EXPECT_TRUE(Glob("a?c").matches("a?c"));
}

TEST(Actions, NamesRoundTripAndAreCaseSensitive) {
  for (Action a : all_actions()) EXPECT_EQ(action_from_name(name(a)), a);
  EXPECT_FALSE(action_from_name("function:list"));
  EXPECT_FALSE(action_from_name("Function:*"));
  EXPECT_FALSE(parse_action_pattern("function:list"));
  EXPECT_FALSE(parse_action_pattern("Function:Li*"));
  EXPECT_FALSE(parse_action_pattern("Function:"));
  EXPECT_FALSE(parse_action_pattern(""));
  EXPECT_FALSE(parse_action_pattern("Secret:Get"));
  EXPECT_FALSE(parse_action_pattern("System:List"));
}

TEST(Actions, WildcardsAndLegacyNames) {
  auto m = [](std::string_view p) { return *parse_action_pattern(p); };
  EXPECT_EQ(m("Function:List"), bit(Action::function_list));
  EXPECT_EQ(m("Function:Read"), bit(Action::function_list) | bit(Action::function_get) | bit(Action::function_logs));
  EXPECT_EQ(m("Function:Admin"), m("Function:*"));
  EXPECT_EQ(m("Secret:Read"), bit(Action::secret_list));
  EXPECT_EQ(m("Secret:Admin"), m("Secret:*"));
  EXPECT_EQ(m("Secret:*"), bit(Action::secret_list) | bit(Action::secret_create) | bit(Action::secret_update) |
                               bit(Action::secret_delete));
  EXPECT_EQ(m("System:*"), bit(Action::system_info));
  EXPECT_EQ(m("*"), m("Function:*") | m("Secret:*") | m("Namespace:*") | m("System:*"));
  EXPECT_EQ(m("Function:*") & bit(Action::secret_list), 0u);
  EXPECT_NE(m("Namespace:*") & bit(Action::namespace_list), 0u);
}

TEST(Resources, RequestParsing) {
  EXPECT_EQ(parse_request_resource("*")->level, Resource::Level::cluster);
  auto ns = parse_request_resource("dev:*");
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->level, Resource::Level::namespace_);
  EXPECT_EQ(ns->ns, "dev");
  auto fn = parse_request_resource("dev:env");
  ASSERT_TRUE(fn);
  EXPECT_EQ(fn->level, Resource::Level::function);
  EXPECT_EQ(fn->fn, "env");
  for (const char* bad : {"", "dev", ":", "dev:", ":fn", "d*v:fn", "dev:f*", "a:b:c", "dev:fn/x"})
    EXPECT_FALSE(parse_request_resource(bad)) << bad;
}

TEST(Resources, PatternValidation) {
  for (const char* good : {"*", "dev:*", "dev:fn", "dev:api-*", "*:*", "d*:x", "openfaas-fn:nodeinfo", "a.b:c_d"})
    EXPECT_TRUE(ResourcePattern::compile(good)) << good;
  for (const char* bad : {"", "dev", "dev:", ":fn", "a:b:c", "dev:fn name", "dev:fn/x", "dev:fn?", "**"})
    EXPECT_FALSE(ResourcePattern::compile(bad)) << bad;
}

TEST(Resources, AnchoredCovering) {
  auto p = [](std::string_view s) { return *ResourcePattern::compile(s); };
  const auto f = Resource::function;
  EXPECT_TRUE(p("dev:env").covers(f("dev", "env")));
  EXPECT_FALSE(p("dev:env").covers(f("dev", "env2")));
  EXPECT_FALSE(p("dev:env").covers(f("dev2", "env")));
  EXPECT_FALSE(p("dev:env").covers(f("xdev", "env")));
  EXPECT_FALSE(p("dev:env").covers(Resource::namespace_of("dev")));
  EXPECT_TRUE(p("dev:*").covers(f("dev", "anything")));
  EXPECT_TRUE(p("dev:*").covers(Resource::namespace_of("dev")));
  EXPECT_FALSE(p("dev:*").covers(Resource::namespace_of("dev2")));
  EXPECT_FALSE(p("dev:*").covers(Resource::cluster()));
  EXPECT_TRUE(p("dev:api-*").covers(f("dev", "api-users")));
  EXPECT_FALSE(p("dev:api-*").covers(f("dev", "web")));
  // A partial pattern does not cover the namespace level.
  EXPECT_FALSE(p("dev:api-*").covers(Resource::namespace_of("dev")));
  EXPECT_TRUE(p("d*:*").covers(Resource::namespace_of("dev")));
  EXPECT_TRUE(p("*").covers(Resource::cluster()));
  EXPECT_TRUE(p("*").covers(Resource::namespace_of("x")));
  EXPECT_TRUE(p("*").covers(f("x", "y")));
  // "*:*" is everything inside namespaces, not the cluster level.
  EXPECT_FALSE(p("*:*").covers(Resource::cluster()));
  EXPECT_TRUE(p("*:*").covers(Resource::namespace_of("x")));
}

}  // namespace
}  // namespace faasgate::iam
