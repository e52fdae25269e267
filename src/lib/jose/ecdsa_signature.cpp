#include "faasgate/jose/ecdsa_signature.hpp"

#include <algorithm>
#include <array>

namespace faasgate::jose::detail {

namespace {

using Bytes = std::vector<std::uint8_t>;

// Group orders n, big-endian, padded to the scalar size (SEC 2 / FIPS 186-4 D.1.2).
constexpr std::array<std::uint8_t, 32> kOrderP256{
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
constexpr std::array<std::uint8_t, 48> kOrderP384{
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73};
constexpr std::array<std::uint8_t, 66> kOrderP521{
    0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfa,
    0x51, 0x86, 0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc, 0x01, 0x48, 0xf7, 0x09, 0xa5, 0xd0, 0x3b,
    0xb5, 0xc9, 0xb8, 0x89, 0x9c, 0x47, 0xae, 0xbb, 0x6f, 0xb7, 0x1e, 0x91, 0x38, 0x64, 0x09};

std::span<const std::uint8_t> order_of(KeyType type) noexcept {
  switch (type) {
    case KeyType::ec_p256: return kOrderP256;
    case KeyType::ec_p384: return kOrderP384;
    case KeyType::ec_p521: return kOrderP521;
    default: return {};
  }
}

// 0 < scalar < n, both big-endian of the same length.
bool in_range(std::span<const std::uint8_t> scalar, std::span<const std::uint8_t> order) {
  bool zero = std::all_of(scalar.begin(), scalar.end(), [](std::uint8_t b) { return b == 0; });
  return !zero && std::lexicographical_compare(scalar.begin(), scalar.end(), order.begin(), order.end());
}

void append_length(Bytes& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
  } else {
    // At most 2*67+6 bytes for P-521, so one length octet always suffices.
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(length));
  }
}

Bytes der_integer(std::span<const std::uint8_t> big_endian) {
  auto first = std::find_if(big_endian.begin(), big_endian.end(), [](std::uint8_t b) { return b != 0; });
  Bytes content;
  if ((*first & 0x80) != 0) content.push_back(0x00);  // keep it positive
  content.insert(content.end(), first, big_endian.end());
  Bytes out{0x02};
  append_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// Reads one DER length at `pos`; strict: definite, minimal.
std::optional<std::size_t> read_length(std::span<const std::uint8_t> der, std::size_t& pos) {
  if (pos >= der.size()) return std::nullopt;
  std::uint8_t first = der[pos++];
  if (first < 0x80) return first;
  if (first != 0x81 || pos >= der.size()) return std::nullopt;  // lengths here never need two octets
  std::uint8_t length = der[pos++];
  if (length < 0x80) return std::nullopt;                       // should have used the short form
  return length;
}

std::optional<Bytes> read_integer(std::span<const std::uint8_t> der, std::size_t& pos, std::size_t scalar_bytes) {
  if (pos >= der.size() || der[pos++] != 0x02) return std::nullopt;
  auto length = read_length(der, pos);
  if (!length || *length == 0 || *length > der.size() - pos) return std::nullopt;
  auto content = der.subspan(pos, *length);
  pos += *length;
  if ((content[0] & 0x80) != 0) return std::nullopt;                                    // negative
  if (content.size() > 1 && content[0] == 0 && (content[1] & 0x80) == 0) return std::nullopt;  // not minimal
  if (content[0] == 0) content = content.subspan(1);
  if (content.size() > scalar_bytes) return std::nullopt;
  Bytes padded(scalar_bytes - content.size(), 0);
  padded.insert(padded.end(), content.begin(), content.end());
  return padded;
}

}  // namespace

std::size_t ecdsa_scalar_bytes(KeyType type) noexcept { return order_of(type).size(); }

std::optional<Bytes> ecdsa_raw_to_der(KeyType type, std::span<const std::uint8_t> raw) {
  auto order = order_of(type);
  if (order.empty() || raw.size() != 2 * order.size()) return std::nullopt;
  auto r = raw.first(order.size());
  auto s = raw.subspan(order.size());
  if (!in_range(r, order) || !in_range(s, order)) return std::nullopt;
  Bytes body = der_integer(r);
  Bytes s_der = der_integer(s);
  body.insert(body.end(), s_der.begin(), s_der.end());
  Bytes out{0x30};
  append_length(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::optional<Bytes> ecdsa_der_to_raw(KeyType type, std::span<const std::uint8_t> der) {
  auto order = order_of(type);
  if (order.empty()) return std::nullopt;
  std::size_t pos = 0;
  if (der.empty() || der[pos++] != 0x30) return std::nullopt;
  auto length = read_length(der, pos);
  if (!length || *length != der.size() - pos) return std::nullopt;
  auto r = read_integer(der, pos, order.size());
  if (!r) return std::nullopt;
  auto s = read_integer(der, pos, order.size());
  if (!s || pos != der.size()) return std::nullopt;
  if (!in_range(*r, order) || !in_range(*s, order)) return std::nullopt;
  Bytes raw = std::move(*r);
  raw.insert(raw.end(), s->begin(), s->end());
  return raw;
}

}  // namespace faasgate::jose::detail
