#pragma once
// Which addresses the gateway may connect to on a caller's behalf (async callbacks: the caller
// names the URL, the gateway makes the request - a server-side request forgery waiting to happen).
// A Request that carries a policy (http_client.hpp) is held to it by the client.
//
// The check is made on every address a name resolves to (the connection is then pinned to them)
// and again on the address actually connected to (libcurl's open-socket callback), so a name that
// resolves - or re-resolves - to a refused address is refused too.
// Always refused: link-local addresses (169.254.0.0/16, fe80::/10), where cloud metadata
// services answer with credentials, and the unspecified addresses. More ranges can be refused
// (--callback-deny, e.g. 10.0.0.0/8 for the cluster network).
#include <sys/socket.h>

struct addrinfo;

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faasgate::http_client {

struct AddressRange {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // network order; the first 4 for IPv4
  unsigned prefix = 0;                   // bits

  // "10.0.0.0/8", "fd00::/8", or a single address ("192.0.2.1" = /32, "::1" = /128). Host bits
  // set beyond the prefix are an error (a typo more often than intended). An IPv4-mapped range
  // ("::ffff:10.0.0.0/104") is returned as the IPv4 range it maps ("10.0.0.0/8").
  static std::optional<AddressRange> parse(std::string_view text);
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as a.b.c.d, always.
  bool contains(const sockaddr* address) const noexcept;
  bool overlaps(const AddressRange& other) const noexcept;  // same family, one holds the other
};

class AddressPolicy {
 public:
  AddressPolicy();  // the ranges always refused
  // Adds a comma-separated list of ranges, each with its equivalents in the other family (a
  // part of 127.0.0.0/8 denies ::1 and ::1 denies 127.0.0.0/8; a v6 range holding the
  // IPv4-mapped addresses denies IPv4); false (and nothing added) if one does not parse.
  bool deny(std::string_view ranges);
  bool allowed(const sockaddr* address) const noexcept;

 private:
  static std::vector<AddressRange> equivalents(const AddressRange& range);

  std::vector<AddressRange> denied_;
};

// Why a name that resolved to `addresses` (getaddrinfo's list) is refused, or nullopt: one
// address the policy refuses refuses the name, whatever the others are - which address a
// connection would try first is not ours to predict.
std::optional<std::string> refuse_resolved(const addrinfo* addresses, const AddressPolicy& policy);

}  // namespace faasgate::http_client
