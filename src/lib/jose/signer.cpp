#include <openssl/err.h>
#include <openssl/pem.h>

#include <boost/json/serialize.hpp>

#include <stdexcept>

#include "faasgate/core/base64.hpp"
#include "faasgate/core/openssl.hpp"
#include "faasgate/jose/ecdsa_signature.hpp"
#include "faasgate/jose/jwt.hpp"
#include "faasgate/jose/prepared_context.hpp"

namespace faasgate::jose {

namespace {

constexpr std::size_t kMaxPemBytes = 16 * 1024;

// Refuses encrypted PEM instead of letting OpenSSL prompt on the terminal for a passphrase.
int no_passphrase(char*, int, int, void*) { return -1; }

}  // namespace

core::Expected<Signer, Error> Signer::from_key(core::SharedPKey key) {
  auto pub = PublicKey::from_evp(key, "", Algorithm::ES256);
  if (!pub || pub->type() != KeyType::ec_p256) {
    ERR_clear_error();
    return core::fail(Error{Errc::bad_key, "signing key is not a P-256 key"});
  }
  Signer signer;
  signer.kid_ = pub->thumbprint();
  // Rebuilt with the kid, so that the published JWK names it.
  auto named = PublicKey::from_evp(key, signer.kid_, Algorithm::ES256);
  if (!named) return core::fail(std::move(named).error());
  signer.public_ = std::move(*named);
  signer.key_ = std::move(key);
  return signer;
}

core::Expected<Signer, Error> Signer::from_pem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return core::fail(Error{Errc::bad_key, "PEM is too large"});
  core::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return core::fail(Error{Errc::bad_key, "cannot read PEM"});
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (raw == nullptr) {
    ERR_clear_error();
    return core::fail(Error{Errc::bad_key, "not an unencrypted PEM private key"});
  }
  return from_key(core::share(core::PKeyPtr(raw)));
}

Signer Signer::generate() {
  core::PKeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) throw std::runtime_error("cannot generate a P-256 key: " + core::openssl_error());
  auto signer = from_key(core::share(std::move(key)));
  if (!signer) throw std::runtime_error("generated key unusable: " + signer.error().detail);
  return std::move(*signer);
}

std::string Signer::private_pem() const {
  core::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("cannot encode the private key: " + core::openssl_error());
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

core::Expected<std::string, Error> Signer::sign(const boost::json::object& claims) const {
  // The kid is a base64url thumbprint, so it needs no JSON escaping.
  const std::string header = R"({"alg":"ES256","kid":")" + kid_ + R"(","typ":"JWT"})";
  std::string token = core::base64url_encode(std::string_view(header)) + "." +
                      core::base64url_encode(std::string_view(boost::json::serialize(claims)));

  auto ctx = detail::prepared_context(detail::Operation::sign, Algorithm::ES256, key_.get(), "SHA256", nullptr);
  std::size_t der_size = 0;
  auto input = reinterpret_cast<const unsigned char*>(token.data());
  if (!ctx || EVP_DigestSign(ctx.get(), nullptr, &der_size, input, token.size()) != 1) {
    return core::fail(Error{Errc::signing_failed, core::openssl_error()});
  }
  std::vector<std::uint8_t> der(der_size);
  if (EVP_DigestSign(ctx.get(), der.data(), &der_size, input, token.size()) != 1) {
    return core::fail(Error{Errc::signing_failed, core::openssl_error()});
  }
  der.resize(der_size);
  auto raw = detail::ecdsa_der_to_raw(KeyType::ec_p256, der);
  if (!raw) return core::fail(Error{Errc::signing_failed, "OpenSSL produced an unexpected ECDSA encoding"});
  token += '.';
  token += core::base64url_encode(std::span<const std::uint8_t>(*raw));
  return token;
}

}  // namespace faasgate::jose
