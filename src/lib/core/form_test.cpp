#include "faasgate/core/form.hpp"

#include <gtest/gtest.h>

namespace faasgate::core {
namespace {

TEST(Form, DecodesPercentAndPlus) {
  FormParams p;
  ASSERT_TRUE(decode_form("a=1+2&b=%41%2B&c&d=", p));
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0], (std::pair<std::string, std::string>{"a", "1 2"}));
  EXPECT_EQ(p[1].second, "A+");
  EXPECT_EQ(p[2], (std::pair<std::string, std::string>{"c", ""}));
  EXPECT_EQ(form_value(p, "d"), "");
  EXPECT_EQ(form_value(p, "e"), std::nullopt);
}

TEST(Form, KeepsRepeatedParameters) {
  FormParams p;
  ASSERT_TRUE(decode_form("audience=a&audience=b", p));
  EXPECT_EQ(p.size(), 2u);
}

TEST(Form, RefusesBadEscapes) {
  for (auto bad : {"a=%", "a=%4", "a=%zz", "a=%00"}) {
    FormParams p;
    EXPECT_FALSE(decode_form(bad, p)) << bad;
  }
}

}  // namespace
}  // namespace faasgate::core

namespace faasgate::core {
namespace {

TEST(Form, ParsesTextThatIsNotNulTerminated) {
  // A view into the middle of a buffer, as the query of a request target is.
  const std::string buffer = "a=1&b=2 HTTP/1.1";
  FormParams p;
  ASSERT_TRUE(decode_form(std::string_view(buffer).substr(0, 7), p));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].second, "2");
}

TEST(Form, RefusesRawNul) {
  FormParams p;
  EXPECT_FALSE(decode_form(std::string_view("a=1\0b=2", 7), p));
}

}  // namespace
}  // namespace faasgate::core
