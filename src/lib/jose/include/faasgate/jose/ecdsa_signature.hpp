#pragma once
// ECDSA signature encodings. JWS uses the raw r||s form (RFC 7518 §3.4); OpenSSL signs and
// verifies the DER form (ECDSA-Sig-Value, RFC 3279). The conversion is written out here because
// it is where lenient code goes wrong: DER accepted where raw is required, r or s of zero or not
// below the group order passed through, or extra bytes ignored.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "faasgate/jose/jwk.hpp"

namespace faasgate::jose::detail {

// Size of r and of s in the raw form for a curve key (32, 48, 66), or 0 for other key types.
std::size_t ecdsa_scalar_bytes(KeyType type) noexcept;

// Raw r||s -> DER. Nothing if the length is not exactly 2*scalar_bytes, or r or s is zero or
// not below the order of the curve's group.
std::optional<std::vector<std::uint8_t>> ecdsa_raw_to_der(KeyType type, std::span<const std::uint8_t> raw);

// DER (as produced by OpenSSL) -> raw r||s, each left-padded to scalar_bytes. Strict DER:
// minimal lengths and integers, no trailing bytes.
std::optional<std::vector<std::uint8_t>> ecdsa_der_to_raw(KeyType type, std::span<const std::uint8_t> der);

}  // namespace faasgate::jose::detail
