#include "faasgate/wire/json.hpp"

#include <boost/json/serialize.hpp>
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

TEST(Wire, ADeploymentRoundTripsThroughWhatAClientSends) {
  model::FunctionDeployment d;
  d.service = "echo";
  d.namespace_ = "dev";
  d.env_process = "cat";
  d.env_vars = {{"mode", "http"}};
  d.secrets = {"db"};
  d.annotations = {{"schedule", "*/5 * * * *"}};
  d.limits = model::Resources{"128Mi", ""};
  d.read_only_root_filesystem = true;
  auto back = parse_deployment(boost::json::serialize(to_json(d)));
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->service, "echo");
  EXPECT_EQ(back->namespace_, "dev");
  EXPECT_EQ(back->env_vars, d.env_vars);
  EXPECT_EQ(back->secrets, d.secrets);
  EXPECT_EQ(back->annotations, d.annotations);
  EXPECT_EQ(back->limits->memory, "128Mi");
  EXPECT_TRUE(back->read_only_root_filesystem);
}

// faas-netes passes further Kubernetes resources (GPUs) on to the Pod, and reports what replicas
// use: both pass through the gateway as the back end wrote them.
TEST(Wire, OtherResourcesAndUsagePassThrough) {
  auto d = parse_deployment(
      R"({"service":"gpu","envProcess":"x","limits":{"memory":"1Gi","nvidia.com/gpu":"1"},"requests":{"cpu":"1"}})");
  ASSERT_TRUE(d.has_value()) << d.error();
  EXPECT_EQ(d->limits->other.at("nvidia.com/gpu"), "1");
  auto again = parse_deployment(boost::json::serialize(to_json(*d)));
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_EQ(again->limits->other, d->limits->other);
  EXPECT_EQ(again->limits->memory, "1Gi");

  model::FunctionStatus s;
  s.deployment = *d;
  s.usage = model::FunctionUsage{0.5, 1048576};
  auto status = parse_function_status(boost::json::serialize(to_json(s)));
  ASSERT_TRUE(status.has_value()) << status.error();
  ASSERT_TRUE(status->usage.has_value());
  EXPECT_DOUBLE_EQ(status->usage->cpu, 0.5);
  EXPECT_DOUBLE_EQ(status->usage->total_memory_bytes, 1048576);
  EXPECT_FALSE(parse_function_status(R"({"name":"x"})")->usage.has_value());

  std::string many = R"({"service":"gpu","envProcess":"x","limits":{)";
  for (int i = 0; i < 17; ++i) many += (i ? "," : "") + std::string("\"r") + std::to_string(i) + "\":\"1\"";
  many += "}}";
  auto refused = parse_deployment(many);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().find("at most 16"), std::string::npos) << refused.error();
  EXPECT_FALSE(parse_deployment(R"({"service":"gpu","envProcess":"x","limits":{"nvidia.com/gpu":1}})").has_value());
}

TEST(Wire, AStatusRoundTripsAndUpstreamShapesParse) {
  model::FunctionStatus s;
  s.deployment.service = "echo";
  s.deployment.env_process = "cat";
  s.deployment.replicas = 2;
  s.invocation_count = 7;
  s.available_replicas = 1;
  s.created_at = core::from_unix(1764597600);
  auto back = parse_function_status(boost::json::serialize(to_json(s)));
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->deployment.service, "echo");
  EXPECT_EQ(back->deployment.replicas, 2u);
  EXPECT_EQ(back->invocation_count, 7u);
  EXPECT_EQ(back->available_replicas, 1u);
  EXPECT_EQ(back->created_at, s.created_at);

  // faas-netes: a float count, no envProcess, a Go time with nanoseconds and an offset.
  auto upstream = parse_function_statuses(R"([{"name":"figlet","image":"ghcr.io/openfaas/figlet:latest",
    "namespace":"openfaas-fn","invocationCount":12.0,"replicas":1,"availableReplicas":1,
    "createdAt":"2025-12-01T15:00:00.123456789+01:00"}])");
  ASSERT_TRUE(upstream.has_value()) << upstream.error();
  ASSERT_EQ(upstream->size(), 1u);
  EXPECT_EQ((*upstream)[0].invocation_count, 12u);
  EXPECT_EQ((*upstream)[0].created_at, core::from_unix(1764597600));
  auto none = parse_function_statuses("null");
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST(Wire, AnswersThatAreNotTheDocumentedShapeAreErrors) {
  EXPECT_FALSE(parse_function_statuses(R"({"name":"x"})").has_value());
  EXPECT_FALSE(parse_function_statuses(R"([{"image":"x"}])").has_value());
  EXPECT_FALSE(parse_function_statuses(R"([{"name":"x","replicas":"one"}])").has_value());
  EXPECT_FALSE(parse_function_status("not json").has_value());
  EXPECT_FALSE(parse_namespace_names(R"(["a",1])").has_value());
  EXPECT_FALSE(parse_secret_refs(R"([{"name":1}])").has_value());
  auto names = parse_namespace_names(R"(["openfaas-fn","dev"])");
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(*names, (std::vector<std::string>{"openfaas-fn", "dev"}));
  auto refs = parse_secret_refs(R"([{"name":"db","namespace":"dev"}])");
  ASSERT_TRUE(refs.has_value());
  EXPECT_EQ((*refs)[0].name, "db");
  EXPECT_EQ((*refs)[0].namespace_, "dev");
}

TEST(Wire, ASecretIsSentAsRawValueAndTheGatewayReadsItBack) {
  SecretBody secret{"db", "dev", core::Secret(std::string("p\0w\n\xff", 5))};
  auto back = parse_secret(boost::json::serialize(to_json(secret)), true);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->value.reveal(), secret.value.reveal());
  EXPECT_EQ(back->namespace_, "dev");
}

}  // namespace
}  // namespace faasgate::wire
