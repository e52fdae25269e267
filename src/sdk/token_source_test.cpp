#include "faasgate/sdk/token_source.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace faasgate::sdk {
namespace {

class ServiceAccountTokenSourceTest : public ::testing::Test {
 protected:
  ServiceAccountTokenSourceTest() {
    char tmpl[] = "/tmp/faasgate-sdk-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~ServiceAccountTokenSourceTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void write(const std::string& text) { std::ofstream(dir_ / "openfaas-token", std::ios::trunc) << text; }

  std::filesystem::path dir_;
};

TEST_F(ServiceAccountTokenSourceTest, ReadsTheFileAfreshOnEveryCall) {
  ServiceAccountTokenSource source(dir_);
  write("first.token.value\n");
  auto first = source.token();
  ASSERT_TRUE(first.has_value()) << first.error();
  EXPECT_EQ(first->reveal(), "first.token.value");
  write("second.token.value");  // the kubelet rotated it
  auto second = source.token();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->reveal(), "second.token.value");
}

TEST_F(ServiceAccountTokenSourceTest, AMissingEmptyOrHugeFileIsAnErrorThatNamesThePathNotAToken) {
  ServiceAccountTokenSource source(dir_);
  auto missing = source.token();
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find((dir_ / "openfaas-token").string()), std::string::npos) << missing.error();
  write("\n");
  EXPECT_FALSE(source.token().has_value());
  write(std::string(ServiceAccountTokenSource::kMaxTokenBytes + 1, 'a'));
  auto huge = source.token();
  ASSERT_FALSE(huge.has_value());
  EXPECT_EQ(huge.error().find("aaaa"), std::string::npos);
}

TEST_F(ServiceAccountTokenSourceTest, TheDirectoryComesFromTokenMountPathOrTheDefault) {
  ::setenv("token_mount_path", dir_.c_str(), 1);
  EXPECT_EQ(ServiceAccountTokenSource().path(), dir_ / "openfaas-token");
  ::unsetenv("token_mount_path");
  EXPECT_EQ(ServiceAccountTokenSource().path(), std::filesystem::path("/var/secrets/tokens/openfaas-token"));
}

TEST(StaticTokenSource, GivesItsTokenAndRefusesAnEmptyOne) {
  StaticTokenSource source(core::Secret("a.b.c"));
  EXPECT_EQ(source.token()->reveal(), "a.b.c");
  EXPECT_FALSE(StaticTokenSource(core::Secret("")).token().has_value());
}

}  // namespace
}  // namespace faasgate::sdk
