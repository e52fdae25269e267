#include "test_support.hpp"

#include <openssl/core_names.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "faasgate/core/base64.hpp"
#include "faasgate/jose/ecdsa_signature.hpp"
#include "faasgate/jose/jwk.hpp"

namespace faasgate::jose::testing {

boost::json::value load_wycheproof(std::string_view file) {
  std::string path = std::string(FAASGATE_TESTDATA_DIR) + "/wycheproof/" + std::string(file);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "missing test vectors: " << path << "\n";
    std::abort();
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return boost::json::parse(buffer.str());
}

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string as_string(const boost::json::value& v) { return std::string(v.as_string()); }

core::SharedPKey generate_key(Algorithm alg) {
  EVP_PKEY* key = nullptr;
  switch (alg) {
    case Algorithm::RS256:
    case Algorithm::RS384:
    case Algorithm::RS512:
    case Algorithm::PS256:
    case Algorithm::PS384:
    case Algorithm::PS512: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)); break;
    case Algorithm::ES256: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case Algorithm::ES384: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
    case Algorithm::ES512: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"); break;
    case Algorithm::EdDSA: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
  }
  if (key == nullptr) throw std::runtime_error("keygen failed");
  return core::share(core::PKeyPtr(key));
}

std::string sign_compact(Algorithm alg, EVP_PKEY* key, std::string_view header_json, std::string_view payload) {
  std::string input = core::base64url_encode(header_json) + "." + core::base64url_encode(payload);
  const char* md = nullptr;
  switch (alg) {
    case Algorithm::RS256: case Algorithm::PS256: case Algorithm::ES256: md = "SHA256"; break;
    case Algorithm::RS384: case Algorithm::PS384: case Algorithm::ES384: md = "SHA384"; break;
    case Algorithm::RS512: case Algorithm::PS512: case Algorithm::ES512: md = "SHA512"; break;
    case Algorithm::EdDSA: break;
  }
  OSSL_PARAM params[4];
  int n = 0;
  bool pss = alg == Algorithm::PS256 || alg == Algorithm::PS384 || alg == Algorithm::PS512;
  if (pss) {
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, const_cast<char*>("pss"), 0);
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, const_cast<char*>("digest"), 0);
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, const_cast<char*>(md), 0);
  }
  params[n] = OSSL_PARAM_construct_end();
  core::MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t size = 0;
  auto data = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, md, nullptr, nullptr, key, params) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()) != 1) {
    throw std::runtime_error("sign init failed: " + core::openssl_error());
  }
  std::vector<std::uint8_t> sig(size);
  if (EVP_DigestSign(ctx.get(), sig.data(), &size, data, input.size()) != 1) throw std::runtime_error("sign failed");
  sig.resize(size);
  if (alg == Algorithm::ES256 || alg == Algorithm::ES384 || alg == Algorithm::ES512) {
    KeyType type = alg == Algorithm::ES256 ? KeyType::ec_p256 : alg == Algorithm::ES384 ? KeyType::ec_p384 : KeyType::ec_p521;
    auto raw = detail::ecdsa_der_to_raw(type, sig);
    if (!raw) throw std::runtime_error("bad DER from OpenSSL");
    sig = *raw;
  }
  return input + "." + core::base64url_encode(std::span<const std::uint8_t>(sig));
}

}  // namespace faasgate::jose::testing
