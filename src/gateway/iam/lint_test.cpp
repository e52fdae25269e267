#include "faasgate/iam/lint.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "faasgate/iam/loader.hpp"
#include "test_support.hpp"

namespace faasgate::iam {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string dump(const std::vector<Finding>& findings) {
  std::string s;
  for (const auto& f : findings) s += f.to_string() + "\n";
  return s;
}

ObjectSet objects_from(std::string_view yaml) {
  auto loaded = load_yaml(yaml, "iam.yaml");
  EXPECT_TRUE(loaded.has_value());
  return loaded ? std::move(loaded->objects) : ObjectSet{};
}

using test_support::kManifestHead;
const auto& policy = test_support::policy_yaml;
const auto& role = test_support::role_yaml;
constexpr std::string_view kK8s = "https://kubernetes.default.svc.cluster.local";

std::string issuer(std::string_view name, std::string_view iss) {
  return std::string(kManifestHead) + "kind: JwtIssuer\nmetadata: {name: " + std::string(name) +
         ", namespace: openfaas}\nspec:\n  iss: " + std::string(iss) + "\n  aud: [https://gw]\n---\n";
}

std::string pinned_role(std::string_view name, std::string_view policies) {
  return role(name, "  policy: [" + std::string(policies) + "]\n  principal: {jwt:sub: [\"system:serviceaccount:openfaas:" +
                        std::string(name) + "\"]}\n  condition: {StringEqual: {jwt:iss: [\"" + std::string(kK8s) +
                        "\"]}}\n");
}

std::vector<Finding> of_rule(const std::vector<Finding>& all, LintRule rule) {
  std::vector<Finding> out;
  for (const auto& f : all)
    if (f.rule == rule) out.push_back(f);
  return out;
}

const std::string kClean = issuer("kubernetes", kK8s) +
                           policy("cron-connector",
                                  "  - {sid: 1-fn-r, effect: Allow, action: [Function:List, Namespace:List], "
                                  "resource: [\"dev:*\"]}\n") +
                           pinned_role("cron-connector", "cron-connector");

TEST(Lint, CleanSetHasNoFindings) {
  const auto findings = lint(objects_from(kClean));
  EXPECT_THAT(findings, IsEmpty()) << dump(findings);
}

TEST(Lint, SeedManifestsOnlyMissFnRw) {
  auto loaded = load_directory(std::filesystem::path(FAASGATE_TESTDATA_DIR) / "seed-manifests");
  ASSERT_TRUE(loaded.has_value());
  const auto findings = lint(loaded->objects);
  ASSERT_EQ(findings.size(), 1u) << dump(findings);
  EXPECT_EQ(findings[0].rule, LintRule::missing_policy);
  EXPECT_EQ(findings[0].object, "Role/my-app");
  EXPECT_THAT(findings[0].file, HasSubstr("role-my-app.yaml"));
  EXPECT_EQ(findings[0].line, 1);
  EXPECT_THAT(findings[0].to_string(),
              HasSubstr("role-my-app.yaml:1: warning: Role/my-app: spec.policy[0]: policy \"fn-rw\" is not defined"));
}

TEST(Lint, RoleWithoutPrincipalOrIssuer) {
  const auto set = objects_from(kClean + role("open", "  policy: [cron-connector]\n") +
                                role("ns-only", "  policy: [cron-connector]\n  condition: {StringEqual: "
                                                "{\"jwt:kubernetes.io/namespace\": [dev]}}\n") +
                                role("not-iss", "  policy: [cron-connector]\n  condition: {StringNotEqual: "
                                                "{jwt:iss: [\"https://evil\"]}}\n") +
                                role("star-iss", "  policy: [cron-connector]\n  condition: {StringLike: "
                                                 "{jwt:iss: [\"*\"]}}\n") +
                                role("iss-like", "  policy: [cron-connector]\n  condition: {StringLike: "
                                                 "{jwt:iss: [\"https://kubernetes.*\"]}}\n"));
  const auto found = of_rule(lint(set), LintRule::any_issuer);
  ASSERT_EQ(found.size(), 4u) << dump(found);
  EXPECT_EQ(found[0].object, "Role/open");
  EXPECT_THAT(found[0].message, HasSubstr("neither a principal nor a condition"));
  EXPECT_EQ(found[1].object, "Role/ns-only");
  EXPECT_EQ(found[2].object, "Role/not-iss");
  EXPECT_EQ(found[3].object, "Role/star-iss");
}

// A second issuer can mint the same sub: that is a warning, so `faasgate iam lint` exits 1.
TEST(Lint, PrincipalWithoutIssuerIsAWarningWhenSeveralIssuers) {
  const std::string r = role("by-sub", "  policy: [cron-connector]\n  principal: {jwt:sub: [alice]}\n");
  EXPECT_THAT(lint(objects_from(kClean + r)), IsEmpty());
  const auto findings = lint(objects_from(kClean + r + issuer("other", "https://idp.example.com")));
  const auto found = of_rule(findings, LintRule::sub_any_issuer);
  ASSERT_EQ(found.size(), 1u) << dump(findings);
  EXPECT_EQ(found[0].severity(), LintSeverity::warning);
  EXPECT_THAT(found[0].to_string(), HasSubstr(": warning: Role/by-sub:"));
}

TEST(Lint, ConditionsThatNeverHoldOnAnApiCall) {
  const auto set = objects_from(
      kClean +
      policy("p",
             "  - {sid: gw-iss, effect: Deny, action: [Function:Delete], resource: [\"*\"],"
             " condition: {StringEqual: {jwt:iss: [\"http://127.0.0.1:8080\"]}}}\n"
             "  - {sid: forged, effect: Allow, action: [Function:Get], resource: [\"*\"],"
             " condition: {StringEqual: {jwt:policy: [admin]}}}\n"
             "  - {sid: fed, effect: Allow, action: [Function:Get], resource: [\"*\"],"
             " condition: {StringLike: {\"jwt:fed:iss\": [\"*\"]}}}\n"
             "  - {sid: nested, effect: Allow, action: [Function:Get], resource: [\"*\"],"
             " condition: {StringEqual: {\"jwt:function/permissions\": [\"*\"]}}}\n"
             "  - {sid: k8s, effect: Deny, action: [Function:Delete], resource: [\"*\"],"
             " condition: {StringEqual: {jwt:iss: [\"https://kubernetes.default.svc.cluster.local\"]}}}\n"
             "  - {sid: like, effect: Deny, action: [Function:Delete], resource: [\"*\"],"
             " condition: {StringLike: {jwt:iss: [\"https://kubernetes.*\"]}}}\n"
             "  - {sid: not, effect: Deny, action: [Function:Delete], resource: [\"*\"],"
             " condition: {StringNotEqual: {jwt:iss: [\"http://127.0.0.1:8080\"]}}}\n"
             "  - {sid: maybe, effect: Allow, action: [Function:Get], resource: [\"*\"],"
             " condition: {StringEqualIfExists: {jwt:policy: [x]}}}\n") +
      pinned_role("r", "p"));
  const auto found = of_rule(lint(set), LintRule::never_holds);
  ASSERT_EQ(found.size(), 4u) << dump(found);
  EXPECT_THAT(found[0].message, HasSubstr("(sid gw-iss)"));
  EXPECT_THAT(found[0].message, HasSubstr("no trusted JwtIssuer"));
  EXPECT_THAT(found[0].message, HasSubstr("it denies nothing"));
  EXPECT_THAT(found[1].message, HasSubstr("(sid forged)"));
  EXPECT_THAT(found[1].message, HasSubstr("it allows nothing"));
  EXPECT_THAT(found[2].message, HasSubstr("(sid fed)"));
  EXPECT_THAT(found[3].message, HasSubstr("(sid nested)"));
  EXPECT_EQ(found[0].severity(), LintSeverity::warning);
}

TEST(Lint, AllowEverything) {
  const auto set = objects_from(
      kClean + policy("root", "  - {sid: all, effect: Allow, action: [\"*\"], resource: [\"*\"]}\n"
                              "  - {sid: wild, effect: Deny, action: [\"*\"], resource: [\"*\"]}\n") +
      policy("fourwild", "  - {sid: w, effect: Allow, action: [\"Function:*\", \"Secret:*\", \"Namespace:*\", "
                         "\"System:*\"], resource: [\"dev:*\", \"*\"]}\n") +
      policy("narrow", "  - {sid: n, effect: Allow, action: [\"*\"], resource: [\"dev:*\"]}\n") +
      pinned_role("admin", "root, fourwild, narrow"));
  const auto found = of_rule(lint(set), LintRule::allow_everything);
  ASSERT_EQ(found.size(), 2u) << dump(found);
  EXPECT_EQ(found[0].object, "Policy/root");
  EXPECT_THAT(found[0].message, HasSubstr("spec.statement[0] (sid all): allows every action on every resource"));
  EXPECT_EQ(found[1].object, "Policy/fourwild");
}

TEST(Lint, MissingPolicy) {
  const auto found = of_rule(lint(objects_from(kClean + pinned_role("app", "cron-connector, nope"))),
                             LintRule::missing_policy);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].object, "Role/app");
  EXPECT_THAT(found[0].message, HasSubstr("spec.policy[1]: policy \"nope\""));
}

TEST(Lint, ShadowedByEarlierStatement) {
  const auto set = objects_from(
      kClean +
      policy("p", "  - {sid: wide, effect: Allow, action: [\"Function:*\"], resource: [\"dev:*\", \"prod:*\"]}\n"
                  "  - {sid: narrow, effect: Allow, action: [Function:Get], resource: [\"dev:api-*\", \"prod:x\"]}\n"
                  "  - {sid: partly, effect: Allow, action: [Function:Get], resource: [\"dev:x\", \"qa:x\"]}\n"
                  "  - {sid: secrets, effect: Allow, action: [Secret:List], resource: [\"dev:*\"]}\n"
                  "  - sid: cond\n    effect: Allow\n    action: [Function:List]\n    resource: [\"q*:*\"]\n"
                  "    condition: {StringEqual: {jwt:sub: [a]}}\n"
                  "  - sid: cond-again\n    effect: Allow\n    action: [Function:List]\n    resource: [\"qa:*\"]\n"
                  "    condition: {StringEqual: {jwt:sub: [a]}}\n"
                  "  - sid: other-cond\n    effect: Allow\n    action: [Function:List]\n    resource: [\"qx:*\"]\n"
                  "    condition: {StringEqual: {jwt:sub: [b]}}\n"
                  "  - {sid: d1, effect: Deny, action: [Function:Delete], resource: [\"prod:*\"]}\n"
                  "  - {sid: d2, effect: Deny, action: [Function:Delete], resource: [\"prod:db\"]}\n") +
      pinned_role("app", "cron-connector, p"));
  const auto found = of_rule(lint(set), LintRule::shadowed);
  ASSERT_EQ(found.size(), 3u) << dump(found);
  EXPECT_THAT(found[0].message, HasSubstr("spec.statement[1] (sid narrow): shadowed by the earlier "
                                          "spec.statement[0] (sid wide)"));
  EXPECT_THAT(found[1].message, HasSubstr("(sid cond-again): shadowed by the earlier spec.statement[4] (sid cond)"));
  EXPECT_THAT(found[2].message, HasSubstr("(sid d2): shadowed by the earlier spec.statement[7] (sid d1)"));
}

TEST(Lint, AllowCoveredByDeny) {
  const auto set = objects_from(
      kClean +
      policy("p", "  - {sid: get, effect: Allow, action: [Function:Get], resource: [\"prod:api\"]}\n"
                  "  - {sid: half, effect: Allow, action: [Function:Get, Function:List], resource: [\"prod:*\"]}\n"
                  "  - {sid: no-prod, effect: Deny, action: [Function:Read], resource: [\"prod:*\"]}\n"
                  "  - sid: cond-deny\n    effect: Deny\n    action: [Function:Create]\n    resource: [\"*\"]\n"
                  "    condition: {StringEqual: {jwt:sub: [x]}}\n"
                  "  - {sid: create, effect: Allow, action: [Function:Create], resource: [\"dev:*\"]}\n") +
      pinned_role("app", "cron-connector, p"));
  const auto found = of_rule(lint(set), LintRule::denied_allow);
  // get: covered (Function:Read holds Get; prod:* covers prod:api); half: covered too (Read = List+Get+Logs).
  // create: the covering Deny is conditioned differently, so it is not certain: no finding.
  ASSERT_EQ(found.size(), 2u) << dump(found);
  EXPECT_THAT(found[0].message, HasSubstr("(sid get): everything it allows is denied by spec.statement[2] (sid no-prod)"));
  EXPECT_THAT(found[1].message, HasSubstr("(sid half)"));
}

TEST(Lint, UnusedPolicyAndIssuer) {
  const auto set = objects_from(kClean + policy("orphan", "  - {sid: o, effect: Allow, action: [Function:Get], "
                                                          "resource: [\"dev:x\"]}\n") +
                                issuer("lonely", "https://idp.example.com"));
  const auto findings = lint(set);
  const auto unused = of_rule(findings, LintRule::unused_policy);
  ASSERT_EQ(unused.size(), 1u) << dump(findings);
  EXPECT_EQ(unused[0].object, "Policy/orphan");
  const auto issuers = of_rule(findings, LintRule::unused_issuer);
  ASSERT_EQ(issuers.size(), 1u) << dump(findings);
  EXPECT_EQ(issuers[0].object, "JwtIssuer/lonely");
  // A Role whose jwt:iss test admits the issuer makes it used.
  const auto used = objects_from(kClean + issuer("lonely", "https://idp.example.com") +
                                 role("idp", "  policy: [cron-connector]\n  principal: {jwt:sub: [a]}\n  condition: "
                                             "{StringLike: {jwt:iss: [\"https://idp.*\"]}}\n"));
  EXPECT_THAT(of_rule(lint(used), LintRule::unused_issuer), IsEmpty()) << dump(lint(used));
}

TEST(Lint, PatternCovers) {
  EXPECT_TRUE(pattern_covers("*", "*"));
  EXPECT_TRUE(pattern_covers("*", "dev:x"));
  EXPECT_FALSE(pattern_covers("dev:*", "*"));
  EXPECT_FALSE(pattern_covers("*:*", "*"));
  EXPECT_TRUE(pattern_covers("*:*", "dev:*"));
  EXPECT_TRUE(pattern_covers("dev:*", "dev:api-*"));
  EXPECT_TRUE(pattern_covers("d*:*", "dev:*"));
  EXPECT_TRUE(pattern_covers("dev:api-*", "dev:api-x*"));
  EXPECT_FALSE(pattern_covers("dev:api-*", "dev:*"));
  EXPECT_FALSE(pattern_covers("dev:env", "dev:env2"));
  EXPECT_FALSE(pattern_covers("dev:a*", "dev:*a"));
  EXPECT_TRUE(pattern_covers("dev:*a*", "dev:x*a*y"));
}

}  // namespace
}  // namespace faasgate::iam
