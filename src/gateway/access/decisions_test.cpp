#include "faasgate/access/decisions.hpp"

#include <gtest/gtest.h>

#include "faasgate/iam/loader.hpp"

namespace faasgate::access {
namespace {

constexpr std::string_view kPolicies = R"(apiVersion: iam.openfaas.com/v1
kind: Policy
metadata: {name: dev-rw, namespace: openfaas}
spec:
  statement:
  - {sid: rw, effect: Allow, action: ["Function:*", "Secret:*"], resource: ["dev:*"]}
  - {sid: no-private, effect: Deny, action: ["Function:Invoke"], resource: ["dev:private"]}
)";

std::shared_ptr<const iam::Engine> engine() {
  auto loaded = iam::load_yaml(kPolicies, "policies.yaml");
  EXPECT_TRUE(loaded.has_value());
  auto compiled = iam::Engine::compile(std::move(loaded->objects));
  EXPECT_TRUE(compiled.has_value());
  return *compiled;
}

Principal principal(Principal::Kind kind, std::vector<std::string> policies = {"dev-rw"},
                    std::vector<std::string> audience = {}) {
  Principal p;
  p.kind = kind;
  p.subject = "fed:ci";
  p.policies = std::move(policies);
  p.audience = std::move(audience);
  p.claims = std::make_shared<boost::json::object>();
  p.condition_claims = std::make_shared<boost::json::object>(boost::json::object{{"sub", "ci"}});
  return p;
}

class DecisionsTest : public ::testing::Test {
 protected:
  std::shared_ptr<const iam::Engine> engine_ = engine();
};

TEST_F(DecisionsTest, ADefaultDecisionRefuses) {
  EXPECT_FALSE(Decision{}.allowed());
  EXPECT_FALSE(Principal{}.is_admin());  // nor does a default principal have any right
  EXPECT_EQ(decide_admin(Principal{}).refusal, Refusal::not_admin);
}

TEST_F(DecisionsTest, AnApiTokenGetsWhatItsPoliciesAllow) {
  const auto who = principal(Principal::Kind::api_token);
  auto allowed = decide_api_call(who, "Function:Get", Scope::request, {"dev", "echo"}, *engine_);
  EXPECT_TRUE(allowed.allowed());
  EXPECT_EQ(allowed.policy, "dev-rw");
  EXPECT_EQ(allowed.sid, "rw");
  EXPECT_EQ(decide_api_call(who, "Function:Get", Scope::request, {"prod", "echo"}, *engine_).refusal,
            Refusal::not_allowed);
  EXPECT_TRUE(decide_api_call(who, "Function:List", Scope::one_namespace, {"dev", ""}, *engine_).allowed());
  EXPECT_FALSE(decide_api_call(who, "Function:List", Scope::one_namespace, {"prod", ""}, *engine_).allowed());
  EXPECT_FALSE(decide_api_call(who, "System:Info", Scope::cluster, {}, *engine_).allowed());
  // No policy named, no right.
  EXPECT_FALSE(decide_api_call(principal(Principal::Kind::api_token, {}), "Function:Get", Scope::request,
                               {"dev", "echo"}, *engine_).allowed());
}

TEST_F(DecisionsTest, AnUnknownActionOrNoScopeRefuses) {
  const auto who = principal(Principal::Kind::api_token);
  EXPECT_EQ(decide_api_call(who, "Function:Explode", Scope::request, {"dev", "echo"}, *engine_).refusal,
            Refusal::unknown_action);
  EXPECT_EQ(decide_api_call(who, "Admin", Scope::cluster, {}, *engine_).refusal, Refusal::unknown_action);
  EXPECT_EQ(decide_api_call(who, "Function:Get", Scope::none, {"dev", "echo"}, *engine_).refusal,
            Refusal::not_allowed);
}

TEST_F(DecisionsTest, TheAdminMayDoEverythingAndAFunctionTokenNothingOfTheApi) {
  const auto admin = principal(Principal::Kind::admin, {});
  EXPECT_TRUE(decide_api_call(admin, "Function:Delete", Scope::request, {"prod", "x"}, *engine_).allowed());
  EXPECT_TRUE(decide_admin(admin).allowed());
  const auto fn = principal(Principal::Kind::function_token);
  EXPECT_EQ(decide_api_call(fn, "Function:Get", Scope::request, {"dev", "echo"}, *engine_).refusal,
            Refusal::function_token_on_api);
  EXPECT_EQ(decide_admin(principal(Principal::Kind::api_token)).refusal, Refusal::not_admin);
  EXPECT_FALSE(visible(fn, "Function:List", "dev", "echo", *engine_));
}

TEST_F(DecisionsTest, InvokingNeedsAFunctionTokenThatIsAllowedAndAddressed) {
  const auto fn = principal(Principal::Kind::function_token);
  EXPECT_TRUE(decide_invoke(fn, "dev", "echo", *engine_).allowed());
  auto denied = decide_invoke(fn, "dev", "private", *engine_);
  EXPECT_EQ(denied.refusal, Refusal::not_allowed);
  EXPECT_EQ(denied.sid, "no-private");
  EXPECT_EQ(decide_invoke(fn, "prod", "echo", *engine_).refusal, Refusal::not_allowed);
  EXPECT_EQ(decide_invoke(principal(Principal::Kind::api_token), "dev", "echo", *engine_).refusal,
            Refusal::needs_function_token);
  EXPECT_EQ(decide_invoke(principal(Principal::Kind::admin), "dev", "echo", *engine_).refusal,
            Refusal::needs_function_token);
  const auto addressed = principal(Principal::Kind::function_token, {"dev-rw"}, {"dev:other"});
  EXPECT_EQ(decide_invoke(addressed, "dev", "echo", *engine_).refusal, Refusal::not_addressed);
  EXPECT_TRUE(decide_invoke(addressed, "dev", "other", *engine_).allowed());
}

TEST_F(DecisionsTest, ListsShowWhatTheCallerMaySee) {
  const auto who = principal(Principal::Kind::api_token);
  EXPECT_TRUE(visible(who, "Function:List", "dev", "echo", *engine_));
  EXPECT_FALSE(visible(who, "Function:List", "prod", "echo", *engine_));
  EXPECT_TRUE(visible(who, "Secret:List", "dev", "", *engine_));
  EXPECT_FALSE(visible(who, "Namespace:List", "dev", "", *engine_));  // no statement names it
  EXPECT_FALSE(visible(who, "No:Such", "dev", "", *engine_));
  EXPECT_TRUE(visible(principal(Principal::Kind::admin, {}), "Function:List", "prod", "echo", *engine_));
}

}  // namespace
}  // namespace faasgate::access
