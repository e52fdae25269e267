#include "faasgate/iam/condition.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace faasgate::iam {
namespace {

boost::json::object claims() {
  return boost::json::parse(R"({
    "iss": "https://kubernetes.default.svc.cluster.local",
    "sub": "system:serviceaccount:openfaas:cron-connector",
    "aud": ["https://gateway.example.com", "other"],
    "groups": ["dev-team", "ops"],
    "email": "Alice@Example.COM",
    "admin": true,
    "level": 42,
    "ratio": 1.5,
    "nothing": null,
    "empty": [],
    "https://example.com/roles": ["reader"],
    "kubernetes.io": {
      "namespace": "openfaas",
      "pod": {"name": "cron-7f9", "uid": "u-1"},
      "serviceaccount": {"name": "cron-connector", "uid": "u-2"}
    },
    "a": {"b/c": "slash-member", "b": {"c": "nested"}}
  })").as_object();
}

bool holds(const char* op, const char* key, std::vector<std::string> values) {
  Condition c{{op, {{key, std::move(values)}}}};
  auto compiled = CompiledCondition::compile(c);
  EXPECT_TRUE(compiled.has_value()) << op << " " << key;
  if (!compiled) return false;
  static const auto cl = claims();
  return compiled->holds(cl);
}

TEST(ClaimPath, TopLevelNestedAndDottedNames) {
  const auto cl = claims();
  auto v = [&](const char* key) { return ClaimPath::parse(key)->find(cl); };
  ASSERT_NE(v("jwt:sub"), nullptr);
  EXPECT_EQ(v("jwt:kubernetes.io/namespace")->as_string(), "openfaas");
  EXPECT_EQ(v("jwt:kubernetes.io/pod/name")->as_string(), "cron-7f9");
  EXPECT_EQ(v("jwt:kubernetes.io/serviceaccount/name")->as_string(), "cron-connector");
  EXPECT_TRUE(v("jwt:https://example.com/roles")->is_array());  // a claim whose name holds '/'
  EXPECT_EQ(v("jwt:a/b/c")->as_string(), "slash-member");  // longest member first: "b/c" under a
  EXPECT_EQ(v("jwt:kubernetes.io/missing"), nullptr);
  EXPECT_EQ(v("jwt:kubernetes/namespace"), nullptr);
  EXPECT_EQ(v("jwt:sub/x"), nullptr);
  EXPECT_FALSE(ClaimPath::parse("sub"));
  EXPECT_FALSE(ClaimPath::parse("jwt:"));
  EXPECT_FALSE(ClaimPath::parse("aws:sub"));
}

TEST(ClaimPath, LongestMemberFirstThenBacktracks) {
  auto cl = boost::json::parse(R"({"a/b": {"x": 1}, "a": {"b": {"c": 2}}})").as_object();
  EXPECT_EQ(ClaimPath::parse("jwt:a/b/x")->find(cl)->as_int64(), 1);
  EXPECT_EQ(ClaimPath::parse("jwt:a/b/c")->find(cl)->as_int64(), 2);  // "a/b" has no c: falls back to a -> b
}

TEST(Operators, Parsing) {
  EXPECT_TRUE(parse_operator("StringEqual"));
  EXPECT_TRUE(parse_operator("StringEquals"));
  EXPECT_TRUE(parse_operator("ForAnyValue:StringEqual"));
  EXPECT_TRUE(parse_operator("ForAllValues:StringLike"));
  EXPECT_TRUE(parse_operator("StringNotEqualIfExists"));
  EXPECT_TRUE(parse_operator("ForAnyValue:StringEqualIfExists"));
  auto op = *parse_operator("ForAllValues:StringNotLikeIfExists");
  EXPECT_EQ(op.set, Operator::Set::all_values);
  EXPECT_EQ(op.base, Operator::Base::like);
  EXPECT_TRUE(op.negated);
  EXPECT_TRUE(op.if_exists);
  for (const char* bad : {"", "stringequal", "StringEqualX", "IfExists", "StringEqualIfExistsIfExists",
                          "ForAnyValue:", "ForSomeValues:StringEqual", "NumericEquals", "Bool", "StringLikeIgnoreCase",
                          "ForAnyValue:ForAllValues:StringEqual"})
    EXPECT_FALSE(parse_operator(bad)) << bad;
  EXPECT_FALSE(CompiledCondition::compile(Condition{{"NumericEquals", {{"jwt:level", {"42"}}}}}));
  EXPECT_FALSE(CompiledCondition::compile(Condition{{"StringEqual", {{"sub", {"x"}}}}}));
  EXPECT_FALSE(CompiledCondition::compile(Condition{{"StringEqual", {{"jwt:sub", {}}}}}));
}

TEST(Operators, StringEqual) {
  EXPECT_TRUE(holds("StringEqual", "jwt:iss", {"https://kubernetes.default.svc.cluster.local"}));
  EXPECT_TRUE(holds("StringEquals", "jwt:iss", {"x", "https://kubernetes.default.svc.cluster.local"}));
  EXPECT_FALSE(holds("StringEqual", "jwt:iss", {"https://kubernetes.default.svc.cluster.local/"}));
  EXPECT_FALSE(holds("StringEqual", "jwt:iss", {"HTTPS://kubernetes.default.svc.cluster.local"}));
  EXPECT_TRUE(holds("StringEqual", "jwt:kubernetes.io/namespace", {"openfaas"}));
  EXPECT_FALSE(holds("StringEqual", "jwt:kubernetes.io/namespace", {"dev"}));
}

TEST(Operators, MissingClaimMakesEveryTestFalseWithoutIfExists) {
  EXPECT_FALSE(holds("StringEqual", "jwt:missing", {"x"}));
  EXPECT_FALSE(holds("StringLike", "jwt:missing", {"*"}));
  EXPECT_FALSE(holds("StringNotEqual", "jwt:missing", {"x"}));
  EXPECT_FALSE(holds("StringNotLike", "jwt:missing", {"x"}));
  EXPECT_FALSE(holds("ForAnyValue:StringEqual", "jwt:missing", {"x"}));
  EXPECT_FALSE(holds("ForAllValues:StringEqual", "jwt:missing", {"x"}));
  EXPECT_FALSE(holds("StringEqual", "jwt:nothing", {"null"}));  // null is absent
}

TEST(Operators, IfExists) {
  EXPECT_TRUE(holds("StringEqualIfExists", "jwt:missing", {"x"}));
  EXPECT_TRUE(holds("StringNotEqualIfExists", "jwt:missing", {"x"}));
  EXPECT_TRUE(holds("ForAllValues:StringEqualIfExists", "jwt:missing", {"x"}));
  EXPECT_TRUE(holds("StringEqualIfExists", "jwt:nothing", {"x"}));
  // Present claims are tested as usual.
  EXPECT_TRUE(holds("StringEqualIfExists", "jwt:kubernetes.io/namespace", {"openfaas"}));
  EXPECT_FALSE(holds("StringEqualIfExists", "jwt:kubernetes.io/namespace", {"dev"}));
}

TEST(Operators, StringLike) {
  EXPECT_TRUE(holds("StringLike", "jwt:sub", {"system:serviceaccount:openfaas:*"}));
  EXPECT_TRUE(holds("StringLike", "jwt:sub", {"system:serviceaccount:*:cron-connecto?"}));
  EXPECT_FALSE(holds("StringLike", "jwt:sub", {"system:serviceaccount:dev:*"}));
  EXPECT_FALSE(holds("StringLike", "jwt:sub", {"system:serviceaccount:openfaas"}));  // anchored
  EXPECT_TRUE(holds("StringLike", "jwt:kubernetes.io/pod/name", {"cron-*"}));
}

TEST(Operators, StringEqualIgnoreCase) {
  EXPECT_TRUE(holds("StringEqualIgnoreCase", "jwt:email", {"alice@example.com"}));
  EXPECT_TRUE(holds("StringEqualsIgnoreCase", "jwt:email", {"ALICE@EXAMPLE.COM"}));
  EXPECT_FALSE(holds("StringEqualIgnoreCase", "jwt:email", {"alice@example.co"}));
  EXPECT_TRUE(holds("StringNotEqualIgnoreCase", "jwt:email", {"bob@example.com"}));
  EXPECT_FALSE(holds("StringNotEqualIgnoreCase", "jwt:email", {"alice@EXAMPLE.com"}));
}

TEST(Operators, NegatedOperators) {
  EXPECT_TRUE(holds("StringNotEqual", "jwt:kubernetes.io/namespace", {"dev", "staging"}));
  EXPECT_FALSE(holds("StringNotEqual", "jwt:kubernetes.io/namespace", {"dev", "openfaas"}));
  EXPECT_TRUE(holds("StringNotEquals", "jwt:iss", {"https://evil"}));
  EXPECT_TRUE(holds("StringNotLike", "jwt:sub", {"system:serviceaccount:dev:*"}));
  EXPECT_FALSE(holds("StringNotLike", "jwt:sub", {"system:serviceaccount:openfaas:*"}));
}

TEST(Operators, ListClaims) {
  EXPECT_TRUE(holds("ForAnyValue:StringEqual", "jwt:groups", {"ops"}));
  EXPECT_TRUE(holds("ForAnyValue:StringEqual", "jwt:groups", {"admins", "dev-team"}));
  EXPECT_FALSE(holds("ForAnyValue:StringEqual", "jwt:groups", {"admins"}));
  EXPECT_TRUE(holds("ForAnyValue:StringLike", "jwt:groups", {"dev-*"}));
  EXPECT_TRUE(holds("ForAnyValue:StringEqual", "jwt:sub", {"system:serviceaccount:openfaas:cron-connector"}));
  EXPECT_TRUE(holds("ForAllValues:StringEqual", "jwt:groups", {"dev-team", "ops", "extra"}));
  EXPECT_FALSE(holds("ForAllValues:StringEqual", "jwt:groups", {"dev-team"}));
  EXPECT_FALSE(holds("ForAllValues:StringEqual", "jwt:empty", {"x"}));  // no vacuous truth
  EXPECT_FALSE(holds("ForAnyValue:StringEqual", "jwt:empty", {"x"}));
  EXPECT_TRUE(holds("ForAnyValue:StringNotEqual", "jwt:groups", {"ops"}));   // dev-team is not ops
  EXPECT_FALSE(holds("ForAllValues:StringNotEqual", "jwt:groups", {"ops"}));  // ops is ops
  // Without a qualifier: positive = any element, negated = no element.
  EXPECT_TRUE(holds("StringEqual", "jwt:aud", {"https://gateway.example.com"}));
  EXPECT_FALSE(holds("StringNotEqual", "jwt:aud", {"https://gateway.example.com"}));
  EXPECT_TRUE(holds("StringNotEqual", "jwt:aud", {"https://elsewhere"}));
  EXPECT_TRUE(holds("ForAnyValue:StringEqual", "jwt:https://example.com/roles", {"reader"}));
}

TEST(Operators, NonStringClaimsCompareByJsonText) {
  EXPECT_TRUE(holds("StringEqual", "jwt:admin", {"true"}));
  EXPECT_FALSE(holds("StringEqual", "jwt:admin", {"True"}));
  EXPECT_TRUE(holds("StringEqualIgnoreCase", "jwt:admin", {"TRUE"}));
  EXPECT_TRUE(holds("StringEqual", "jwt:level", {"42"}));
  EXPECT_FALSE(holds("StringEqual", "jwt:level", {"42.0"}));
  EXPECT_TRUE(holds("StringLike", "jwt:level", {"4*"}));
  EXPECT_TRUE(holds("StringEqual", "jwt:ratio", {"1.5"}));
  EXPECT_FALSE(holds("StringEqual", "jwt:kubernetes.io", {"{}"}));  // objects never match
  EXPECT_FALSE(holds("StringNotEqual", "jwt:kubernetes.io", {"x"}));
}

TEST(Operators, EveryOperatorAndEveryKeyMustHold) {
  Condition c{{"StringEqual", {{"jwt:iss", {"https://kubernetes.default.svc.cluster.local"}},
                               {"jwt:kubernetes.io/namespace", {"openfaas"}}}},
              {"StringLike", {{"jwt:sub", {"system:serviceaccount:*"}}}}};
  const auto cl = claims();
  EXPECT_TRUE(CompiledCondition::compile(c)->holds(cl));
  c["StringEqual"]["jwt:kubernetes.io/namespace"] = {"dev"};
  EXPECT_FALSE(CompiledCondition::compile(c)->holds(cl));
  c["StringEqual"]["jwt:kubernetes.io/namespace"] = {"dev", "openfaas"};
  EXPECT_TRUE(CompiledCondition::compile(c)->holds(cl));
  c["StringNotLike"]["jwt:sub"] = {"*cron*"};
  EXPECT_FALSE(CompiledCondition::compile(c)->holds(cl));
  EXPECT_TRUE(CompiledCondition::compile(Condition{})->holds(cl));  // no condition: holds
}

}  // namespace
}  // namespace faasgate::iam
