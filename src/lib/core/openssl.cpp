#include "faasgate/core/openssl.hpp"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace faasgate::core {

SharedPKey share(PKeyPtr key) { return SharedPKey(key.release(), EVP_PKEY_free); }

std::string openssl_error() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  if (n != 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    // Without randomness nothing we mint is safe: this is not recoverable.
    throw std::runtime_error("RAND_bytes failed: " + openssl_error());
  }
  return out;
}

std::array<std::uint8_t, 32> sha256(std::string_view data) {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != 32) {
    throw std::runtime_error("SHA-256 failed: " + openssl_error());
  }
  return out;
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

}  // namespace faasgate::core
