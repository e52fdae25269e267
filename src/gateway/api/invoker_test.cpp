#include "faasgate/api/invoker.hpp"

#include <gtest/gtest.h>

namespace faasgate::api {
namespace {

TEST(Invoker, AQualifiedNameSplitsAtItsLastDot) {
  EXPECT_EQ(split_function_name("echo"), (std::pair<std::string, std::string>{"echo", "openfaas-fn"}));
  EXPECT_EQ(split_function_name("echo.dev"), (std::pair<std::string, std::string>{"echo", "dev"}));
  EXPECT_EQ(split_function_name("a.b.dev"), (std::pair<std::string, std::string>{"a.b", "dev"}));
  EXPECT_EQ(split_function_name("echo."), (std::pair<std::string, std::string>{"echo.", "openfaas-fn"}));
}

TEST(Invoker, AnEncodedPathIsForwardedAsItIs) {
  for (const char* path : {"/", "/a/b", "/a%20b", "/x%0D%0AY:%20z", "/a%2Fb/c", "/~user/@x:y;z=1,2!$&'()*+"}) {
    EXPECT_EQ(request_path(path), path);
  }
}

TEST(Invoker, ADecodedPathIsEncodedBeforeItGoesIntoARequestLine) {
  EXPECT_EQ(request_path("/a b"), "/a%20b");
  EXPECT_EQ(request_path("/x\r\nY: z"), "/x%0D%0AY:%20z");
  EXPECT_EQ(request_path("/100%"), "/100%25");  // a lone '%' is not an escape
  EXPECT_EQ(request_path("/caf\xc3\xa9"), "/caf%C3%A9");
}

}  // namespace
}  // namespace faasgate::api
