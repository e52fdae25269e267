#include "api/address_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace faasgate::api {

namespace {

// IPv4-mapped IPv6 (::ffff:a.b.c.d) is checked as the IPv4 address it carries.
bool mapped_v4(const in6_addr& a) {
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.s6_addr, prefix, 12) == 0;
}

bool prefix_matches(const std::uint8_t* address, const std::array<std::uint8_t, 16>& network, unsigned bits) {
  const unsigned whole = bits / 8, rest = bits % 8;
  if (std::memcmp(address, network.data(), whole) != 0) return false;
  if (rest == 0) return true;
  const std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (address[whole] & mask) == (network[whole] & mask);
}

}  // namespace

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
  AddressRange range;
  const auto slash = text.find('/');
  const std::string host(text.substr(0, slash));
  if (inet_pton(AF_INET, host.c_str(), range.bytes.data()) == 1) {
    range.prefix = 32;
  } else if (inet_pton(AF_INET6, host.c_str(), range.bytes.data()) == 1) {
    range.v6 = true;
    range.prefix = 128;
  } else {
    return std::nullopt;
  }
  if (slash != std::string_view::npos) {
    auto bits = text.substr(slash + 1);
    unsigned prefix = 0;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size() || prefix > range.prefix) return std::nullopt;
    range.prefix = prefix;
  }
  // No host bits beyond the prefix.
  const unsigned length = range.v6 ? 16 : 4;
  for (unsigned bit = range.prefix; bit < length * 8; ++bit) {
    if (range.bytes[bit / 8] & (0x80 >> (bit % 8))) return std::nullopt;
  }
  return range;
}

bool AddressRange::contains(const sockaddr* address) const noexcept {
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET) {
    if (v6) return false;
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return prefix_matches(reinterpret_cast<const std::uint8_t*>(&in->sin_addr), bytes, prefix);
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    if (mapped_v4(in6->sin6_addr)) return !v6 && prefix_matches(in6->sin6_addr.s6_addr + 12, bytes, prefix);
    return v6 && prefix_matches(in6->sin6_addr.s6_addr, bytes, prefix);
  }
  return false;
}

AddressPolicy::AddressPolicy() {
  // Link-local, where cloud metadata services answer (169.254.169.254; AWS also answers at
  // fd00:ec2::254, unique-local: add fd00::/8 with --callback-deny where that matters), and the
  // unspecified addresses (connecting to 0.0.0.0 reaches the local host on Linux).
  for (const char* range : {"169.254.0.0/16", "fe80::/10", "0.0.0.0/8", "::/128"}) denied_.push_back(*AddressRange::parse(range));
}

bool AddressPolicy::deny(std::string_view ranges) {
  std::vector<AddressRange> parsed;
  while (!ranges.empty()) {
    const auto comma = ranges.find(',');
    auto item = ranges.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      auto range = AddressRange::parse(item);
      if (!range) return false;
      parsed.push_back(*range);
    }
    if (comma == std::string_view::npos) break;
    ranges.remove_prefix(comma + 1);
  }
  denied_.insert(denied_.end(), parsed.begin(), parsed.end());
  return true;
}

bool AddressPolicy::allowed(const sockaddr* address) const noexcept {
  if (address == nullptr || (address->sa_family != AF_INET && address->sa_family != AF_INET6)) return false;
  for (const auto& range : denied_)
    if (range.contains(address)) return false;
  return true;
}

}  // namespace faasgate::api
