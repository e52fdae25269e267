// Behaviour at scale (10,000 policies and 10,000 roles): correctness only. Timing belongs to the
// benchmarks, which the lead writes against this API.
#include <boost/json/object.hpp>
#include <gtest/gtest.h>

#include "faasgate/iam/engine.hpp"
#include "faasgate/iam/loader.hpp"

namespace faasgate::iam {
namespace {

constexpr int kN = 10'000;

ObjectSet big_set() {
  ObjectSet set;
  set.policies.reserve(kN);
  set.roles.reserve(kN + 1);
  for (int i = 0; i < kN; ++i) {
    const std::string id = std::to_string(i);
    Policy p;
    p.meta = {"policy-" + id, "openfaas", "generated", 0};
    p.statement.push_back(Statement{"rw", Effect::allow, {"Function:*", "Namespace:List"}, {"tenant-" + id + ":*"}, {}});
    p.statement.push_back(
        Statement{"no-delete-prod", Effect::deny, {"Function:Delete"}, {"tenant-" + id + ":prod-*"}, {}});
    set.policies.push_back(std::move(p));
    Role r;
    r.meta = {"role-" + id, "openfaas", "generated", 0};
    r.policy = {"policy-" + id};
    r.principal = {{"jwt:sub", {"system:serviceaccount:tenant-" + id + ":deployer"}}};
    r.condition = {{"StringEqual", {{"jwt:iss", {"https://kubernetes.default.svc.cluster.local"}}}}};
    set.roles.push_back(std::move(r));
  }
  Role everyone;  // no principal: on the always-checked list
  everyone.meta = {"dev-team", "openfaas", "generated", 0};
  everyone.policy = {"policy-7"};
  everyone.condition = {{"ForAnyValue:StringEqual", {{"jwt:groups", {"dev-team"}}}}};
  set.roles.push_back(std::move(everyone));
  return set;
}

TEST(Scale, TenThousandPoliciesAndRoles) {
  auto compiled = Engine::compile(big_set());
  ASSERT_TRUE(compiled.has_value());
  const auto& e = *compiled;
  EXPECT_EQ(e->policy_count(), static_cast<std::size_t>(kN));
  EXPECT_EQ(e->role_count(), static_cast<std::size_t>(kN + 1));

  for (int i : {0, 1, 4999, kN - 1}) {
    const std::string id = std::to_string(i);
    boost::json::object claims{{"iss", "https://kubernetes.default.svc.cluster.local"},
                               {"sub", "system:serviceaccount:tenant-" + id + ":deployer"}};
    auto m = e->match_roles(claims);
    ASSERT_EQ(m.roles.size(), 1u) << i;
    EXPECT_EQ(m.roles[0], "role-" + id);
    EXPECT_EQ(m.policies, std::vector<std::string>{"policy-" + id});

    claims["policy"] = boost::json::array{"policy-" + id};
    const auto who = e->subject(claims);
    const std::string ns = "tenant-" + id;
    EXPECT_TRUE(e->decide(who, Action::function_create, Resource::function(ns, "api")).allowed);
    EXPECT_FALSE(e->decide(who, Action::function_delete, Resource::function(ns, "prod-db")).allowed);
    EXPECT_TRUE(e->decide(who, Action::function_delete, Resource::function(ns, "dev-db")).allowed);
    EXPECT_FALSE(e->decide(who, Action::function_create, Resource::function("tenant-x", "api")).allowed);
    EXPECT_TRUE(e->namespace_visible(who, Action::namespace_list, ns));
    EXPECT_FALSE(e->namespace_visible(who, Action::namespace_list, ns + "0"));
  }
  boost::json::object stranger{{"iss", "https://kubernetes.default.svc.cluster.local"}, {"sub", "nobody"}};
  EXPECT_TRUE(e->match_roles(stranger).empty());
  stranger["groups"] = boost::json::array{"dev-team"};
  auto m = e->match_roles(stranger);
  ASSERT_EQ(m.roles.size(), 1u);
  EXPECT_EQ(m.roles[0], "dev-team");
  EXPECT_EQ(m.policies, std::vector<std::string>{"policy-7"});
}

TEST(Scale, LoaderHandlesTenThousandObjectsInOneText) {
  std::string yaml;
  yaml.reserve(kN * 300);
  for (int i = 0; i < kN; ++i) {
    const std::string id = std::to_string(i);
    yaml += "apiVersion: iam.openfaas.com/v1\nkind: Policy\nmetadata: {name: p-" + id +
            "}\nspec:\n  statement:\n  - {sid: s, effect: Allow, action: [\"Function:List\"], resource: [\"ns-" + id +
            ":*\"]}\n---\n";
  }
  auto r = load_yaml(yaml, "big.yaml");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->objects.policies.size(), static_cast<std::size_t>(kN));
  auto e = Engine::compile(std::move(r->objects));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ((*e)->policy_count(), static_cast<std::size_t>(kN));
}

}  // namespace
}  // namespace faasgate::iam
