#include "faasgate/model/model.hpp"

#include <gtest/gtest.h>

namespace faasgate::model {
namespace {

TEST(Model, AQualifiedNameSplitsAtItsLastDot) {
  EXPECT_EQ(split_function_name("echo"), (std::pair<std::string, std::string>{"echo", "openfaas-fn"}));
  EXPECT_EQ(split_function_name("echo.dev"), (std::pair<std::string, std::string>{"echo", "dev"}));
  EXPECT_EQ(split_function_name("a.b.dev"), (std::pair<std::string, std::string>{"a.b", "dev"}));
  EXPECT_EQ(split_function_name("echo."), (std::pair<std::string, std::string>{"echo.", "openfaas-fn"}));
}

}  // namespace
}  // namespace faasgate::model
