#pragma once
// RAII for OpenSSL handles (EVP_* only: OpenSSL 3 deprecates the typed key APIs) and the few
// helpers every module needs: the error queue as text, random bytes, SHA-256.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace faasgate::core {

template <auto Fn>
struct OpenSslDeleter {
  template <class T>
  void operator()(T* p) const noexcept { Fn(p); }
};

using PKeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using PKeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using BigNumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OpenSslDeleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, OpenSslDeleter<OSSL_PARAM_free>>;

// EVP_PKEY is reference counted; shared ownership across threads is safe for verification.
using SharedPKey = std::shared_ptr<EVP_PKEY>;
SharedPKey share(PKeyPtr key);

// Drains OpenSSL's thread-local error queue into one line (for logs; never contains key material).
std::string openssl_error();

std::vector<std::uint8_t> random_bytes(std::size_t n);
std::array<std::uint8_t, 32> sha256(std::string_view data);
std::string hex(std::span<const std::uint8_t> bytes);

}  // namespace faasgate::core
