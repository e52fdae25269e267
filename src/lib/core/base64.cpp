#include "faasgate/core/base64.hpp"

#include <array>

namespace faasgate::core {

namespace {

constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kInvalid = 0xff;

using DecodeTable = std::array<std::uint8_t, 256>;

constexpr DecodeTable make_table(const char* alphabet) {
  DecodeTable table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = i;
  return table;
}

constexpr DecodeTable kUrlTable = make_table(kUrlAlphabet);
constexpr DecodeTable kStdTable = make_table(kStdAlphabet);

std::string encode(std::span<const std::uint8_t> bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t group = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    out += alphabet[(group >> 6) & 63];
    out += alphabet[group & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t group = std::uint32_t{bytes[i]} << 16;
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    std::uint32_t group = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    out += alphabet[(group >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

// Decodes unpadded symbols. Rejects any character outside the alphabet, a length that cannot
// come from an encoder (one symbol left over), and non-zero unused trailing bits: each byte
// string then has exactly one accepted encoding, so two different strings never verify as the
// same signed bytes.
std::optional<std::vector<std::uint8_t>> decode_unpadded(std::string_view text, const DecodeTable& table) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (char c : text) {
    std::uint8_t sextet = table[static_cast<unsigned char>(c)];
    if (sextet == kInvalid) return std::nullopt;
    accumulator = (accumulator << 6) | sextet;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(accumulator >> bits));
      accumulator &= (1u << bits) - 1;
    }
  }
  // Leftover bits (2 or 4) are padding bits of the last symbol; a canonical encoder writes zeros.
  if (accumulator != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string base64url_encode(std::span<const std::uint8_t> bytes) { return encode(bytes, kUrlAlphabet, false); }

std::string base64url_encode(std::string_view bytes) {
  return base64url_encode(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
  return decode_unpadded(text, kUrlTable);
}

std::optional<std::string> base64url_decode_string(std::string_view text) {
  auto bytes = base64url_decode(text);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

std::string base64_encode(std::span<const std::uint8_t> bytes) { return encode(bytes, kStdAlphabet, true); }

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  // Standard base64 is always padded to a multiple of four, with at most two '=' at the very end.
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  auto symbols = text.substr(0, text.size() - padding);
  // A third '=' (or '=' anywhere else) is rejected by the alphabet check in decode_unpadded.
  auto out = decode_unpadded(symbols, kStdTable);
  if (!out) return std::nullopt;
  // The padding must be exactly what an encoder would write for this length.
  std::size_t expected_padding = (3 - out->size() % 3) % 3;
  if (padding != expected_padding) return std::nullopt;
  return out;
}

}  // namespace faasgate::core
