#include "faasgate/http_client/address_policy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace faasgate::http_client {

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
  // A range inside ::ffff:0:0/96 is IPv4 written as IPv6: it is kept as the IPv4 range, since a
  // mapped address is always judged as the IPv4 address it carries (see contains()).
  if (range.v6 && range.prefix >= 96) {
    in6_addr a{};
    std::memcpy(a.s6_addr, range.bytes.data(), 16);
    if (mapped_v4(a)) {
      AddressRange v4;
      std::memcpy(v4.bytes.data(), range.bytes.data() + 12, 4);
      v4.prefix = range.prefix - 96;
      return v4;
    }
  }
  return range;
}

bool AddressRange::overlaps(const AddressRange& other) const noexcept {
  return v6 == other.v6 && prefix_matches(bytes.data(), other.bytes, std::min(prefix, other.prefix));
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

// What a denied range also denies in the other family, so that a rule cannot be walked around
// by writing the same destination the other way:
//  - the loopback: 127.0.0.0/8 and ::1 are the same interface of the same host (a service
//    bound to localhost may answer on either), so denying any part of one denies the other;
//  - IPv4-mapped IPv6: a v6 range holding all of ::ffff:0:0/96 (::/0, ::/64, ...) holds every
//    mapped address, which contains() judges as IPv4 - so it denies all of IPv4 too. (A range
//    inside ::ffff:0:0/96 was turned into its IPv4 range by parse(); IPv4 ranges need nothing
//    here, as the mapped form of an IPv4 address is judged as that address.)
std::vector<AddressRange> AddressPolicy::equivalents(const AddressRange& range) {
  static const AddressRange v4_loopback = *AddressRange::parse("127.0.0.0/8");
  static const AddressRange v6_loopback = *AddressRange::parse("::1");
  static const AddressRange mapped = [] {
    AddressRange r;  // ::ffff:0:0/96, built by hand: parse() would turn it into 0.0.0.0/0
    r.v6 = true;
    r.bytes[10] = r.bytes[11] = 0xff;
    r.prefix = 96;
    return r;
  }();
  std::vector<AddressRange> out;
  if (!range.v6 && range.overlaps(v4_loopback)) out.push_back(v6_loopback);
  if (range.v6 && range.overlaps(v6_loopback)) out.push_back(v4_loopback);
  if (range.v6 && range.prefix <= mapped.prefix && range.overlaps(mapped)) out.push_back(*AddressRange::parse("0.0.0.0/0"));
  return out;
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
      for (const auto& also : equivalents(*range)) parsed.push_back(also);
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

std::optional<std::string> refuse_resolved(const addrinfo* addresses, const AddressPolicy& policy) {
  for (const addrinfo* a = addresses; a; a = a->ai_next) {
    if (a->ai_addr == nullptr || !policy.allowed(a->ai_addr)) return "the host resolves to an address that is not allowed";
  }
  return std::nullopt;
}

}  // namespace faasgate::http_client
