#include "faasgate/core/json.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace faasgate::core {
namespace {

JsonErrc error_of(std::string_view text, const JsonLimits& limits = {}) {
  auto parsed = parse_json_strict(text, limits);
  EXPECT_FALSE(parsed) << text;
  return parsed ? JsonErrc{} : parsed.error().code;
}

TEST(StrictJson, ParsesOrdinaryDocuments) {
  auto parsed = parse_json_strict(R"({"a":1,"b":[true,null,"x",-2,1.5,18446744073709551615],"c":{"d":"\u00e9"}})");
  ASSERT_TRUE(parsed) << parsed.error().detail;
  const auto& object = parsed->as_object();
  EXPECT_EQ(object.at("a").as_int64(), 1);
  EXPECT_EQ(object.at("b").as_array().size(), 6u);
  EXPECT_EQ(object.at("b").as_array()[5].as_uint64(), 18446744073709551615ull);
  EXPECT_EQ(object.at("c").as_object().at("d").as_string(), "\xc3\xa9");
  EXPECT_EQ(boost::json::serialize(*parsed),
            R"({"a":1,"b":[true,null,"x",-2,1.5E0,18446744073709551615],"c":{"d":"é"}})");
}

TEST(StrictJson, ParsesScalarsAndWhitespace) {
  auto parsed = parse_json_strict(" \t\n 42 \r\n");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->as_int64(), 42);
  EXPECT_TRUE(parse_json_strict("\"s\""));
  EXPECT_TRUE(parse_json_strict("{}"));
  EXPECT_TRUE(parse_json_strict("[]"));
}

TEST(StrictJson, RejectsDuplicateMembers) {
  EXPECT_EQ(error_of(R"({"a":1,"a":2})"), JsonErrc::duplicate_member);
  EXPECT_EQ(error_of(R"({"a":1,"b":{"c":1,"c":1}})"), JsonErrc::duplicate_member);
  EXPECT_EQ(error_of(R"([{"x":[],"x":[]}])"), JsonErrc::duplicate_member);
  // Names are compared after unescaping: "\u0061" is "a".
  EXPECT_EQ(error_of(R"({"a":1,"\u0061":2})"), JsonErrc::duplicate_member);
  // The same name in different objects is fine.
  EXPECT_TRUE(parse_json_strict(R"({"a":{"a":1},"b":{"a":2}})"));
}

TEST(StrictJson, DuplicateDetailDoesNotEchoTheName) {
  auto parsed = parse_json_strict(R"({"secret-name":1,"secret-name":2})");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().detail.find("secret"), std::string::npos);
}

TEST(StrictJson, EnforcesDepthExactly) {
  JsonLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(parse_json_strict("[[[]]]", limits));
  EXPECT_TRUE(parse_json_strict(R"({"a":{"b":[1]}})", limits));
  EXPECT_EQ(error_of("[[[[]]]]", limits), JsonErrc::too_deep);
  EXPECT_EQ(error_of(R"({"a":{"b":{"c":{}}}})", limits), JsonErrc::too_deep);
  // Far deeper than any stack should be asked to handle.
  EXPECT_EQ(error_of(std::string(100000, '['), {}), JsonErrc::too_deep);
}

TEST(StrictJson, EnforcesSizeExactly) {
  JsonLimits limits;
  limits.max_bytes = 7;
  EXPECT_TRUE(parse_json_strict(R"({"a":1})", limits));
  EXPECT_EQ(error_of(R"({"a":12})", limits), JsonErrc::too_large);
}

TEST(StrictJson, RejectsSyntaxErrorsAndExtensions) {
  for (std::string_view bad : {"", " ", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "[1] [2]", "{} x", "// c\n{}",
                               "/* c */{}", "{'a':1}", "NaN", "Infinity", "01", "\"\x80\"", "\"a\nb\""}) {
    EXPECT_EQ(error_of(bad), JsonErrc::syntax) << bad;
  }
  EXPECT_EQ(error_of(std::string_view("{}\0", 3)), JsonErrc::syntax);
  // Invalid UTF-8 in a member name too.
  EXPECT_EQ(error_of("{\"\xff\":1}"), JsonErrc::syntax);
}

// Found by fuzz/json_fuzz: Boost.JSON 1.81 parses a number beyond double's range as infinity (and
// "0e999" as NaN), which serializes as `Infinity` (`NaN`) - not JSON - so, e.g., a claim of 1e999
// copied into a minted access token made a token that nobody (the gateway included) could parse.
// Such numbers are refused.
TEST(StrictJson, RejectsNumbersBeyondDoubleRange) {
  for (std::string_view bad : {"1e999", "-1e999", "[1E400]", R"({"exp":1e309})", "2e308", "0e999", "-0.0e400"}) {
    EXPECT_EQ(error_of(bad), JsonErrc::syntax) << bad;
  }
  // The extremes that fit are kept, and underflow is an ordinary zero.
  for (std::string_view good : {"1e308", "-1.7976931348623157e308", "1e-400", "18446744073709551616"}) {
    auto parsed = parse_json_strict(good);
    ASSERT_TRUE(parsed) << good;
    EXPECT_TRUE(parse_json_strict(boost::json::serialize(*parsed))) << good;
  }
}

}  // namespace
}  // namespace faasgate::core
