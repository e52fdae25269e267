#pragma once
// Which addresses the gateway may connect to on a caller's behalf (async callbacks: the caller
// names the URL, the gateway makes the request - a server-side request forgery waiting to happen).
//
// The check is made on the address actually connected to, after DNS (libcurl's open-socket
// callback), so a name that resolves - or re-resolves - to a refused address is refused too.
// Always refused: link-local addresses (169.254.0.0/16, fe80::/10), where cloud metadata
// services answer with credentials, and the unspecified addresses. More ranges can be refused
// (--callback-deny, e.g. 10.0.0.0/8 for the cluster network).
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faasgate::api {

struct AddressRange {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // network order; the first 4 for IPv4
  unsigned prefix = 0;                   // bits

  // "10.0.0.0/8", "fd00::/8", or a single address ("192.0.2.1" = /32, "::1" = /128). Host bits
  // set beyond the prefix are an error (a typo more often than intended).
  static std::optional<AddressRange> parse(std::string_view text);
  bool contains(const sockaddr* address) const noexcept;
};

class AddressPolicy {
 public:
  AddressPolicy();  // the ranges always refused
  // Adds a comma-separated list of ranges; false (and nothing added) if one does not parse.
  bool deny(std::string_view ranges);
  bool allowed(const sockaddr* address) const noexcept;

 private:
  std::vector<AddressRange> denied_;
};

}  // namespace faasgate::api
