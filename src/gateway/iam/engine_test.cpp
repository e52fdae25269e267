#include "faasgate/iam/engine.hpp"

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

#include "faasgate/iam/loader.hpp"

namespace faasgate::iam {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using test_support::dump;
using test_support::engine_from;
using test_support::k8s_token;
using test_support::seed_engine;
// Short names: the tests below build many manifests.
const auto& policy = test_support::policy_yaml;
const auto& role = test_support::role_yaml;

Resource fn(std::string_view ns, std::string_view f) { return Resource::function(ns, f); }
Resource ns(std::string_view n) { return Resource::namespace_of(n); }

TEST(RoleMatching, SeedRoles) {
  auto e = seed_engine();
  auto cron = e->match_roles(k8s_token("openfaas", "cron-connector"));
  EXPECT_THAT(cron.roles, ElementsAre("cron-connector"));
  EXPECT_THAT(cron.policies, ElementsAre("cron-connector"));
  EXPECT_THAT(cron.unresolved, IsEmpty());

  auto app = e->match_roles(k8s_token("openfaas", "my-app"));
  EXPECT_THAT(app.roles, ElementsAre("my-app"));
  EXPECT_THAT(app.policies, ElementsAre("fn-rw"));
  EXPECT_THAT(app.unresolved, ElementsAre("fn-rw"));  // named, but grants nothing until it exists

  EXPECT_TRUE(e->match_roles(k8s_token("dev", "cron-connector")).empty());  // other namespace's SA
  auto other_iss = k8s_token("openfaas", "cron-connector");
  other_iss["iss"] = "https://evil.example.com";
  EXPECT_TRUE(e->match_roles(other_iss).empty());  // the condition pins the issuer
  auto no_iss = k8s_token("openfaas", "cron-connector");
  no_iss.erase("iss");
  EXPECT_TRUE(e->match_roles(no_iss).empty());
  auto no_sub = k8s_token("openfaas", "cron-connector");
  no_sub.erase("sub");
  EXPECT_TRUE(e->match_roles(no_sub).empty());
}

TEST(RoleMatching, UnionOfPoliciesAndRolesWithoutPrincipal) {
  auto e = engine_from(
      role("a", "  policy: [p1, p2]\n  principal: {jwt:sub: [alice, bob]}\n") +
      role("b", "  policy: [p2, p3]\n  condition: {StringEqual: {\"jwt:kubernetes.io/namespace\": [dev]}}\n") +
      role("c", "  policy: [p4]\n  principal: {jwt:email: [alice@example.com]}\n") +
      role("d", "  policy: [p5]\n  principal: {jwt:sub: [alice]}\n  condition: {ForAnyValue:StringEqual: {jwt:groups: [admins]}}\n"));
  boost::json::object alice{{"sub", "alice"}, {"kubernetes.io", {{"namespace", "dev"}}}, {"email", "alice@example.com"}};
  auto m = e->match_roles(alice);
  EXPECT_THAT(m.roles, ElementsAre("a", "b", "c"));
  EXPECT_THAT(m.policies, ElementsAre("p1", "p2", "p3", "p4"));
  alice["groups"] = boost::json::array{"users", "admins"};
  EXPECT_THAT(e->match_roles(alice).roles, ElementsAre("a", "b", "c", "d"));
  boost::json::object bob{{"sub", "bob"}};
  EXPECT_THAT(e->match_roles(bob).roles, ElementsAre("a"));
  boost::json::object carol{{"sub", "carol"}, {"kubernetes.io", {{"namespace", "prod"}}}};
  EXPECT_TRUE(e->match_roles(carol).empty());
  // Principals are exact: no wildcard, no case folding, no prefix.
  EXPECT_TRUE(e->match_roles(boost::json::object{{"sub", "Alice"}}).empty());
  EXPECT_TRUE(e->match_roles(boost::json::object{{"sub", "alice2"}}).empty());
  EXPECT_TRUE(e->match_roles(boost::json::object{{"sub", "*"}}).empty());
}

TEST(RoleMatching, NumericSubComparesByJsonText) {
  auto e = engine_from(role("n", "  policy: [p]\n  principal: {jwt:sub: [\"12345\"]}\n"));
  EXPECT_THAT(e->match_roles(boost::json::object{{"sub", 12345}}).roles, ElementsAre("n"));
  EXPECT_THAT(e->match_roles(boost::json::object{{"sub", "12345"}}).roles, ElementsAre("n"));
}

constexpr std::string_view kAllowDev =
    "  - {sid: dev-all, effect: Allow, action: [\"Function:*\", \"Namespace:Get\"], resource: [\"dev:*\"]}\n";

TEST(Decide, ImplicitDenyAndUnknownPolicies) {
  auto e = engine_from(policy("dev", kAllowDev));
  boost::json::object c;
  const std::vector<std::string> none{};
  auto d = e->decide(none, c, Action::function_list, ns("dev"));
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.implicit_deny());
  EXPECT_TRUE(d.policy.empty());
  EXPECT_TRUE(d.sid.empty());
  const std::vector<std::string> ghost{"ghost", "also-missing"};
  EXPECT_TRUE(e->decide(ghost, c, Action::function_list, ns("dev")).implicit_deny());
  const std::vector<std::string> dev{"ghost", "dev"};
  d = e->decide(dev, c, Action::function_list, ns("dev"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.policy, "dev");
  EXPECT_EQ(d.sid, "dev-all");
  EXPECT_EQ(d.effect, Effect::allow);
  EXPECT_FALSE(e->decide(dev, c, Action::secret_list, ns("dev")).allowed);
  EXPECT_FALSE(e->decide(dev, c, Action::function_list, ns("staging")).allowed);
  EXPECT_FALSE(e->decide(dev, c, Action::system_info, Resource::cluster()).allowed);
}

TEST(Decide, DenyWinsOverEveryAllow) {
  auto e = engine_from(policy("admin", "  - {sid: all, effect: Allow, action: [\"*\"], resource: [\"*\"]}\n") +
                       policy("no-prod", "  - {sid: keep-out, effect: Deny, action: [\"Function:Delete\", \"Secret:*\"], resource: [\"prod:*\"]}\n") +
                       policy("mixed", "  - {sid: allow-db, effect: Allow, action: [\"Function:*\"], resource: [\"data:db\"]}\n"
                                       "  - {sid: deny-db, effect: Deny, action: [\"Function:Scale\"], resource: [\"data:db\"]}\n"));
  boost::json::object c;
  const std::vector<std::string> both{"admin", "no-prod"};
  auto d = e->decide(both, c, Action::function_delete, fn("prod", "api"));
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.implicit_deny());
  EXPECT_EQ(d.policy, "no-prod");
  EXPECT_EQ(d.sid, "keep-out");
  EXPECT_EQ(d.effect, Effect::deny);
  EXPECT_FALSE(e->decide(both, c, Action::secret_create, ns("prod")).allowed);
  EXPECT_TRUE(e->decide(both, c, Action::function_get, fn("prod", "api")).allowed);
  EXPECT_TRUE(e->decide(both, c, Action::function_delete, fn("dev", "api")).allowed);
  // The order of policies in the token does not matter.
  const std::vector<std::string> reversed{"no-prod", "admin"};
  EXPECT_EQ(e->decide(reversed, c, Action::function_delete, fn("prod", "api")).policy, "no-prod");
  // Deny and Allow within one policy.
  const std::vector<std::string> mixed{"mixed"};
  EXPECT_TRUE(e->decide(mixed, c, Action::function_update, fn("data", "db")).allowed);
  d = e->decide(mixed, c, Action::function_scale, fn("data", "db"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.sid, "deny-db");
}

TEST(Decide, LegacyActions) {
  auto e = engine_from(policy("ro", "  - {sid: r, effect: Allow, action: [Function:Read, Secret:Read], resource: [\"*\"]}\n") +
                       policy("fa", "  - {sid: a, effect: Allow, action: [Function:Admin], resource: [\"*\"]}\n") +
                       policy("sa", "  - {sid: s, effect: Allow, action: [Secret:Admin], resource: [\"*\"]}\n"));
  boost::json::object c;
  const std::vector<std::string> ro{"ro"}, fa{"fa"}, sa{"sa"};
  for (Action a : {Action::function_list, Action::function_get, Action::function_logs, Action::secret_list})
    EXPECT_TRUE(e->decide(ro, c, a, fn("dev", "x")).allowed) << name(a);
  for (Action a : {Action::function_create, Action::function_update, Action::function_delete, Action::function_scale,
                   Action::function_invoke, Action::secret_create, Action::namespace_list})
    EXPECT_FALSE(e->decide(ro, c, a, fn("dev", "x")).allowed) << name(a);
  for (Action a : all_actions()) {
    const bool is_fn = name(a).substr(0, 9) == "Function:";
    const bool is_secret = name(a).substr(0, 7) == "Secret:";
    EXPECT_EQ(e->decide(fa, c, a, fn("dev", "x")).allowed, is_fn) << name(a);
    EXPECT_EQ(e->decide(sa, c, a, fn("dev", "x")).allowed, is_secret) << name(a);
  }
}

TEST(Decide, WildcardActions) {
  auto e = engine_from(policy("ns", "  - {effect: Allow, action: [\"Namespace:*\"], resource: [\"*\"]}\n") +
                       policy("sys", "  - {effect: Allow, action: [\"System:*\"], resource: [\"*\"]}\n"));
  boost::json::object c;
  const std::vector<std::string> n{"ns"}, s{"sys"};
  EXPECT_TRUE(e->decide(n, c, Action::namespace_create, ns("x")).allowed);
  EXPECT_TRUE(e->decide(n, c, Action::namespace_list, Resource::cluster()).allowed);
  EXPECT_FALSE(e->decide(n, c, Action::function_list, ns("x")).allowed);
  EXPECT_TRUE(e->decide(s, c, Action::system_info, Resource::cluster()).allowed);
  EXPECT_FALSE(e->decide(s, c, Action::namespace_list, Resource::cluster()).allowed);
}

TEST(Decide, AnchoredResources) {
  auto e = engine_from(policy("env", "  - {sid: e, effect: Allow, action: [\"Function:*\"], resource: [\"dev:env\", \"dev:api-*\"]}\n"));
  boost::json::object c;
  const std::vector<std::string> p{"env"};
  EXPECT_TRUE(e->decide(p, c, Action::function_get, fn("dev", "env")).allowed);
  EXPECT_FALSE(e->decide(p, c, Action::function_get, fn("dev", "env2")).allowed);
  EXPECT_FALSE(e->decide(p, c, Action::function_get, fn("dev", "myenv")).allowed);
  EXPECT_FALSE(e->decide(p, c, Action::function_get, fn("dev2", "env")).allowed);
  EXPECT_FALSE(e->decide(p, c, Action::function_get, fn("de", "env")).allowed);
  EXPECT_TRUE(e->decide(p, c, Action::function_get, fn("dev", "api-users")).allowed);
  EXPECT_FALSE(e->decide(p, c, Action::function_get, fn("dev", "web-api-users")).allowed);
  // Neither statement resource covers the whole namespace.
  EXPECT_FALSE(e->decide(p, c, Action::function_list, ns("dev")).allowed);
  EXPECT_FALSE(e->decide(p, c, Action::function_list, Resource::cluster()).allowed);
}

TEST(Decide, StatementConditionsUseTheCallersClaims) {
  auto e = engine_from(policy("own-ns", "  - sid: own\n    effect: Allow\n    action: [\"Function:*\"]\n    resource: [\"*\"]\n"
                                        "    condition:\n      StringEqual: {\"jwt:kubernetes.io/namespace\": [dev]}\n"
                                        "  - sid: no-bots\n    effect: Deny\n    action: [\"Function:Delete\"]\n    resource: [\"*\"]\n"
                                        "    condition:\n      StringLike: {jwt:sub: [\"*:bot-*\"]}\n"));
  const std::vector<std::string> p{"own-ns"};
  EXPECT_TRUE(e->decide(p, k8s_token("dev", "ci"), Action::function_delete, fn("x", "y")).allowed);
  EXPECT_FALSE(e->decide(p, k8s_token("staging", "ci"), Action::function_delete, fn("x", "y")).allowed);
  auto d = e->decide(p, k8s_token("dev", "bot-1"), Action::function_delete, fn("x", "y"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.sid, "no-bots");
  EXPECT_TRUE(e->decide(p, k8s_token("dev", "bot-1"), Action::function_get, fn("x", "y")).allowed);
}

TEST(Decide, SubjectFromThePolicyClaim) {
  auto e = engine_from(policy("dev", kAllowDev));
  boost::json::object c{{"policy", boost::json::array{"nope", "dev"}}};
  EXPECT_TRUE(e->decide(e->subject(c), Action::function_get, fn("dev", "a")).allowed);
  c["policy"] = "dev";
  EXPECT_TRUE(e->decide(e->subject(c), Action::function_get, fn("dev", "a")).allowed);
  c["policy"] = 7;
  EXPECT_TRUE(e->decide(e->subject(c), Action::function_get, fn("dev", "a")).implicit_deny());
  c.erase("policy");
  EXPECT_TRUE(e->decide(e->subject(c), Action::function_get, fn("dev", "a")).implicit_deny());
  // A Subject belongs to the engine that made it.
  auto other = engine_from(policy("dev", kAllowDev));
  boost::json::object c2{{"policy", boost::json::array{"dev"}}};
  EXPECT_FALSE(other->decide(e->subject(c2), Action::function_get, fn("dev", "a")).allowed);
}

// The write-up's cron connector: Function:List + Namespace:List on dev:*.
TEST(CronConnector, SeesDevOnlyAndCannotWrite) {
  auto e = seed_engine();
  auto token = k8s_token("openfaas", "cron-connector");
  auto match = e->match_roles(token);
  ASSERT_THAT(match.policies, ElementsAre("cron-connector"));
  // The minted token carries the policy names; the gateway decides from them.
  boost::json::object access = token;
  access["policy"] = boost::json::array{"cron-connector"};
  const auto who = e->subject(access);

  // GET /system/namespaces: may list, filtered to dev.
  auto gate = e->may_list(who, Action::namespace_list);
  EXPECT_TRUE(gate.allowed);
  EXPECT_EQ(gate.policy, "cron-connector");
  EXPECT_EQ(gate.sid, "1-fn-r");
  EXPECT_FALSE(e->decide(who, Action::namespace_list, Resource::cluster()).allowed);  // not unfiltered
  std::vector<std::string> visible;
  for (const char* n : {"dev", "staging", "openfaas-fn", "dev2", "de"})
    if (e->namespace_visible(who, Action::namespace_list, n)) visible.push_back(n);
  EXPECT_THAT(visible, ElementsAre("dev"));

  // GET /system/functions?namespace=dev lists; staging is refused.
  EXPECT_TRUE(e->decide(who, Action::function_list, ns("dev")).allowed);
  EXPECT_TRUE(e->namespace_visible(who, Action::function_list, "dev"));
  EXPECT_FALSE(e->decide(who, Action::function_list, ns("staging")).allowed);
  EXPECT_FALSE(e->namespace_visible(who, Action::function_list, "staging"));
  EXPECT_TRUE(e->function_visible(who, Action::function_list, "dev", "nodeinfo"));
  EXPECT_FALSE(e->function_visible(who, Action::function_list, "staging", "nodeinfo"));

  // No writes, no reads beyond listing, nothing cluster-wide.
  for (Action a : all_actions()) {
    if (a == Action::function_list || a == Action::namespace_list) continue;
    for (const auto& r : {ns("dev"), fn("dev", "nodeinfo"), ns("staging"), fn("staging", "nodeinfo"), Resource::cluster()})
      EXPECT_FALSE(e->decide(who, a, r).allowed) << name(a);
    EXPECT_FALSE(e->may_list(who, a).allowed) << name(a);
  }
}

TEST(Visibility, PartialNamespacePatternsAndDenies) {
  auto e = engine_from(
      policy("api", "  - {effect: Allow, action: [\"Function:List\", \"Namespace:List\"], resource: [\"dev:api-*\", \"t*:*\"]}\n") +
      policy("deny-team2", "  - {effect: Deny, action: [\"Function:List\", \"Namespace:List\"], resource: [\"team2:*\"]}\n") +
      policy("deny-secret-fn", "  - {effect: Deny, action: [\"Function:List\"], resource: [\"dev:api-secret\"]}\n") +
      policy("deny-all-lists", "  - {sid: nope, effect: Deny, action: [\"Namespace:List\"], resource: [\"*\"]}\n"));
  boost::json::object c;
  const std::vector<std::string> names{"api", "deny-team2", "deny-secret-fn"};
  const auto who = e->subject(names, c);
  EXPECT_TRUE(e->namespace_visible(who, Action::namespace_list, "dev"));    // something in dev is named
  EXPECT_FALSE(e->decide(who, Action::namespace_list, ns("dev")).allowed);  // but not the whole of dev
  EXPECT_TRUE(e->namespace_visible(who, Action::namespace_list, "team1"));
  EXPECT_FALSE(e->namespace_visible(who, Action::namespace_list, "team2"));  // denied as a whole
  EXPECT_FALSE(e->namespace_visible(who, Action::namespace_list, "prod"));
  EXPECT_TRUE(e->function_visible(who, Action::function_list, "dev", "api-users"));
  EXPECT_FALSE(e->function_visible(who, Action::function_list, "dev", "api-secret"));  // a partial deny hides one
  EXPECT_TRUE(e->namespace_visible(who, Action::function_list, "dev"));                // but not the namespace
  EXPECT_FALSE(e->function_visible(who, Action::function_list, "dev", "web"));
  EXPECT_FALSE(e->function_visible(who, Action::function_list, "team2", "x"));
  EXPECT_TRUE(e->function_visible(who, Action::function_list, "team1", "x"));
  EXPECT_FALSE(e->namespace_visible(who, Action::secret_list, "team1"));  // other action
  EXPECT_TRUE(e->may_list(who, Action::namespace_list).allowed);
  EXPECT_TRUE(e->may_list(who, Action::function_list).allowed);
  EXPECT_TRUE(e->may_list(who, Action::secret_list).implicit_deny());

  const std::vector<std::string> with_deny{"api", "deny-all-lists"};
  const auto denied = e->subject(with_deny, c);
  auto gate = e->may_list(denied, Action::namespace_list);
  EXPECT_FALSE(gate.allowed);
  EXPECT_EQ(gate.sid, "nope");
  EXPECT_FALSE(e->namespace_visible(denied, Action::namespace_list, "team1"));
  EXPECT_TRUE(e->namespace_visible(denied, Action::function_list, "team1"));
}

TEST(Compile, RejectsWhatTheLoaderWouldReject) {
  ObjectSet set;
  Policy p;
  p.meta = {"p", "openfaas", "api", 3};
  p.statement.push_back(Statement{"s", Effect::allow, {"Function:Lisst"}, {"dev:*"}, {}});
  set.policies.push_back(p);
  auto e = Engine::compile(set);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error()[0].code, IssueCode::unknown_action);
  EXPECT_EQ(e.error()[0].object, "Policy/p");
  EXPECT_EQ(e.error()[0].field, "spec.statement[0].action[0]");

  set.policies[0].statement[0].action = {"Function:List"};
  set.policies[0].statement[0].condition = {{"StringFoo", {{"jwt:sub", {"x"}}}}};
  e = Engine::compile(set);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error()[0].code, IssueCode::unknown_operator);
  EXPECT_EQ(e.error()[0].field, "spec.statement[0].condition.StringFoo");

  set.policies[0].statement[0].condition = {};
  set.policies[0].statement[0].resource = {"dev"};
  EXPECT_FALSE(Engine::compile(set).has_value());

  set.policies[0].statement[0].resource = {"dev:*"};
  Role r;
  r.meta = {"r", "openfaas", "api", 1};
  r.policy = {"p"};
  r.principal = {{"sub", {"x"}}};
  set.roles.push_back(r);
  e = Engine::compile(set);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error()[0].code, IssueCode::bad_condition_key);
  EXPECT_EQ(e.error()[0].field, "spec.principal.sub");

  set.roles[0].principal = {{"jwt:sub", {"x"}}};
  e = Engine::compile(set);
  ASSERT_TRUE(e.has_value()) << dump(e.error());
  EXPECT_EQ((*e)->policy_count(), 1u);
  EXPECT_EQ((*e)->role_count(), 1u);
  EXPECT_TRUE((*e)->has_policy("p"));
  EXPECT_FALSE((*e)->has_policy("q"));
}

}  // namespace
}  // namespace faasgate::iam
