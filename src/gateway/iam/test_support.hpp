#pragma once
// Helpers shared by the iam module's tests: compile objects from YAML text or from the write-up's
// manifests, print load issues in a failure message, and build manifests and token claims.
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "faasgate/iam/engine.hpp"
#include "faasgate/iam/loader.hpp"

namespace faasgate::iam::test_support {

inline std::string dump(const Issues& issues) {
  std::string s;
  for (const auto& i : issues) s += i.to_string() + "\n";
  return s;
}

inline std::shared_ptr<const Engine> engine_from(std::string_view yaml) {
  auto loaded = load_yaml(yaml, "test.yaml");
  EXPECT_TRUE(loaded.has_value()) << dump(loaded.error());
  if (!loaded) return nullptr;
  auto e = Engine::compile(std::move(loaded->objects));
  EXPECT_TRUE(e.has_value()) << dump(e.error());
  return e ? *e : nullptr;
}

inline std::shared_ptr<const Engine> seed_engine() {
  auto loaded = load_directory(std::filesystem::path(FAASGATE_TESTDATA_DIR) / "seed-manifests");
  EXPECT_TRUE(loaded.has_value());
  auto e = Engine::compile(std::move(loaded->objects));
  EXPECT_TRUE(e.has_value());
  return *e;
}

// The claims of a Kubernetes projected service-account token for `sa` in `ns`, shaped as the
// write-up's example (fixed times: matching does not look at them).
inline boost::json::object k8s_token(std::string_view ns, std::string_view sa) {
  auto o = boost::json::parse(R"({
    "iss": "https://kubernetes.default.svc.cluster.local",
    "aud": ["https://gateway.example.com"],
    "exp": 1688481371, "iat": 1688474171, "nbf": 1688474171
  })").as_object();
  o["sub"] = "system:serviceaccount:" + std::string(ns) + ":" + std::string(sa);
  boost::json::object k8s;
  k8s["namespace"] = ns;
  k8s["serviceaccount"] = boost::json::object{{"name", sa}, {"uid", "u-1"}};
  k8s["pod"] = boost::json::object{{"name", std::string(sa) + "-7f9"}, {"uid", "u-2"}};
  o["kubernetes.io"] = std::move(k8s);
  return o;
}

inline constexpr std::string_view kManifestHead = "apiVersion: iam.openfaas.com/v1\n";

// A Policy manifest in namespace openfaas; `statements` is the YAML list under spec.statement.
inline std::string policy_yaml(std::string_view name, std::string_view statements) {
  return std::string(kManifestHead) + "kind: Policy\nmetadata: {name: " + std::string(name) +
         ", namespace: openfaas}\nspec:\n  statement:\n" + std::string(statements) + "---\n";
}

// A Role manifest in namespace openfaas; `spec` is the YAML under spec.
inline std::string role_yaml(std::string_view name, std::string_view spec) {
  return std::string(kManifestHead) + "kind: Role\nmetadata: {name: " + std::string(name) +
         ", namespace: openfaas}\nspec:\n" + std::string(spec) + "---\n";
}

}  // namespace faasgate::iam::test_support
