#include "faasgate/wire/json.hpp"

#include <gtest/gtest.h>

namespace faasgate::wire {
namespace {

TEST(Wire, ParsesTheUpstreamDeployment) {
  auto d = parse_deployment(R"({"service":"echo","image":"ghcr.io/openfaas/echo:latest","namespace":"dev",
    "envProcess":"cat","envVars":{"mode":"http"},"secrets":["db"],"labels":{"a":"b"},
    "annotations":{"topic":"cron-function","schedule":"* * * * *"},"limits":{"memory":"128Mi"},
    "readOnlyRootFilesystem":true,"unknownField":1})");
  ASSERT_TRUE(d.has_value()) << d.error();
  EXPECT_EQ(d->service, "echo");
  EXPECT_EQ(d->namespace_, "dev");
  EXPECT_EQ(d->env_vars.at("mode"), "http");
  EXPECT_EQ(d->annotations.at("schedule"), "* * * * *");
  EXPECT_EQ(d->limits->memory, "128Mi");
  EXPECT_TRUE(d->read_only_root_filesystem);
}

TEST(Wire, DefaultsAndFprocess) {
  auto d = parse_deployment(R"({"service":"echo","envVars":{"fprocess":"cat"}})");
  ASSERT_TRUE(d.has_value()) << d.error();
  EXPECT_EQ(d->namespace_, "openfaas-fn");
  EXPECT_EQ(d->env_process, "cat");
}

TEST(Wire, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* says;
  } cases[] = {
      {R"({"service":"a b","envProcess":"cat"})", "service"},
      {R"({"envProcess":"cat"})", "service is required"},
      {R"({"service":"x"})", "envProcess"},
      {R"({"service":"x","envProcess":"cat","envVars":{"a":1}})", "envVars.a"},
      {R"({"service":"x","envProcess":"cat","secrets":"db"})", "secrets"},
      {R"({"service":"x","envProcess":"cat","namespace":"../etc"})", "namespace"},
      {R"([1,2])", "object"},
      {R"({"service":"x",)", "JSON"},
      {R"({"service":"x","service":"y","envProcess":"cat"})", "JSON"},
  };
  for (const auto& c : cases) {
    auto d = parse_deployment(c.body);
    ASSERT_FALSE(d.has_value()) << c.body;
    EXPECT_NE(d.error().find(c.says), std::string::npos) << c.body << " -> " << d.error();
  }
}

TEST(Wire, StatusJsonHasTheUpstreamFields) {
  model::FunctionStatus s;
  s.deployment.service = "echo";
  s.deployment.env_process = "cat";
  s.invocation_count = 3;
  s.available_replicas = 1;
  s.created_at = core::from_unix(0);
  auto o = to_json(s);
  for (auto key : {"name", "image", "namespace", "envProcess", "envVars", "labels", "annotations", "invocationCount",
                   "replicas", "availableReplicas", "createdAt"})
    EXPECT_TRUE(o.contains(key)) << key;
  EXPECT_EQ(o.at("createdAt"), "1970-01-01T00:00:00Z");
}

TEST(Wire, SecretValueOrRawValue) {
  auto a = parse_secret(R"({"name":"db","value":"s3cret"})", true);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->value.reveal(), "s3cret");
  EXPECT_EQ(a->namespace_, "openfaas-fn");
  auto b = parse_secret(R"({"name":"db","rawValue":"AAEC"})", true);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->value.reveal(), std::string("\x00\x01\x02", 3));
  EXPECT_FALSE(parse_secret(R"({"name":"db","rawValue":"!!"})", true).has_value());
  EXPECT_FALSE(parse_secret(R"({"name":"db"})", true).has_value());
  EXPECT_TRUE(parse_secret(R"({"name":"db"})", false).has_value());
  // faas-cli --from-file sends both: rawValue wins, as in faas-netes and faasd.
  auto both = parse_secret(R"({"name":"db","value":"s3cret","rawValue":"AAEC"})", true);
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->value.reveal(), std::string("\x00\x01\x02", 3));
  auto bad = parse_secret(R"({"name":"db","value":"s3cret","rawValue":"!!"})", true);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().find("s3cret"), std::string::npos);
}

TEST(Wire, ScaleNeedsReplicas) {
  EXPECT_FALSE(parse_scale(R"({"serviceName":"echo"})").has_value());
  EXPECT_FALSE(parse_scale(R"({"serviceName":"echo","replicas":-1})").has_value());
  auto s = parse_scale(R"({"serviceName":"echo","replicas":3,"namespace":"dev"})");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->replicas, 3u);
}

}  // namespace
}  // namespace faasgate::wire
