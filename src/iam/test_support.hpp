#pragma once
// Helpers shared by the iam module's tests: compile objects from YAML text or from the write-up's
// manifests, and print load issues in a failure message.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "iam/engine.hpp"
#include "iam/loader.hpp"

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
  auto loaded = load_directory(std::filesystem::path(FAASGATE_SHARED_DIR) / "testdata" / "seed-manifests");
  EXPECT_TRUE(loaded.has_value());
  auto e = Engine::compile(std::move(loaded->objects));
  EXPECT_TRUE(e.has_value());
  return *e;
}

}  // namespace faasgate::iam::test_support
