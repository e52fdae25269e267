#include "faasgate/iam/explain.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

#include "faasgate/iam/loader.hpp"

namespace faasgate::iam {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using test_support::dump;
using test_support::engine_from;
using test_support::k8s_token;
using test_support::role_yaml;
using test_support::seed_engine;
const auto& policy = test_support::policy_yaml;

const RoleExplanation* role(const Explanation& e, std::string_view name) {
  for (const auto& r : e.roles)
    if (r.name == name) return &r;
  return nullptr;
}

TEST(Explain, SeedCronConnectorAllowedInDev) {
  auto e = seed_engine();
  const auto claims = k8s_token("openfaas", "cron-connector");
  const auto x = explain(*e, claims, Action::function_list, Resource::namespace_of("dev"));
  EXPECT_TRUE(x.allowed);
  EXPECT_EQ(x.token, Explanation::TokenKind::subject);
  EXPECT_EQ(x.resource, "dev:*");
  const auto* cron = role(x, "cron-connector");
  ASSERT_NE(cron, nullptr);
  EXPECT_TRUE(cron->matched);
  ASSERT_EQ(cron->tests.size(), 2u);  // principal jwt:sub, then StringEqual jwt:iss
  EXPECT_EQ(cron->tests[0].kind, TestExplanation::Kind::principal);
  EXPECT_TRUE(cron->tests[0].held);
  EXPECT_THAT(cron->tests[0].why, HasSubstr("jwt:sub = \"system:serviceaccount:openfaas:cron-connector\" in"));
  EXPECT_EQ(cron->tests[1].op, "StringEqual");
  EXPECT_THAT(cron->tests[1].why, HasSubstr("StringEqual jwt:iss held"));
  const auto* app = role(x, "my-app");
  ASSERT_NE(app, nullptr);
  EXPECT_FALSE(app->matched);
  EXPECT_FALSE(app->tests[0].held);
  EXPECT_THAT(app->tests[0].why, HasSubstr("not in [\"system:serviceaccount:openfaas:my-app\"]"));
  EXPECT_THAT(x.policies, ElementsAre("cron-connector"));
  EXPECT_THAT(x.missing_policies, IsEmpty());
  ASSERT_TRUE(x.deciding.has_value());
  const auto& s = x.statements[*x.deciding];
  EXPECT_EQ(s.policy, "cron-connector");
  EXPECT_EQ(s.sid, "1-fn-r");
  EXPECT_EQ(s.effect, Effect::allow);

  const auto j = to_json(x);
  EXPECT_EQ(j.at("decision"), "allow");
  EXPECT_EQ(j.at("token"), "subject");
  EXPECT_EQ(j.at("decided_by").at("sid"), "1-fn-r");
  EXPECT_EQ(j.at("decided_by").at("policy"), "cron-connector");
  const auto text = to_text(x);
  EXPECT_THAT(text, HasSubstr("ALLOW: Function:List on dev:*"));
  EXPECT_THAT(text, HasSubstr("+ cron-connector"));
  EXPECT_THAT(text, HasSubstr("sid 1-fn-r"));
}

TEST(Explain, SeedCronConnectorDeniedInStaging) {
  auto e = seed_engine();
  const auto claims = k8s_token("openfaas", "cron-connector");
  const auto x = explain(*e, claims, Action::function_list, Resource::namespace_of("staging"));
  EXPECT_FALSE(x.allowed);
  EXPECT_FALSE(x.deciding.has_value());
  EXPECT_TRUE(role(x, "cron-connector")->matched);
  ASSERT_EQ(x.statements.size(), 1u);
  EXPECT_EQ(x.statements[0].sid, "1-fn-r");
  EXPECT_TRUE(x.statements[0].action_matched);
  EXPECT_FALSE(x.statements[0].resource_matched);
  const auto j = to_json(x);
  EXPECT_EQ(j.at("decision"), "deny");
  EXPECT_TRUE(j.at("decided_by").is_null());
  EXPECT_THAT(std::string(j.at("reason").as_string()), HasSubstr("implicit deny"));
}

TEST(Explain, SeedMyAppNamesMissingPolicy) {
  auto e = seed_engine();
  const auto claims = k8s_token("openfaas", "my-app");
  const auto x = explain(*e, claims, Action::function_get, Resource::function("dev", "x"));
  EXPECT_FALSE(x.allowed);
  EXPECT_TRUE(role(x, "my-app")->matched);
  EXPECT_THAT(x.policies, IsEmpty());
  EXPECT_THAT(x.missing_policies, ElementsAre("fn-rw"));
}

TEST(Explain, OtherIssuerFailsTheRoleCondition) {
  auto e = seed_engine();
  auto claims = k8s_token("openfaas", "cron-connector");
  claims["iss"] = "https://evil.example.com";
  const auto x = explain(*e, claims, Action::function_list, Resource::namespace_of("dev"));
  EXPECT_FALSE(x.allowed);
  const auto* cron = role(x, "cron-connector");
  EXPECT_FALSE(cron->matched);
  EXPECT_TRUE(cron->tests[0].held);
  EXPECT_FALSE(cron->tests[1].held);
  EXPECT_THAT(cron->tests[1].why, HasSubstr("StringEqual jwt:iss failed: claim \"https://evil.example.com\""));
  EXPECT_THAT(x.notes, ::testing::Contains(HasSubstr("no Role matched")));
}

constexpr std::string_view kDenyOverWildcard =
    "  - {sid: everything, effect: Allow, action: [\"*\"], resource: [\"*\"]}\n"
    "  - {sid: no-prod-deletes, effect: Deny, action: [Function:Delete], resource: [\"prod:*\"]}\n";

TEST(Explain, DenyBeatsWildcardAllowAndIsNamed) {
  auto e = engine_from(policy("admin", kDenyOverWildcard) +
                       role_yaml("ops", "  policy: [admin]\n  principal: {jwt:sub: [alice]}\n"));
  ASSERT_TRUE(e);
  const boost::json::object claims{{"sub", "alice"}, {"iss", "https://idp"}};
  auto x = explain(*e, claims, Action::function_delete, Resource::function("prod", "api"));
  EXPECT_FALSE(x.allowed);
  ASSERT_TRUE(x.deciding.has_value());
  EXPECT_EQ(x.statements[*x.deciding].sid, "no-prod-deletes");
  EXPECT_EQ(x.statements[*x.deciding].effect, Effect::deny);
  EXPECT_TRUE(x.statements[0].applied());  // the wildcard Allow applied, and lost
  const auto j = to_json(x);
  EXPECT_EQ(j.at("decided_by").at("effect"), "Deny");
  EXPECT_EQ(j.at("decided_by").at("sid"), "no-prod-deletes");
  EXPECT_THAT(std::string(j.at("reason").as_string()), HasSubstr("explicit deny"));

  x = explain(*e, claims, Action::function_delete, Resource::function("dev", "api"));
  EXPECT_TRUE(x.allowed);
  EXPECT_EQ(x.statements[*x.deciding].sid, "everything");
}

TEST(Explain, AccessTokenUsesItsPolicyClaim) {
  auto e = engine_from(policy("admin", kDenyOverWildcard) + policy("reader",
                       "  - {sid: r, effect: Allow, action: [Function:Get], resource: [\"dev:*\"]}\n") +
                       role_yaml("ops", "  policy: [admin]\n  principal: {jwt:sub: [alice]}\n"));
  ASSERT_TRUE(e);
  // sub would match "ops", but an access token's own policy claim is what counts.
  const auto claims = boost::json::parse(R"({"sub":"alice","iss":"https://gw","policy":["reader","gone"]})").as_object();
  const auto x = explain(*e, claims, Action::function_get, Resource::function("dev", "api"));
  EXPECT_EQ(x.token, Explanation::TokenKind::access);
  EXPECT_TRUE(x.roles.empty());
  EXPECT_THAT(x.policies, ElementsAre("reader"));
  EXPECT_THAT(x.missing_policies, ElementsAre("gone"));
  EXPECT_TRUE(x.allowed);
  EXPECT_EQ(x.statements[*x.deciding].sid, "r");
  EXPECT_EQ(to_json(x).at("token"), "access");
  EXPECT_THAT(to_text(x), HasSubstr("access token"));
  EXPECT_FALSE(explain(*e, claims, Action::function_delete, Resource::function("dev", "api")).allowed);
}

TEST(Explain, StatementConditionsAreExplained) {
  auto e = engine_from(policy("p",
                              "  - sid: ns-only\n    effect: Allow\n    action: [Function:Get]\n    resource: [\"*\"]\n"
                              "    condition: {StringEqual: {\"jwt:kubernetes.io/namespace\": [dev]}}\n") +
                       role_yaml("r", "  policy: [p]\n  principal: {jwt:sub: [alice]}\n"));
  ASSERT_TRUE(e);
  boost::json::object claims{{"sub", "alice"}, {"policy", boost::json::array{"p"}}};
  claims["kubernetes.io"] = boost::json::object{{"namespace", "prod"}};
  auto x = explain(*e, claims, Action::function_get, Resource::function("dev", "f"));
  EXPECT_FALSE(x.allowed);
  ASSERT_EQ(x.statements.size(), 1u);
  EXPECT_TRUE(x.statements[0].action_matched);
  EXPECT_TRUE(x.statements[0].resource_matched);
  EXPECT_FALSE(x.statements[0].condition_held);
  ASSERT_EQ(x.statements[0].condition.size(), 1u);
  EXPECT_THAT(x.statements[0].condition[0].why,
              HasSubstr("StringEqual jwt:kubernetes.io/namespace failed: claim \"prod\""));
  claims["kubernetes.io"].as_object()["namespace"] = "dev";
  x = explain(*e, claims, Action::function_get, Resource::function("dev", "f"));
  EXPECT_TRUE(x.allowed);
  EXPECT_TRUE(x.statements[0].condition[0].held);
}

// Statement conditions mean one thing whichever token is explained, and the same on API calls:
// jwt:sub is the original subject ("alice"), never the gateway's "fed:alice".
TEST(Explain, StatementConditionsSeeTheOriginalSubjectForEitherToken) {
  auto e = engine_from(policy("p",
                              "  - sid: alice\n    effect: Allow\n    action: [Function:Get]\n    resource: [\"*\"]\n"
                              "    condition: {StringEqual: {\"jwt:sub\": [alice], \"jwt:iss\": [\"https://idp\"]}}\n"
                              "  - sid: gw-name\n    effect: Allow\n    action: [Function:List]\n    resource: [\"*\"]\n"
                              "    condition: {StringEqual: {\"jwt:sub\": [\"fed:alice\"]}}\n") +
                       role_yaml("r", "  policy: [p]\n  principal: {jwt:sub: [alice]}\n"));
  ASSERT_TRUE(e);
  const boost::json::object subject{{"iss", "https://idp"}, {"sub", "alice"}};
  const boost::json::object minted{{"iss", "https://gw"}, {"sub", "fed:alice"}, {"fed:iss", "https://idp"},
                                   {"policy", boost::json::array{"p"}}};
  for (const auto* claims : {&subject, &minted}) {
    auto x = explain(*e, *claims, Action::function_get, Resource::function("dev", "f"));
    EXPECT_TRUE(x.allowed) << to_text(x);
    EXPECT_TRUE(x.notes.empty()) << to_text(x);
    EXPECT_FALSE(explain(*e, *claims, Action::function_list, Resource::function("dev", "f")).allowed);
  }
  // Other claims may still be given for statement conditions to see.
  const boost::json::object other{{"sub", "fed:alice"}};
  auto x = explain(*e, subject, Action::function_list, Resource::function("dev", "f"), ExplainOptions{&other});
  EXPECT_TRUE(x.allowed);
  EXPECT_EQ(x.token, Explanation::TokenKind::subject);  // decided by the subject claims' roles
}

// The explanation never decides differently from Engine::decide, and names the same statement.
TEST(Explain, AgreesWithDecide) {
  auto e = engine_from(
      policy("a", "  - {sid: a1, effect: Allow, action: [Function:Read], resource: [\"dev:*\", \"prod:api-*\"]}\n"
                  "  - {sid: a2, effect: Deny, action: [Function:Logs], resource: [\"prod:*\"]}\n"
                  "  - {sid: a3, effect: Allow, action: [\"Namespace:*\"], resource: [\"*\"]}\n") +
      policy("b", "  - {sid: b1, effect: Allow, action: [Function:Get, Function:Delete], resource: [\"*:x\"]}\n"
                  "  - {sid: b2, effect: Deny, action: [\"*\"], resource: [\"staging:*\"]}\n") +
      role_yaml("ra", "  policy: [a]\n  principal: {jwt:sub: [u]}\n") +
      role_yaml("rb", "  policy: [b]\n  condition: {StringLike: {jwt:iss: [\"https://*\"]}}\n"));
  ASSERT_TRUE(e);
  const boost::json::object claims{{"sub", "u"}, {"iss", "https://idp"}};
  const std::vector<std::string> names = e->match_roles(claims).policies;
  const std::vector<Resource> resources = {Resource::cluster(),
                                           Resource::namespace_of("dev"),
                                           Resource::namespace_of("staging"),
                                           Resource::function("dev", "x"),
                                           Resource::function("prod", "api-1"),
                                           Resource::function("prod", "x"),
                                           Resource::function("staging", "x")};
  for (auto action : all_actions()) {
    for (const auto& r : resources) {
      const auto d = e->decide(names, claims, action, r);
      const auto x = explain(*e, claims, action, r);
      SCOPED_TRACE(std::string(name(action)) + " " + resource_text(r));
      EXPECT_EQ(x.allowed, d.allowed);
      EXPECT_THAT(x.notes, IsEmpty());
      if (d.implicit_deny()) {
        EXPECT_FALSE(x.deciding.has_value());
      } else {
        ASSERT_TRUE(x.deciding.has_value());
        EXPECT_EQ(x.statements[*x.deciding].policy, d.policy);
        EXPECT_EQ(x.statements[*x.deciding].sid, d.sid);
      }
    }
  }
}

TEST(Explain, LongClaimsAreCut) {
  auto e = seed_engine();
  auto claims = k8s_token("openfaas", "cron-connector");
  claims["sub"] = std::string(10'000, 'a');
  const auto x = explain(*e, claims, Action::function_list, Resource::namespace_of("dev"));
  const auto* cron = role(x, "cron-connector");
  ASSERT_TRUE(cron->tests[0].claim.has_value());
  EXPECT_LT(cron->tests[0].claim->size(), 300u);
}

}  // namespace
}  // namespace faasgate::iam
