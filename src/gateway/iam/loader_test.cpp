#include "faasgate/iam/loader.hpp"

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace faasgate::iam {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kTestData = FAASGATE_TESTDATA_DIR;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// A fresh, empty temporary directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("iam-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string dump(const Issues& issues) {
  std::string s;
  for (const auto& i : issues) s += i.to_string() + "\n";
  return s;
}

// The one error of a text that must fail.
Issue only_error(std::string_view yaml) {
  auto r = load_yaml(yaml, "test.yaml");
  EXPECT_FALSE(r.has_value());
  if (r.has_value()) return {};
  EXPECT_EQ(r.error().size(), 1u) << dump(r.error());
  return r.error().front();
}

constexpr std::string_view kPolicyHead = R"(apiVersion: iam.openfaas.com/v1
kind: Policy
metadata:
  name: p
  namespace: openfaas
spec:
  statement:
)";

constexpr std::string_view kIssuerHead = R"(apiVersion: iam.openfaas.com/v1
kind: JwtIssuer
metadata: {name: k}
spec:
  iss: https://issuer.example.com
  aud: [https://gw]
)";

TEST(SeedManifests, LoadVerbatimFromTestdata) {
  const fs::path dir = kTestData / "seed-manifests";
  auto r = load_directory(dir);
  ASSERT_TRUE(r.has_value()) << dump(r.error());
  const ObjectSet& set = r->objects;
  ASSERT_EQ(set.issuers.size(), 1u);
  ASSERT_EQ(set.policies.size(), 1u);
  ASSERT_EQ(set.roles.size(), 2u);

  const JwtIssuer& k8s = set.issuers[0];
  EXPECT_EQ(k8s.meta.name, "kubernetes");
  EXPECT_EQ(k8s.meta.namespace_, "openfaas");
  EXPECT_EQ(k8s.iss, "https://kubernetes.default.svc.cluster.local");
  EXPECT_EQ(k8s.aud, std::vector<std::string>{"https://gateway.example.com"});
  EXPECT_EQ(k8s.token_expiry, std::chrono::hours(2));
  EXPECT_FALSE(k8s.iss_internal);
  EXPECT_THAT(k8s.meta.source, HasSubstr("jwtissuer-kubernetes.yaml"));

  const Policy& p = set.policies[0];
  EXPECT_EQ(p.meta.name, "cron-connector");
  ASSERT_EQ(p.statement.size(), 1u);
  EXPECT_EQ(p.statement[0].sid, "1-fn-r");
  EXPECT_EQ(p.statement[0].effect, Effect::allow);
  EXPECT_EQ(p.statement[0].action, (std::vector<std::string>{"Function:List", "Namespace:List"}));
  EXPECT_EQ(p.statement[0].resource, std::vector<std::string>{"dev:*"});

  const Role& cron = set.roles[0];  // files load in name order: role-cron-connector, role-my-app
  EXPECT_EQ(cron.meta.name, "cron-connector");
  EXPECT_EQ(cron.policy, std::vector<std::string>{"cron-connector"});
  EXPECT_EQ(cron.principal.at("jwt:sub"), std::vector<std::string>{"system:serviceaccount:openfaas:cron-connector"});
  EXPECT_EQ(cron.condition.at("StringEqual").at("jwt:iss"),
            std::vector<std::string>{"https://kubernetes.default.svc.cluster.local"});
  const Role& my_app = set.roles[1];
  EXPECT_EQ(my_app.meta.name, "my-app");
  EXPECT_EQ(my_app.principal.at("jwt:sub"), std::vector<std::string>{"system:serviceaccount:openfaas:my-app"});

  // my-app names fn-rw, which the write-up never defines: a warning, not an error.
  ASSERT_EQ(r->warnings.size(), 1u) << dump(r->warnings);
  EXPECT_EQ(r->warnings[0].code, IssueCode::missing_policy);
  EXPECT_EQ(r->warnings[0].object, "Role/my-app");
  EXPECT_EQ(r->warnings[0].field, "spec.policy[0]");
  EXPECT_EQ(r->warnings[0].line, 8);
  EXPECT_THAT(r->warnings[0].message, HasSubstr("fn-rw"));
}

// The manifests cut straight out of the write-up, trailing spaces and all.
TEST(SeedManifests, LoadVerbatimFromTheWriteUp) {
  const std::string doc = read(kTestData / "write-up.md");
  ASSERT_FALSE(doc.empty());
  std::vector<std::string> blocks;
  std::istringstream in(doc);
  std::string line, block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "apiVersion: iam.openfaas.com/v1") inside = true;
    if (inside && line.rfind("```", 0) == 0) {
      blocks.push_back(block);
      block.clear();
      inside = false;
    }
    if (inside) block += line + "\n";
  }
  ASSERT_EQ(blocks.size(), 4u);
  std::string all;
  for (const auto& b : blocks) {
    auto r = load_yaml(b, "seed");
    ASSERT_TRUE(r.has_value()) << b << dump(r.error());
    all += "---\n" + b;
  }
  auto r = load_yaml(all, "seed");
  ASSERT_TRUE(r.has_value()) << dump(r.error());
  EXPECT_EQ(r->objects.issuers.size(), 1u);
  EXPECT_EQ(r->objects.policies.size(), 1u);
  EXPECT_EQ(r->objects.roles.size(), 2u);
  // The write-up's my-app principal ends with two trailing spaces; YAML drops them.
  EXPECT_EQ(r->objects.roles[0].principal.at("jwt:sub")[0], "system:serviceaccount:openfaas:my-app");
}

TEST(Loader, MultiDocumentAndEmptyDocuments) {
  auto r = load_yaml(std::string("---\n") + std::string(kPolicyHead) +
                         "  - {sid: a, effect: Allow, action: [\"*\"], resource: [\"*\"]}\n---\n# only a comment\n---\n",
                     "x");
  ASSERT_TRUE(r.has_value()) << dump(r.error());
  EXPECT_EQ(r->objects.policies.size(), 1u);
}

TEST(Loader, ErrorsNameFileObjectFieldAndLine) {
  auto e = only_error(R"(apiVersion: iam.openfaas.com/v1
kind: Role
metadata:
  name: r1
spec:
  policy: [p]
  principals:
    jwt:sub: [x]
)");
  EXPECT_EQ(e.code, IssueCode::unknown_field);
  EXPECT_EQ(e.file, "test.yaml");
  EXPECT_EQ(e.object, "Role/r1");
  EXPECT_EQ(e.field, "spec.principals");
  EXPECT_EQ(e.line, 7);
  EXPECT_EQ(e.column, 3);
  EXPECT_EQ(e.to_string(), "test.yaml:7:3: error: Role/r1: spec.principals: unknown field");
}

TEST(Loader, UnknownKindAndApiVersion) {
  auto e = only_error("apiVersion: iam.openfaas.com/v1\nkind: ClusterRole\nmetadata: {name: x}\nspec: {}\n");
  EXPECT_EQ(e.code, IssueCode::unknown_kind);
  EXPECT_EQ(e.field, "kind");
  EXPECT_EQ(e.line, 2);
  e = only_error("apiVersion: iam.openfaas.com/v2\nkind: Role\nmetadata: {name: x}\nspec: {policy: [p], principal: {jwt:sub: [a]}}\n");
  EXPECT_EQ(e.code, IssueCode::bad_api_version);
  EXPECT_EQ(e.object, "Role/x");
  EXPECT_EQ(e.line, 1);
  e = only_error("apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: x}\nspec: {policy: [p], principal: {jwt:sub: [a]}}\nextra: 1\n");
  EXPECT_EQ(e.code, IssueCode::unknown_field);
  EXPECT_EQ(e.field, "extra");
  EXPECT_EQ(e.line, 5);
}

TEST(Loader, KubernetesMetadataAndStatusAreAccepted) {
  auto r = load_yaml(R"(apiVersion: iam.openfaas.com/v1
kind: Role
metadata:
  name: r
  namespace: openfaas
  annotations: {a: b}
  labels: {c: d}
  uid: 1234
  resourceVersion: "99"
  generation: 3
  creationTimestamp: "2023-07-03T10:56:39Z"
  managedFields: [{manager: helm}]
  ownerReferences: []
  finalizers: []
spec:
  policy: [p]
  principal: {jwt:sub: [a]}
status: {}
)",
                     "x");
  ASSERT_TRUE(r.has_value()) << dump(r.error());
  auto e = only_error("apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: x, nmespace: y}\nspec: {policy: [p], principal: {jwt:sub: [a]}}\n");
  EXPECT_EQ(e.code, IssueCode::unknown_field);
  EXPECT_EQ(e.field, "metadata.nmespace");
}

TEST(Loader, MissingFieldsAndWrongTypes) {
  auto e = only_error("apiVersion: iam.openfaas.com/v1\nkind: JwtIssuer\nmetadata: {name: k}\nspec:\n  aud: [x]\n");
  EXPECT_EQ(e.code, IssueCode::missing_field);
  EXPECT_EQ(e.field, "spec.iss");
  EXPECT_EQ(e.object, "JwtIssuer/k");
  EXPECT_EQ(e.line, 5);  // the spec mapping
  e = only_error("apiVersion: iam.openfaas.com/v1\nkind: JwtIssuer\nmetadata: {name: k}\nspec:\n  iss: https://i\n  aud: https://gw\n");
  EXPECT_EQ(e.code, IssueCode::wrong_type);
  EXPECT_EQ(e.field, "spec.aud");
  EXPECT_EQ(e.line, 6);
  e = only_error("apiVersion: iam.openfaas.com/v1\nkind: JwtIssuer\nmetadata: {name: k}\nspec:\n  iss: [https://i]\n  aud: [x]\n");
  EXPECT_EQ(e.code, IssueCode::wrong_type);
  EXPECT_EQ(e.field, "spec.iss");
  e = only_error("apiVersion: iam.openfaas.com/v1\nkind: JwtIssuer\nmetadata: {namespace: openfaas}\nspec:\n  iss: https://i\n  aud: [x]\n");
  EXPECT_EQ(e.code, IssueCode::missing_field);
  EXPECT_EQ(e.field, "metadata.name");
  EXPECT_EQ(e.object, "JwtIssuer/<unnamed>");
  e = only_error("apiVersion: iam.openfaas.com/v1\nkind: JwtIssuer\nmetadata: {name: k}\nspec:\n  iss:\n  aud: [x]\n");
  EXPECT_EQ(e.code, IssueCode::missing_field);
  EXPECT_EQ(e.field, "spec.iss");
  EXPECT_EQ(e.line, 5);
  e = only_error("apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r}\nspec: {policy: [], principal: {jwt:sub: [a]}}\n");
  EXPECT_EQ(e.code, IssueCode::invalid_value);
  EXPECT_EQ(e.field, "spec.policy");
  e = only_error("- a\n- b\n");
  EXPECT_EQ(e.code, IssueCode::not_a_mapping);
}

TEST(Loader, YamlSyntaxErrorHasALine) {
  auto e = only_error("apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: [x\n");
  EXPECT_EQ(e.code, IssueCode::yaml_syntax);
  EXPECT_GT(e.line, 0);
}

TEST(Loader, HostileInputIsAnErrorNotACrash) {
  auto deep = load_yaml(std::string(100000, '[') + std::string(100000, ']'), "deep.yaml");
  EXPECT_FALSE(deep.has_value());
  auto deep_map = load_yaml(std::string(20000, '{') + std::string(20000, '}'), "deep.yaml");
  EXPECT_FALSE(deep_map.has_value());
  // An alias bomb in an inline key set stays within the node budget.
  std::string bomb = std::string(kIssuerHead) + "  jwks:\n    keys:\n    - &a0 {k: v}\n";
  for (int i = 1; i < 30; ++i)
    bomb += "    - &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + "]\n";
  auto r = load_yaml(bomb, "bomb.yaml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error()[0].field, "spec.jwks");
  LoadLimits small;
  small.max_file_bytes = 10;
  auto big = load_yaml("# more than ten bytes\n", "big.yaml", small);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error()[0].code, IssueCode::too_large);
}

// Found by fuzz/iam_fuzz: yaml-cpp 0.7's LoadAll never returns (it appends null documents until
// memory runs out) when a stray ',' follows a top-level node. The loader reports it instead.
TEST(Loader, StrayCommaAfterATopLevelNodeIsAnErrorNotAHang) {
  for (std::string_view text : {",", "[a],", "{apiVersion: iam.openfaas.com/v1, kind: Policy},\n", "a: 1\n---\n[x], y\n"}) {
    auto e = only_error(text);
    EXPECT_EQ(e.code, IssueCode::yaml_syntax) << text;
  }
  auto e = only_error("apiVersion: v1\n---\n{a: 1},\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 7);
  EXPECT_THAT(e.message, HasSubstr("','"));
  // Commas where YAML allows them still load.
  auto ok = load_yaml("apiVersion: iam.openfaas.com/v1\nkind: Policy\nmetadata: {name: p, namespace: openfaas}\n"
                      "spec: {statement: [{sid: a, effect: Allow, action: [Function:List], resource: [\"dev:*\"]}]}\n",
                      "ok.yaml");
  EXPECT_TRUE(ok.has_value()) << dump(ok.error());
}

TEST(Loader, DuplicateKeysAreErrors) {
  auto e = only_error("apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r}\nspec:\n  policy: [p]\n  policy: [q]\n  principal: {jwt:sub: [a]}\n");
  EXPECT_EQ(e.code, IssueCode::duplicate_field);
  EXPECT_EQ(e.field, "spec.policy");
  EXPECT_EQ(e.line, 6);
}

TEST(Loader, AllErrorsAreCollected) {
  auto r = load_yaml(std::string(kPolicyHead) + R"(  - sid: a
    effect: allow
    action: [Function:Lisst, Function:List]
    resource: ["dev", "dev:*"]
    condition:
      StringEqul: {jwt:sub: [x]}
---
apiVersion: iam.openfaas.com/v1
kind: Bogus
)",
                     "many.yaml");
  ASSERT_FALSE(r.has_value());
  std::vector<IssueCode> codes;
  for (const auto& i : r.error()) codes.push_back(i.code);
  EXPECT_THAT(codes, ::testing::ElementsAre(IssueCode::invalid_value, IssueCode::unknown_action, IssueCode::bad_resource,
                                            IssueCode::unknown_operator, IssueCode::unknown_kind))
      << dump(r.error());
  EXPECT_EQ(r.error()[1].field, "spec.statement[0].action[0]");
  EXPECT_EQ(r.error()[1].line, 10);
  EXPECT_EQ(r.error()[2].field, "spec.statement[0].resource[0]");
  EXPECT_EQ(r.error()[3].field, "spec.statement[0].condition.StringEqul");
  EXPECT_EQ(r.error()[3].line, 13);
  EXPECT_EQ(r.error()[4].line, 16);
}

TEST(Loader, ActionsAreCaseSensitiveAndLegacyNamesLoad) {
  auto ok = load_yaml(std::string(kPolicyHead) +
                          "  - {effect: Allow, action: [Function:Read, Function:Admin, Secret:Read, Secret:Admin, "
                          "\"Namespace:*\", \"System:*\", \"*\", System:Info], resource: [\"*\"]}\n",
                      "x");
  ASSERT_TRUE(ok.has_value()) << dump(ok.error());
  auto e = only_error(std::string(kPolicyHead) + "  - {effect: Allow, action: [function:list], resource: [\"*\"]}\n");
  EXPECT_EQ(e.code, IssueCode::unknown_action);
  e = only_error(std::string(kPolicyHead) + "  - {effect: Deny, action: [\"Function:List\"], resource: [\"dev:fn:x\"]}\n");
  EXPECT_EQ(e.code, IssueCode::bad_resource);
  e = only_error(std::string(kPolicyHead) + "  - {sid: s, effect: Allow, action: [\"*\"], resource: [\"*\"]}\n"
                                            "  - {sid: s, effect: Deny, action: [\"*\"], resource: [\"*\"]}\n");
  EXPECT_EQ(e.code, IssueCode::duplicate_sid);
  e = only_error(std::string(kPolicyHead) + "  - {effect: Allow, resource: [\"*\"]}\n");
  EXPECT_EQ(e.code, IssueCode::missing_field);
  EXPECT_EQ(e.field, "spec.statement[0].action");
}

TEST(Loader, ConditionKeysAndValues) {
  auto r = load_yaml(R"(apiVersion: iam.openfaas.com/v1
kind: Role
metadata: {name: r}
spec:
  policy: [p]
  principal:
    jwt:sub: system:serviceaccount:dev:x
  condition:
    StringEquals: {"jwt:kubernetes.io/namespace": dev}
    ForAnyValue:StringEqual: {jwt:groups: [a, b]}
    StringNotLikeIfExists: {jwt:email: ["*@evil.com"]}
)",
                     "x");
  ASSERT_TRUE(r.has_value()) << dump(r.error());
  const Role& role = r->objects.roles[0];
  EXPECT_EQ(role.principal.at("jwt:sub"), std::vector<std::string>{"system:serviceaccount:dev:x"});
  EXPECT_EQ(role.condition.at("StringEquals").at("jwt:kubernetes.io/namespace"), std::vector<std::string>{"dev"});
  EXPECT_EQ(role.condition.at("ForAnyValue:StringEqual").at("jwt:groups"), (std::vector<std::string>{"a", "b"}));
  auto e = only_error("apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r}\nspec:\n  policy: [p]\n  condition:\n    StringEqual: {sub: [x]}\n");
  EXPECT_EQ(e.code, IssueCode::bad_condition_key);
  EXPECT_EQ(e.field, "spec.condition.StringEqual.sub");
  EXPECT_EQ(e.line, 7);
  e = only_error("apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r}\nspec:\n  policy: [p]\n  principal: {sub: [x]}\n");
  EXPECT_EQ(e.code, IssueCode::bad_condition_key);
  e = only_error("apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r}\nspec:\n  policy: [p]\n  condition:\n    StringEqual: {jwt:sub: [[x]]}\n");
  EXPECT_EQ(e.code, IssueCode::wrong_type);
  EXPECT_EQ(e.field, "spec.condition.StringEqual.jwt:sub[0]");
}


TEST(Loader, IssuerDurations) {
  for (auto [text, secs] : {std::pair{"30m", 1800}, {"2h", 7200}, {"1h30m", 5400}, {"90s", 90}, {"1.5h", 5400}}) {
    auto r = load_yaml(std::string(kIssuerHead) + "  tokenExpiry: " + text + "\n  leeway: 30s\n", "x");
    ASSERT_TRUE(r.has_value()) << text << dump(r.error());
    EXPECT_EQ(r->objects.issuers[0].token_expiry, std::chrono::seconds(secs)) << text;
    EXPECT_EQ(r->objects.issuers[0].leeway, std::chrono::seconds(30));
  }
  for (const char* bad : {"-1h", "2 hours", "2", "0s", "1500ms", "abc", "[1h]"}) {
    auto e = only_error(std::string(kIssuerHead) + "  tokenExpiry: " + bad + "\n");
    EXPECT_TRUE(e.code == IssueCode::bad_duration || e.code == IssueCode::wrong_type) << bad;
    EXPECT_EQ(e.field, "spec.tokenExpiry");
    EXPECT_EQ(e.line, 7);
  }
  auto e = only_error(std::string(kIssuerHead) + "  leeway: 10m\n");
  EXPECT_EQ(e.code, IssueCode::bad_duration);
  EXPECT_EQ(e.field, "spec.leeway");
  auto zero = load_yaml(std::string(kIssuerHead) + "  leeway: \"0\"\n", "x");
  ASSERT_TRUE(zero.has_value());
  EXPECT_EQ(zero->objects.issuers[0].leeway, std::chrono::seconds(0));
}

TEST(Loader, IssuerAlgorithmsAndUrls) {
  auto r = load_yaml(std::string(kIssuerHead) +
                         "  algorithms: [RS256, ES256, EdDSA, RS256]\n  issInternal: http://kubernetes.default.svc\n"
                         "  jwksUrl: https://issuer.example.com/keys\n  caFile: /etc/ca.pem\n",
                     "x");
  ASSERT_TRUE(r.has_value()) << dump(r.error());
  const auto& i = r->objects.issuers[0];
  EXPECT_EQ(i.algorithms, (std::vector<std::string>{"RS256", "ES256", "EdDSA"}));
  EXPECT_EQ(i.iss_internal, "http://kubernetes.default.svc");
  EXPECT_EQ(i.jwks_url, "https://issuer.example.com/keys");
  EXPECT_EQ(i.ca_file, "/etc/ca.pem");
  for (const char* bad : {"HS256", "none", "rs256", "ES256K"}) {
    auto e = only_error(std::string(kIssuerHead) + "  algorithms: [ES256, " + bad + "]\n");
    EXPECT_EQ(e.code, IssueCode::bad_algorithm) << bad;
    EXPECT_EQ(e.field, "spec.algorithms[1]");
  }
  auto e = only_error(std::string(kIssuerHead) + "  jwksUrl: ftp://x/keys\n");
  EXPECT_EQ(e.code, IssueCode::invalid_value);
}

TEST(Loader, InlineJwksAsMappingOrJsonString) {
  auto r = load_yaml(std::string(kIssuerHead) + R"(  jwks:
    keys:
    - kty: EC
      crv: P-256
      kid: k1
      x: f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU
      y: x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0
)",
                     "x");
  ASSERT_TRUE(r.has_value()) << dump(r.error());
  auto v = boost::json::parse(*r->objects.issuers[0].jwks);
  EXPECT_EQ(v.at("keys").at(0).at("kid").as_string(), "k1");
  EXPECT_EQ(v.at("keys").at(0).at("crv").as_string(), "P-256");

  auto s = load_yaml(std::string(kIssuerHead) + "  jwks: '{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"abc\"}]}'\n", "x");
  ASSERT_TRUE(s.has_value()) << dump(s.error());
  EXPECT_EQ(boost::json::parse(*s->objects.issuers[0].jwks).at("keys").at(0).at("kty").as_string(), "OKP");

  for (const char* bad : {"'{\"keys\": []}'", "'not json'", "'{\"nokeys\":1}'", "[1, 2]", "{keys: [a]}"}) {
    auto e = only_error(std::string(kIssuerHead) + "  jwks: " + bad + "\n");
    EXPECT_TRUE(e.code == IssueCode::invalid_value || e.code == IssueCode::wrong_type) << bad;
    EXPECT_EQ(e.field, "spec.jwks");
  }
}

TEST(Loader, CrossObjectRules) {
  const std::string role = "apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r}\nspec: {policy: [p], principal: {jwt:sub: [a]}}\n";
  auto r = load_yaml(role + "---\n" + role, "dup.yaml");
  ASSERT_FALSE(r.has_value());
  ASSERT_EQ(r.error().size(), 1u) << dump(r.error());
  EXPECT_EQ(r.error()[0].code, IssueCode::duplicate_object);
  EXPECT_EQ(r.error()[0].line, 6);
  EXPECT_THAT(r.error()[0].message, HasSubstr("dup.yaml:1"));

  // Same name, other namespace: fine for Roles ...
  auto ok = load_yaml(role + "---\n" + "apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r, namespace: other}\nspec: {policy: [p], principal: {jwt:sub: [a]}}\n", "x");
  EXPECT_TRUE(ok.has_value());
  // ... but not for Policies, whose bare names travel in tokens.
  const std::string pol = std::string(kPolicyHead) + "  - {effect: Allow, action: [\"*\"], resource: [\"*\"]}\n";
  std::string pol2 = pol;
  pol2.replace(pol2.find("namespace: openfaas"), 19, "namespace: tenant1");
  auto bad = load_yaml(pol + "---\n" + pol2, "x");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error()[0].code, IssueCode::duplicate_object);

  std::string iss2 = std::string(kIssuerHead);
  iss2.replace(iss2.find("name: k"), 7, "name: k2");
  auto dup_iss = load_yaml(std::string(kIssuerHead) + "---\n" + iss2, "x");
  ASSERT_FALSE(dup_iss.has_value());
  EXPECT_EQ(dup_iss.error()[0].code, IssueCode::duplicate_issuer);
  EXPECT_EQ(dup_iss.error()[0].object, "JwtIssuer/k2");
}

TEST(Loader, WarningsForRolesThatMatchEveryone) {
  auto r = load_yaml("apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r}\nspec: {policy: [p]}\n", "x");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_EQ(r->warnings[0].code, IssueCode::missing_policy);
  EXPECT_EQ(r->warnings[1].code, IssueCode::matches_everyone);
  EXPECT_EQ(severity(r->warnings[1].code), Severity::warning);
}

TEST(Directory, LoadsYamlFilesSkipsOthersAndOrderDoesNotMatter) {
  TempDir d;
  // The Role comes first by name, its Policy later: no warning.
  write(d.path / "a-role.yaml", "apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r}\nspec: {policy: [p], principal: {jwt:sub: [a]}}\n");
  write(d.path / "b-policy.yml", std::string(kPolicyHead) + "  - {effect: Allow, action: [\"*\"], resource: [\"*\"]}\n");
  write(d.path / "README.md", "not yaml: [");
  write(d.path / ".hidden.yaml", "garbage: [");
  fs::create_directories(d.path / "sub.yaml");  // a directory: skipped
  write(d.path / "sub.yaml" / "x.yaml", "garbage: [");
  auto r = load_directory(d.path);
  ASSERT_TRUE(r.has_value()) << dump(r.error());
  EXPECT_EQ(r->objects.roles.size(), 1u);
  EXPECT_EQ(r->objects.policies.size(), 1u);
  EXPECT_TRUE(r->warnings.empty()) << dump(r->warnings);

  write(d.path / "c-bad.yaml", "apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r2}\nspec: {policy: p}\n");
  auto bad = load_directory(d.path);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error()[0].file, (d.path / "c-bad.yaml").string());
  EXPECT_EQ(bad.error()[0].object, "Role/r2");
  EXPECT_EQ(bad.error()[0].field, "spec.policy");
  EXPECT_EQ(bad.error()[0].line, 4);

  EXPECT_FALSE(load_directory(d.path / "does-not-exist").has_value());
}

// A mounted ConfigMap: name -> ..data/name, ..data -> ..2024_01_01_00_00_00.1, files in the latter.
TEST(Directory, FollowsTheConfigMapDataLayout) {
  TempDir d;
  const fs::path v1 = d.path / "..2024_01_01_00_00_00.1";
  fs::create_directories(v1);
  write(v1 / "policy.yaml", std::string(kPolicyHead) + "  - {effect: Allow, action: [\"*\"], resource: [\"*\"]}\n");
  write(v1 / "role.yaml", "apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r}\nspec: {policy: [p], principal: {jwt:sub: [a]}}\n");
  fs::create_directory_symlink(v1.filename(), d.path / "..data");
  fs::create_symlink(fs::path("..data") / "policy.yaml", d.path / "policy.yaml");
  fs::create_symlink(fs::path("..data") / "role.yaml", d.path / "role.yaml");

  auto r = load_directory(d.path);
  ASSERT_TRUE(r.has_value()) << dump(r.error());
  EXPECT_EQ(r->objects.policies.size(), 1u);
  EXPECT_EQ(r->objects.roles.size(), 1u);
  EXPECT_EQ(r->objects.roles[0].meta.source, (d.path / "role.yaml").string());
  auto fp1 = fingerprint_directory(d.path);
  ASSERT_TRUE(fp1.has_value());
  EXPECT_EQ(fp1->files, 2u);
  EXPECT_EQ(*fingerprint_directory(d.path), *fp1);

  // The kubelet's atomic update: a new timestamped dir, then ..data swapped to it.
  const fs::path v2 = d.path / "..2024_01_01_00_01_00.2";
  fs::create_directories(v2);
  write(v2 / "policy.yaml", std::string(kPolicyHead) + "  - {effect: Deny, action: [\"*\"], resource: [\"*\"]}\n");
  write(v2 / "role.yaml", "apiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: r}\nspec: {policy: [p], principal: {jwt:sub: [b]}}\n");
  fs::create_directory_symlink(v2.filename(), d.path / "..data_tmp");
  fs::rename(d.path / "..data_tmp", d.path / "..data");
  fs::remove_all(v1);

  auto fp2 = fingerprint_directory(d.path);
  ASSERT_TRUE(fp2.has_value());
  EXPECT_NE(*fp2, *fp1);
  auto r2 = load_directory(d.path);
  ASSERT_TRUE(r2.has_value()) << dump(r2.error());
  EXPECT_EQ(r2->objects.policies[0].statement[0].effect, Effect::deny);
  EXPECT_EQ(r2->objects.roles[0].principal.at("jwt:sub")[0], "b");
}

TEST(Directory, FingerprintChangesWithNamesSizesAndMtimes) {
  TempDir d;
  write(d.path / "a.yaml", "# a\n");
  auto f1 = *fingerprint_directory(d.path);
  EXPECT_EQ(*fingerprint_directory(d.path), f1);
  write(d.path / "notes.txt", "ignored");
  EXPECT_EQ(*fingerprint_directory(d.path), f1);
  write(d.path / "a.yaml", "# ab\n");
  auto f2 = *fingerprint_directory(d.path);
  EXPECT_NE(f2, f1);
  fs::last_write_time(d.path / "a.yaml", fs::last_write_time(d.path / "a.yaml") - std::chrono::hours(1));
  auto f3 = *fingerprint_directory(d.path);
  EXPECT_NE(f3, f2);
  write(d.path / "b.yml", "");
  auto f4 = *fingerprint_directory(d.path);
  EXPECT_NE(f4, f3);
  EXPECT_EQ(f4.files, 2u);
  fs::remove(d.path / "b.yml");
  EXPECT_NE(*fingerprint_directory(d.path), f4);
  EXPECT_FALSE(fingerprint_directory(d.path / "nope").has_value());
}

}  // namespace
}  // namespace faasgate::iam
