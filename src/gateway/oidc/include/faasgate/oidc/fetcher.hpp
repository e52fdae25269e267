#pragma once
// Fetching one document (a discovery document, a key set) through the gateway's HttpClient
// (faasgate/http_client/http_client.hpp, which keeps the transport's invariants: TLS verified,
// no userinfo, redirects never followed, body and time bounded). Everything else in oidc is pure
// and is tested against http_client::FakeHttpClient.
//
// What this layer adds (each backed by a test in fetcher_test.cpp):
//   - plain http only to a loopback host (127.0.0.0/8, ::1, localhost): the keys decide who gets
//     in, so anywhere else they travel over TLS;
//   - only a 200 is a document; any other status, a 3xx included, is a FetchError naming the
//     status, never the body;
//   - the response's Cache-Control gives max_age.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"
#include "faasgate/http_client/http_client.hpp"

namespace faasgate::oidc {

struct FetchRequest {
  std::string url;
  std::optional<std::string> ca_file;  // PEM bundle to trust instead of the system CAs
  http_client::Limits limits;
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

// Blocking: one GET through `client`.
core::Expected<FetchResponse, FetchError> fetch(http_client::HttpClient& client, const FetchRequest& request);

// The URL policy of fetch(): ok, or a FetchError bad_url / insecure_url.
core::Expected<void, FetchError> check_fetch_url(std::string_view url);

// max-age from a Cache-Control value: "max-age=N" gives N (saturated at ~68 years), "no-store" or
// "no-cache" give 0 (the cache clamps it to its minimum); nothing usable gives nullopt.
std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control);

}  // namespace faasgate::oidc
