#include "faasgate/jose/ecdsa_signature.hpp"

#include <gtest/gtest.h>

namespace faasgate::jose::detail {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes raw_of(std::uint8_t r_first, std::uint8_t s_first, std::size_t n = 32) {
  Bytes raw(2 * n, 0x11);
  raw[0] = r_first;
  raw[n] = s_first;
  return raw;
}

TEST(EcdsaSignature, RawDerRoundTrip) {
  for (auto [type, n] : {std::pair{KeyType::ec_p256, 32}, std::pair{KeyType::ec_p384, 48}, std::pair{KeyType::ec_p521, 66}}) {
    EXPECT_EQ(ecdsa_scalar_bytes(type), static_cast<std::size_t>(n));
    for (std::uint8_t first : {0x00, 0x01, 0x7f, 0x80}) {
      if (type == KeyType::ec_p521 && first > 0x01) continue;  // above the P-521 order
      Bytes raw = raw_of(first, first, static_cast<std::size_t>(n));
      auto der = ecdsa_raw_to_der(type, raw);
      ASSERT_TRUE(der);
      auto back = ecdsa_der_to_raw(type, *der);
      ASSERT_TRUE(back);
      EXPECT_EQ(*back, raw);
    }
  }
  EXPECT_EQ(ecdsa_scalar_bytes(KeyType::rsa), 0u);
}

TEST(EcdsaSignature, DerIsMinimal) {
  auto der = ecdsa_raw_to_der(KeyType::ec_p256, raw_of(0x80, 0x01));
  ASSERT_TRUE(der);
  // r needs a 0x00 so that it stays positive (33 bytes); s does not (32 bytes).
  EXPECT_EQ((*der)[0], 0x30);
  EXPECT_EQ((*der)[1], 2 + 33 + 2 + 32);
  EXPECT_EQ((*der)[3], 33);
  // P-521 needs the long length form.
  auto long_form = ecdsa_raw_to_der(KeyType::ec_p521, raw_of(0x01, 0x01, 66));
  ASSERT_TRUE(long_form);
  EXPECT_EQ((*long_form)[1], 0x81);
}

TEST(EcdsaSignature, RawMustHaveExactLengthAndScalarsInRange) {
  EXPECT_FALSE(ecdsa_raw_to_der(KeyType::ec_p256, Bytes(63, 1)));
  EXPECT_FALSE(ecdsa_raw_to_der(KeyType::ec_p256, Bytes(65, 1)));
  EXPECT_FALSE(ecdsa_raw_to_der(KeyType::ec_p256, Bytes{}));
  EXPECT_FALSE(ecdsa_raw_to_der(KeyType::rsa, Bytes(64, 1)));
  Bytes zero_r(64, 1);
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  EXPECT_FALSE(ecdsa_raw_to_der(KeyType::ec_p256, zero_r));
  Bytes zero_s(64, 1);
  std::fill(zero_s.begin() + 32, zero_s.end(), 0);
  EXPECT_FALSE(ecdsa_raw_to_der(KeyType::ec_p256, zero_s));
  EXPECT_FALSE(ecdsa_raw_to_der(KeyType::ec_p256, Bytes(64, 0xff)));  // >= n
  EXPECT_FALSE(ecdsa_raw_to_der(KeyType::ec_p521, raw_of(0x02, 0x01, 66)));
}

TEST(EcdsaSignature, StrictDerParsing) {
  auto good = *ecdsa_raw_to_der(KeyType::ec_p256, raw_of(0x01, 0x01));
  EXPECT_TRUE(ecdsa_der_to_raw(KeyType::ec_p256, good));
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(ecdsa_der_to_raw(KeyType::ec_p256, trailing));
  Bytes truncated(good.begin(), good.end() - 1);
  EXPECT_FALSE(ecdsa_der_to_raw(KeyType::ec_p256, truncated));
  Bytes wrong_tag = good;
  wrong_tag[0] = 0x31;
  EXPECT_FALSE(ecdsa_der_to_raw(KeyType::ec_p256, wrong_tag));
  // A redundant leading zero on r.
  Bytes padded{0x30, 0x06, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01};
  padded[1] = 7;
  EXPECT_FALSE(ecdsa_der_to_raw(KeyType::ec_p256, padded));
  Bytes minimal{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
  EXPECT_TRUE(ecdsa_der_to_raw(KeyType::ec_p256, minimal));
  Bytes negative{0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01};
  EXPECT_FALSE(ecdsa_der_to_raw(KeyType::ec_p256, negative));
  Bytes zero{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01};
  EXPECT_FALSE(ecdsa_der_to_raw(KeyType::ec_p256, zero));
  Bytes long_length{0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
  EXPECT_FALSE(ecdsa_der_to_raw(KeyType::ec_p256, long_length));
}

}  // namespace
}  // namespace faasgate::jose::detail
