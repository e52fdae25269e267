#include "faasgate/core/base64.hpp"

#include <gtest/gtest.h>

namespace faasgate::core {
namespace {

std::string decoded_url(std::string_view text) {
  auto out = base64url_decode_string(text);
  EXPECT_TRUE(out.has_value()) << text;
  return out.value_or("<rejected>");
}

TEST(Base64Url, Rfc4648Vectors) {
  // RFC 4648 §10, unpadded.
  EXPECT_EQ(base64url_encode(std::string_view("")), "");
  EXPECT_EQ(base64url_encode(std::string_view("f")), "Zg");
  EXPECT_EQ(base64url_encode(std::string_view("fo")), "Zm8");
  EXPECT_EQ(base64url_encode(std::string_view("foo")), "Zm9v");
  EXPECT_EQ(base64url_encode(std::string_view("foob")), "Zm9vYg");
  EXPECT_EQ(base64url_encode(std::string_view("fooba")), "Zm9vYmE");
  EXPECT_EQ(base64url_encode(std::string_view("foobar")), "Zm9vYmFy");
  EXPECT_EQ(decoded_url(""), "");
  EXPECT_EQ(decoded_url("Zg"), "f");
  EXPECT_EQ(decoded_url("Zm8"), "fo");
  EXPECT_EQ(decoded_url("Zm9vYmFy"), "foobar");
}

TEST(Base64Url, UsesUrlAlphabet) {
  const std::uint8_t bytes[] = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64url_encode(std::span(bytes)), "-_-_");
  auto back = base64url_decode("-_-_");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, std::vector<std::uint8_t>(std::begin(bytes), std::end(bytes)));
}

TEST(Base64Url, RejectsPaddingWhitespaceAndForeignCharacters) {
  for (std::string_view bad : {"Zg==", "Zm8=", "Zm9v ", " Zm9v", "Zm\n9v", "Zm9v\r", "+/+/", "Zm9v.", "Zm9?",
                               "Zm9v="}) {
    EXPECT_FALSE(base64url_decode(bad)) << bad;
  }
  // Embedded NUL bytes (given with explicit lengths: a C string would stop at them).
  EXPECT_FALSE(base64url_decode(std::string_view("Zm9v\0", 5)));
  EXPECT_FALSE(base64url_decode(std::string_view("\0Zm9", 4)));
}

TEST(Base64Url, RejectsImpossibleLength) {
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));
}

TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
  // "Zg" is 'f'; "Zh".."Zv" differ only in the four unused bits.
  EXPECT_TRUE(base64url_decode("Zg"));
  EXPECT_FALSE(base64url_decode("Zh"));
  EXPECT_FALSE(base64url_decode("Zv"));
  // Two unused bits after two bytes: "Zm8" is canonical, "Zm9" is not.
  EXPECT_TRUE(base64url_decode("Zm8"));
  EXPECT_FALSE(base64url_decode("Zm9"));
  // Wycheproof's ModifiedUnusedBitsInPayload.
  EXPECT_FALSE(base64url_decode("AB"));
  EXPECT_TRUE(base64url_decode("AA"));
}

TEST(Base64Url, RoundTripsEveryLengthAndByte) {
  std::vector<std::uint8_t> bytes;
  for (int n = 0; n < 300; ++n) {
    auto text = base64url_encode(std::span<const std::uint8_t>(bytes));
    auto back = base64url_decode(text);
    ASSERT_TRUE(back) << n;
    ASSERT_EQ(*back, bytes);
    bytes.push_back(static_cast<std::uint8_t>(n * 37 + 11));
  }
}

TEST(Base64Std, Rfc4648Vectors) {
  auto enc = [](std::string_view s) {
    return base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "Zg==");
  EXPECT_EQ(enc("fo"), "Zm8=");
  EXPECT_EQ(enc("foo"), "Zm9v");
  EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
  for (std::string_view s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto back = base64_decode(enc(s));
    ASSERT_TRUE(back) << s;
    EXPECT_EQ(std::string(back->begin(), back->end()), s);
  }
  const std::uint8_t bytes[] = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64_encode(std::span(bytes)), "+/+/");
}

TEST(Base64Std, RejectsMissingWrongOrMisplacedPadding) {
  for (std::string_view bad : {"Zg", "Zg=", "Zg===", "Zm8", "Zm8==", "Zm9v====", "Z===", "====", "Zg==Zg==",
                               "Z=g=", "=Zg=", "Zm9v\n", "Zm 9v", "-_-_", "Zh==", "Zm9="}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace faasgate::core
