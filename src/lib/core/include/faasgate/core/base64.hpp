#pragma once
// Strict base64url (RFC 4648 §5, no padding, no whitespace, canonical trailing bits) and strict
// standard base64 (with padding). Hand-written because OpenSSL's EVP decoders accept whitespace,
// padding and non-canonical input, and JOSE requires rejecting them.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace faasgate::core {

std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view bytes);
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);
std::optional<std::string> base64url_decode_string(std::string_view text);

std::string base64_encode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace faasgate::core
