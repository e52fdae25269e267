#include "secret_box.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "faasgate/core/files.hpp"
#include "faasgate/core/openssl.hpp"

namespace faasgate::store {

namespace {

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

SecretBox::SecretBox(core::Secret key) : key_(std::move(key)) { assert(key_.size() == kKeyBytes); }

core::Secret SecretBox::generate_key() {
  auto raw = core::random_bytes(kKeyBytes);
  core::Secret key(std::string(raw.begin(), raw.end()));
  OPENSSL_cleanse(raw.data(), raw.size());
  return key;
}

SecretBox::Sealed SecretBox::seal(std::string_view plaintext, std::string_view aad) const {
  auto nonce = core::random_bytes(kNonceBytes);
  Sealed out;
  out.nonce.assign(nonce.begin(), nonce.end());
  out.ciphertext.resize(plaintext.size() + kTagBytes);
  core::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int total = 0;
  // Sealing fails only if OpenSSL itself is broken (allocation, no AES): not a recoverable state.
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_.reveal()), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.ciphertext.data()), &len, bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed: " + core::openssl_error());
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.ciphertext.data()) + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          out.ciphertext.data() + plaintext.size()) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed: " + core::openssl_error());
  }
  assert(static_cast<std::size_t>(total + len) == plaintext.size());
  return out;
}

std::optional<core::Secret> SecretBox::open(const Sealed& sealed, std::string_view aad) const {
  if (sealed.nonce.size() != kNonceBytes || sealed.ciphertext.size() < kTagBytes) return std::nullopt;
  const std::size_t n = sealed.ciphertext.size() - kTagBytes;
  std::string plain(n, '\0');
  std::string tag = sealed.ciphertext.substr(n);
  core::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int total = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes), nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_.reveal()), bytes(sealed.nonce)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                              bytes(sealed.ciphertext), static_cast<int>(n)) == 1;
  total = len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) == 1 &&
       EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + total, &len) == 1;
  if (!ok) {
    // A failed tag check leaves no error on OpenSSL's queue; drain anything else so it cannot
    // surface in an unrelated caller's message.
    (void)core::openssl_error();
    OPENSSL_cleanse(plain.data(), plain.size());
    return std::nullopt;
  }
  core::Secret out(std::move(plain));
  return out;
}

core::Expected<core::Secret, std::string> SecretBox::load_or_create_key(const std::filesystem::path& path,
                                                                        bool create) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return core::fail("cannot stat " + path.string() + ": " + std::strerror(errno));
    if (!create) return core::fail(path.string() + " does not exist");
    auto key = generate_key();
    if (auto written = core::write_file_atomic(path, key.reveal(), 0600); !written) {
      return core::fail("cannot create the secret key: " + written.error());
    }
    // Make the new name durable too: the database records a check of this key in the same
    // breath, and a key lost to a power cut would make every later secret unreadable.
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      std::string message = "cannot sync " + dir.string() + ": " + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return core::fail(std::move(message));
    }
    ::close(fd);
    return key;
  }
  if (!S_ISREG(st.st_mode)) return core::fail(path.string() + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    return core::fail(path.string() + " is accessible to group or others; it must be mode 0600 (chmod 600)");
  }
  auto content = core::read_file(path, kKeyBytes + 1);
  if (!content) return core::fail("cannot read the secret key: " + content.error());
  core::Secret key(std::move(*content));
  if (key.size() != kKeyBytes) {
    return core::fail(path.string() + " is not a " + std::to_string(kKeyBytes) + "-byte key");
  }
  return key;
}

}  // namespace faasgate::store
