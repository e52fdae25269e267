#include "faasgate/invoke/function_invoker.hpp"

#include <gtest/gtest.h>

namespace faasgate::invoke {
namespace {

TEST(RequestPath, AnEncodedPathIsForwardedAsItIs) {
  for (const char* path : {"/", "/a/b", "/a%20b", "/x%0D%0AY:%20z", "/a%2Fb/c", "/~user/@x:y;z=1,2!$&'()*+"}) {
    EXPECT_EQ(request_path(path), path);
  }
}

TEST(RequestPath, ADecodedPathIsEncodedBeforeItGoesIntoARequestLine) {
  EXPECT_EQ(request_path("/a b"), "/a%20b");
  EXPECT_EQ(request_path("/x\r\nY: z"), "/x%0D%0AY:%20z");
  EXPECT_EQ(request_path("/100%"), "/100%25");  // a lone '%' is not an escape
  EXPECT_EQ(request_path("/caf\xc3\xa9"), "/caf%C3%A9");
}

}  // namespace
}  // namespace faasgate::invoke
