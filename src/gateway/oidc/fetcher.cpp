#include "faasgate/oidc/fetcher.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/error.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <limits>

namespace faasgate::oidc {

std::string_view to_string(FetchErrc code) noexcept {
  switch (code) {
    case FetchErrc::bad_url: return "bad_url";
    case FetchErrc::insecure_url: return "insecure_url";
    case FetchErrc::connect_failed: return "connect_failed";
    case FetchErrc::tls_failed: return "tls_failed";
    case FetchErrc::timeout: return "timeout";
    case FetchErrc::too_large: return "too_large";
    case FetchErrc::http_status: return "http_status";
    case FetchErrc::transport: return "transport";
  }
  return "unknown";
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
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

// Boost.URL 1.81 parses "http://127.0.0.1.evil.example/" as host 127.0.0.1 with the path
// ".evil.example/" (the IPv4 rule wins over reg-name), while curl connects to 127.0.0.1.evil.example.
// RFC 3986 requires the path after an authority to be empty or start with "/": insisting on that
// closes the gap.
boost::system::result<boost::urls::url_view> parse_url(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (parsed && parsed->has_authority()) {
    auto path = parsed->encoded_path();
    if (!path.empty() && path.front() != '/') return boost::urls::error::illegal_reserved_char;
  }
  return parsed;
}

}  // namespace

bool is_loopback_url(std::string_view url) {
  auto parsed = parse_url(url);
  return parsed && is_loopback(*parsed);
}

core::Expected<void, FetchError> check_fetch_url(std::string_view url) {
  auto parsed = parse_url(url);
  if (!parsed) return core::fail(FetchError{FetchErrc::bad_url, 0, "not an absolute URL (or it has a fragment)"});
  const boost::urls::url_view& u = *parsed;
  const bool https = u.scheme_id() == boost::urls::scheme::https;
  const bool http = u.scheme_id() == boost::urls::scheme::http;
  if (!https && !http) return core::fail(FetchError{FetchErrc::bad_url, 0, "scheme must be http or https"});
  if (!u.has_authority() || u.encoded_host().empty())
    return core::fail(FetchError{FetchErrc::bad_url, 0, "URL has no host"});
  if (u.has_userinfo()) return core::fail(FetchError{FetchErrc::bad_url, 0, "URL carries credentials"});
  if (http && !is_loopback(u))
    return core::fail(FetchError{FetchErrc::insecure_url, 0,
                                 "http:// is allowed only to a loopback host; use https://"});
  return {};
}

std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control) {
  std::optional<long long> result;
  auto take = [&](long long v) { result = result ? std::min(*result, v) : v; };
  while (!cache_control.empty()) {
    auto comma = cache_control.find(',');
    std::string_view item = trim(cache_control.substr(0, comma));
    cache_control = comma == std::string_view::npos ? std::string_view{} : cache_control.substr(comma + 1);
    auto eq = item.find('=');
    std::string_view name = trim(item.substr(0, eq));
    if (eq == std::string_view::npos) {
      if (iequals(name, "no-store") || iequals(name, "no-cache")) take(0);
      continue;
    }
    if (!iequals(name, "max-age")) continue;
    std::string_view value = trim(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;  // malformed: ignored, as if absent
    // RFC 9111 §1.2.2: a delta-seconds too large to represent is taken as 2^31.
    constexpr long long cap = 2147483648LL;
    long long v = 0;
    for (char c : value) {
      v = v * 10 + (c - '0');
      if (v >= cap) { v = cap; break; }
    }
    take(v);
  }
  if (!result) return std::nullopt;
  return std::chrono::seconds{*result};
}

}  // namespace faasgate::oidc
