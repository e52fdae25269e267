#include "faasgate/core/secret.hpp"

#include <openssl/crypto.h>

#include "faasgate/core/openssl.hpp"

namespace faasgate::core {

Secret::~Secret() { OPENSSL_cleanse(value_.data(), value_.size()); }

std::string Secret::fingerprint() const {
  auto digest = sha256(value_);
  return hex(std::span(digest).first(4));
}

bool Secret::equals(std::string_view other) const noexcept {
  return other.size() == value_.size() && CRYPTO_memcmp(other.data(), value_.data(), value_.size()) == 0;
}

}  // namespace faasgate::core
