#include "faasgate/core/text.hpp"

#include <gtest/gtest.h>

namespace faasgate::core {
namespace {

TEST(Text, PrintableReplacesControlCharactersAndBoundsTheLength) {
  EXPECT_EQ(printable("a\nb\x7f" "c"), "a?b?c");
  EXPECT_EQ(printable("abcdef", 3), "abc...");
}

TEST(Text, ValidUtf8AcceptsWellFormedTextOnly) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9f\x94\x91"));  // ü ß € and a 4-byte key
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\xc3"));              // cut short
  EXPECT_FALSE(valid_utf8("\xc3\x28"));          // a continuation byte missing
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));      // overlong, 3 bytes
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\x80"));              // a lone continuation byte
}

}  // namespace
}  // namespace faasgate::core
