#include "secret_box.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "test_support.hpp"

namespace faasgate::store {
namespace {

TEST(SecretBox, SealOpenRoundTrip) {
  SecretBox box(SecretBox::generate_key());
  for (std::string plain : {std::string(), std::string("x"), std::string(1000, 'y'), std::string("\0\1\2", 3)}) {
    auto sealed = box.seal(plain, "ns/name");
    EXPECT_EQ(sealed.nonce.size(), SecretBox::kNonceBytes);
    EXPECT_EQ(sealed.ciphertext.size(), plain.size() + SecretBox::kTagBytes);
    auto opened = box.open(sealed, "ns/name");
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->reveal(), plain);
  }
}

// Every single-bit flip of nonce, ciphertext or tag, and every truncation, is rejected.
TEST(SecretBox, EveryBitFlipAndTruncationIsRejected) {
  SecretBox box(SecretBox::generate_key());
  const auto sealed = box.seal("attack at dawn", "ns/name");
  for (std::size_t i = 0; i < sealed.nonce.size() * 8; ++i) {
    auto t = sealed;
    t.nonce[i / 8] = static_cast<char>(t.nonce[i / 8] ^ (1 << (i % 8)));
    EXPECT_FALSE(box.open(t, "ns/name")) << "nonce bit " << i;
  }
  for (std::size_t i = 0; i < sealed.ciphertext.size() * 8; ++i) {
    auto t = sealed;
    t.ciphertext[i / 8] = static_cast<char>(t.ciphertext[i / 8] ^ (1 << (i % 8)));
    EXPECT_FALSE(box.open(t, "ns/name")) << "ciphertext bit " << i;
  }
  for (std::size_t n = 0; n < sealed.ciphertext.size(); ++n) {
    auto t = sealed;
    t.ciphertext.resize(n);
    EXPECT_FALSE(box.open(t, "ns/name")) << "truncated to " << n;
  }
  EXPECT_FALSE(box.open(sealed, "ns/other"));
  EXPECT_FALSE(box.open(sealed, "ns/name "));
  EXPECT_FALSE(SecretBox(SecretBox::generate_key()).open(sealed, "ns/name"));
  EXPECT_TRUE(box.open(sealed, "ns/name"));
}

TEST(SecretBox, NoncesAreFresh) {
  SecretBox box(SecretBox::generate_key());
  EXPECT_NE(box.seal("same", "a/b").nonce, box.seal("same", "a/b").nonce);
}

// NIST SP 800-38D / McGrew-Viega GCM test case 16 (AES-256, 96-bit IV, with AAD), checked through
// the same open() path the store uses.
TEST(SecretBox, KnownAnswer) {
  auto unhex = [](std::string_view h) {
    std::string out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
    return out;
  };
  SecretBox box(core::Secret(unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")));
  SecretBox::Sealed sealed{unhex("cafebabefacedbaddecaf888"),
                           unhex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
                                 "56828838c5f61e6393ba7a0abcc9f662") +
                               unhex("76fc6ece0f4e1768cddf8853bb2d551b")};
  auto plain = box.open(sealed, unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->reveal(), unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532f"
                                   "cf0e2449a6b525b16aedf5aa0de657ba637b39"));
}

TEST(SecretBox, KeyFileIsCreatedPrivateAndReloaded) {
  sqlite::testing::TempDir dir;
  const auto path = dir.path() / "secret.key";
  EXPECT_FALSE(SecretBox::load_or_create_key(path, false));
  auto created = SecretBox::load_or_create_key(path, true);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->size(), SecretBox::kKeyBytes);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = SecretBox::load_or_create_key(path, true);
  ASSERT_TRUE(again);
  EXPECT_TRUE(*again == *created);
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  auto exposed = SecretBox::load_or_create_key(path, true);
  ASSERT_FALSE(exposed);
  EXPECT_NE(exposed.error().find("0600"), std::string::npos);
}

}  // namespace
}  // namespace faasgate::store
