#include "codec.hpp"

#include <gtest/gtest.h>

namespace faasgate::store::codec {
namespace {

TEST(Codec, DeploymentRoundTrip) {
  model::FunctionDeployment fn;
  fn.service = "echo";
  fn.namespace_ = "team";
  fn.env_vars = {{"K", "v\"\\\n"}};
  fn.secrets = {"a", "b"};
  fn.constraints = {"c"};
  fn.requests = model::Resources{"1Mi", "1m"};
  fn.replicas = 0;
  auto back = decode_deployment(encode_deployment(fn));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->service, "echo");
  EXPECT_EQ(back->namespace_, "team");
  EXPECT_EQ(back->env_vars, fn.env_vars);
  EXPECT_EQ(back->secrets, fn.secrets);
  EXPECT_EQ(back->constraints, fn.constraints);
  EXPECT_FALSE(back->limits);
  ASSERT_TRUE(back->requests);
  EXPECT_EQ(back->requests->cpu, "1m");
  EXPECT_EQ(back->replicas, 0u);
}

TEST(Codec, MissingMembersTakeDefaultsWrongTypesAreRefused) {
  auto minimal = decode_deployment("{}");
  ASSERT_TRUE(minimal);
  EXPECT_EQ(minimal->namespace_, "openfaas-fn");
  EXPECT_EQ(minimal->replicas, 1u);
  for (const char* bad : {"[]", "nope", "{\"envVars\":[]}", "{\"secrets\":[1]}", "{\"replicas\":-1}",
                          "{\"replicas\":4294967296}", "{\"readOnlyRootFilesystem\":\"yes\"}", "{\"limits\":3}",
                          "{\"labels\":{\"a\":1}}"}) {
    EXPECT_FALSE(decode_deployment(bad)) << bad;
  }
}

TEST(Codec, Maps) {
  std::map<std::string, std::string> m = {{"a", "1"}, {"b", ""}};
  EXPECT_EQ(*decode_map(encode_map(m)), m);
  EXPECT_FALSE(decode_map("[]"));
}

}  // namespace
}  // namespace faasgate::store::codec
