#include "codec.hpp"

#include <gtest/gtest.h>

namespace faasgate::queue::codec {
namespace {

TEST(Codec, PairsKeepOrderRepeatsAndNonUtf8Bytes) {
  Pairs pairs = {{"B", "1"}, {"A", "2"}, {"B", "3"}, {"X", "\xff\xfe obs-text"}};
  auto back = decode_pairs(encode_pairs(pairs));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, pairs);
  EXPECT_TRUE(decode_pairs("[]")->empty());
  EXPECT_FALSE(decode_pairs("[[\"a\"]]"));
  EXPECT_FALSE(decode_pairs("{}"));
}

}  // namespace
}  // namespace faasgate::queue::codec
