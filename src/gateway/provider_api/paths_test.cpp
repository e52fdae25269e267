#include "paths.hpp"

#include <gtest/gtest.h>

namespace faasgate::provider_api {
namespace {

TEST(Paths, NamesStayInTheirSegment) {
  EXPECT_EQ(*path_segment("figlet"), "figlet");
  EXPECT_EQ(*path_segment("a.b_c-d"), "a.b_c-d");
  EXPECT_EQ(*path_segment("a/../system"), "a%2F..%2Fsystem");
  EXPECT_EQ(*path_segment("a%2F"), "a%252F");
  EXPECT_EQ(*path_segment("x?y#z&w=1 "), "x%3Fy%23z%26w%3D1%20");
  EXPECT_FALSE(path_segment(""));
  EXPECT_FALSE(path_segment("."));
  EXPECT_FALSE(path_segment(".."));
  EXPECT_FALSE(path_segment(std::string(254, 'a')));
}

TEST(Paths, QueryValuesCannotAddParameters) {
  EXPECT_EQ(query_string({}), "");
  EXPECT_EQ(query_string({{"namespace", "openfaas-fn"}}), "?namespace=openfaas-fn");
  EXPECT_EQ(query_string({{"name", "a&namespace=b"}, {"tail", ""}, {"namespace", "c"}}),
            "?name=a%26namespace%3Db&namespace=c");
}

TEST(Paths, DotSegments) {
  EXPECT_FALSE(has_dot_segment("/"));
  EXPECT_FALSE(has_dot_segment("/a/b.c/..d/..."));
  EXPECT_TRUE(has_dot_segment("/.."));
  EXPECT_TRUE(has_dot_segment("/a/../b"));
  EXPECT_TRUE(has_dot_segment("/a/./b"));
  EXPECT_TRUE(has_dot_segment("/%2e%2E/system"));
  EXPECT_TRUE(has_dot_segment("/.%2e"));
  EXPECT_TRUE(has_dot_segment("/a/%2E"));
  EXPECT_FALSE(has_dot_segment("/%2e%2e%2e"));
  EXPECT_TRUE(has_dot_segment("/..%2F..%2Fsystem/functions"));
  EXPECT_TRUE(has_dot_segment("/a%2f%2e%2e"));
  EXPECT_TRUE(has_dot_segment("/..%5Csystem"));
  EXPECT_FALSE(has_dot_segment("/a%2Fb"));
}

}  // namespace
}  // namespace faasgate::provider_api
