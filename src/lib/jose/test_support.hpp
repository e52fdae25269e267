#pragma once
// Helpers shared by the jose tests (not part of the library): reading the shared test data,
// hex, and a test-only signer for every algorithm (the library itself only signs ES256).
#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/openssl.hpp"
#include "faasgate/jose/algorithm.hpp"

namespace faasgate::jose::testing {

// Reads a file under FAASGATE_TESTDATA_DIR/wycheproof (tests/data); aborts the test binary if missing
// (the vectors are required, never skipped).
boost::json::value load_wycheproof(std::string_view file);
std::vector<std::uint8_t> from_hex(std::string_view hex);
std::string as_string(const boost::json::value& v);

// A fresh private key fit for `alg` (RSA 2048, P-256/384/521, Ed25519).
core::SharedPKey generate_key(Algorithm alg);
// A compact JWS over `payload` with `header` (serialized as given), signed with `key` - raw r||s
// for ECDSA, as JOSE requires.
std::string sign_compact(Algorithm alg, EVP_PKEY* key, std::string_view header_json, std::string_view payload);

}  // namespace faasgate::jose::testing
