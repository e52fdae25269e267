#pragma once
// The I/O seam of the oidc module: one blocking HTTP GET. Everything else in oidc is pure and is
// tested against FakeFetcher; CurlFetcher (curl_fetcher.hpp) is the real implementation.
//
// Security invariants every implementation must keep (CurlFetcher enforces them and its tests
// prove it; check_fetch_url() is the shared URL policy):
//   - only http and https; http only to a loopback host (127.0.0.0/8, ::1, localhost);
//   - no credentials in the URL; redirects are never followed (a 3xx is an error);
//   - TLS peer and host name are always verified;
//   - the body is bounded (FetchLimits::max_body_bytes) and so is the time (connect and total).
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"

namespace faasgate::oidc {

struct FetchLimits {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds total_timeout{10000};
  std::size_t max_body_bytes = 256 * 1024;
};

struct FetchRequest {
  std::string url;
  std::optional<std::string> ca_file;  // PEM bundle to trust instead of the system CAs
  FetchLimits limits;
};

struct FetchResponse {
  long status = 200;                           // always 200: anything else is a FetchError
  std::string body;
  std::optional<std::chrono::seconds> max_age; // from Cache-Control, when the response had one
};

enum class FetchErrc {
  bad_url,         // not an absolute http(s) URL, or it carries userinfo
  insecure_url,    // http:// to a host that is not loopback
  connect_failed,  // DNS, TCP connect
  tls_failed,      // handshake, untrusted certificate, host name mismatch, unreadable CA file
  timeout,         // connect or total timeout
  too_large,       // body (or its Content-Length) above max_body_bytes
  http_status,     // any status but 200, including redirects (never followed)
  transport,       // anything else the transport reported
};

std::string_view to_string(FetchErrc code) noexcept;

struct FetchError {
  FetchErrc code = FetchErrc::transport;
  long status = 0;     // the HTTP status when code == http_status
  std::string detail;  // for logs: names the URL and the reason, never a response body
};

// Implementations must be safe to call from several threads at once.
class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  virtual core::Expected<FetchResponse, FetchError> get(const FetchRequest& request) = 0;
};

// True when the URL's host is loopback: 127.0.0.0/8, ::1 or "localhost" (any case).
bool is_loopback_url(std::string_view url);

// The URL policy above: ok, or bad_url / insecure_url.
core::Expected<void, FetchError> check_fetch_url(std::string_view url);

// max-age from a Cache-Control value: "max-age=N" gives N (saturated at ~68 years), "no-store" or
// "no-cache" give 0 (the cache clamps it to its minimum); nothing usable gives nullopt.
std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control);

}  // namespace faasgate::oidc
