#include "faasgate/http_client/http_client.hpp"

#include <boost/url/error.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "url.hpp"

namespace faasgate::http_client {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::bad_url: return "bad_url";
    case Errc::insecure_url: return "insecure_url";
    case Errc::refused: return "refused";
    case Errc::connect_failed: return "connect_failed";
    case Errc::tls_failed: return "tls_failed";
    case Errc::timeout: return "timeout";
    case Errc::too_large: return "too_large";
    case Errc::transport: return "transport";
  }
  return "unknown";
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Loopback by address (127.0.0.0/8, ::1) or by the one name curl resolves to loopback itself.
bool is_loopback(const boost::urls::url_view& u) {
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4: return (u.host_ipv4_address().to_uint() >> 24) == 127;
    case boost::urls::host_type::ipv6: return u.host_ipv6_address().is_loopback();
    case boost::urls::host_type::name: return iequals(u.encoded_host(), "localhost");
    default: return false;
  }
}

}  // namespace

// Boost.URL 1.81 parses "http://127.0.0.1.evil.example/" as host 127.0.0.1 with the path
// ".evil.example/" (the IPv4 rule wins over reg-name), while curl connects to 127.0.0.1.evil.example.
// RFC 3986 requires the path after an authority to be empty or start with "/": insisting on that
// closes the gap. The parse is of a NUL-terminated copy: Debian's Boost.URL 1.81 parsers may read
// up to a NUL.
ParsedUrl::ParsedUrl(std::string_view url) : text_(url) {
  if (text_.find('\0') != std::string::npos) {
    view_ = boost::urls::error::illegal_reserved_char;
    return;
  }
  view_ = boost::urls::parse_absolute_uri(boost::core::string_view(text_.data(), text_.size()));
  if (view_ && view_->has_authority()) {
    auto path = view_->encoded_path();
    if (!path.empty() && path.front() != '/') view_ = boost::urls::error::illegal_reserved_char;
  }
}

bool is_loopback_url(std::string_view url) {
  ParsedUrl parsed(url);
  return parsed.ok() && is_loopback(parsed.view());
}

core::Expected<void, Error> check_url(std::string_view url, bool plain_http_only_to_loopback) {
  ParsedUrl parsed(url);
  if (!parsed.ok()) return core::fail(Error{Errc::bad_url, "not an absolute URL (or it has a fragment)"});
  const boost::urls::url_view& u = parsed.view();
  const bool https = u.scheme_id() == boost::urls::scheme::https;
  const bool http = u.scheme_id() == boost::urls::scheme::http;
  if (!https && !http) return core::fail(Error{Errc::bad_url, "scheme must be http or https"});
  if (!u.has_authority() || u.encoded_host().empty()) return core::fail(Error{Errc::bad_url, "URL has no host"});
  if (u.has_userinfo()) return core::fail(Error{Errc::bad_url, "URL carries credentials"});
  if (http && plain_http_only_to_loopback && !is_loopback(u))
    return core::fail(Error{Errc::insecure_url, "http:// is allowed only to a loopback host; use https://"});
  return {};
}

bool is_plain_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

core::Expected<Destination, Error> destination_of(std::string_view url) {
  ParsedUrl parsed(url);
  if (!parsed.ok() || !parsed.view().has_authority()) return core::fail(Error{Errc::bad_url, "not an absolute URL"});
  const auto& u = parsed.view();
  Destination out;
  out.port = u.scheme_id() == boost::urls::scheme::https ? 443 : 80;
  if (u.has_port() && !u.port().empty()) out.port = u.port_number();
  sockaddr_storage address{};
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4: {
      auto& in = reinterpret_cast<sockaddr_in&>(address);
      in.sin_family = AF_INET;
      const auto bytes = u.host_ipv4_address().to_bytes();
      std::memcpy(&in.sin_addr, bytes.data(), bytes.size());
      out.address = address;
      return out;
    }
    case boost::urls::host_type::ipv6: {
      auto& in6 = reinterpret_cast<sockaddr_in6&>(address);
      in6.sin6_family = AF_INET6;
      const auto bytes = u.host_ipv6_address().to_bytes();
      std::memcpy(&in6.sin6_addr, bytes.data(), bytes.size());
      out.address = address;
      return out;
    }
    case boost::urls::host_type::name:
      if (!is_plain_host_name(u.encoded_host())) break;
      out.name = std::string(u.encoded_host());
      return out;
    default:
      break;  // an IPvFuture literal: nothing to connect to
  }
  return core::fail(Error{Errc::bad_url, "the host must be an IP address or a DNS name"});
}

}  // namespace faasgate::http_client
