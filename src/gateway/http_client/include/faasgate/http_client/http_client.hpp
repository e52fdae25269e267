#pragma once
// The gateway's one outbound HTTP client: key-set fetching (oidc), async callbacks and the audit
// webhook all send through HttpClient. CurlHttpClient (curl_http_client.hpp) is the real one,
// FakeHttpClient (fake_http_client.hpp) the test double, which can fail the Nth call.
//
// Security invariants every implementation keeps (CurlHttpClient enforces them and its tests
// prove it; check_url() is the shared URL policy):
//   - only http and https, and no credentials (userinfo) in the URL;
//   - with Request::plain_http_only_to_loopback, http only to a loopback host (127.0.0.0/8, ::1,
//     localhost) - the key fetcher's rule: keys that decide who gets in travel over TLS;
//   - redirects are never followed: a 3xx is answered as it is, for the caller to judge;
//   - TLS peer and host name are always verified (TLS 1.2 or later);
//   - the response body is bounded (Limits::max_body_bytes) and so is the time (connect, total);
//   - with Request::address_policy, the connection goes only to addresses the policy allows: a
//     literal is checked as it is; a name is resolved once, every address it resolves to is
//     checked (one refused address refuses the name) and the connection is pinned to exactly
//     those; the address actually connected to is checked again when the socket is opened; no
//     proxy is used (it would connect to an address no policy here sees);
//   - an Error's detail is the reason alone (the host, at most): never the URL (a callback's or a
//     webhook's path and query may be its capability), a body or a header value. Callers add
//     the context they know to be safe to log.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/http_client/address_policy.hpp"

namespace faasgate::http_client {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Limits {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds total_timeout{10000};
  std::size_t max_body_bytes = 256 * 1024;
};

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;                    // sent with any method but GET
  std::optional<std::string> ca_file;  // PEM bundle to trust instead of the system CAs
  Limits limits;
  // Where the connection may go (see above); nullptr: anywhere the URL policy allows. The policy
  // must outlive the call.
  const AddressPolicy* address_policy = nullptr;
  bool plain_http_only_to_loopback = true;
  // The caller needs the status only: the body is read and dropped, and max_body_bytes does not
  // apply (a receiver that answers a callback at length is not an error).
  bool discard_body = false;
};

struct Response {
  long status = 0;
  std::string body;
  // Every Cache-Control field of the answer, joined by ", " (RFC 9110 §5.3); nullopt when absent.
  std::optional<std::string> cache_control;
};

enum class Errc {
  bad_url,         // not an absolute http(s) URL, it carries userinfo, or a name not plain for a policy
  insecure_url,    // http:// to a host that is not loopback, where plain_http_only_to_loopback
  refused,         // the address policy refuses the address (or one the name resolves to)
  connect_failed,  // DNS, TCP connect
  tls_failed,      // handshake, untrusted certificate, host name mismatch, unreadable CA file
  timeout,         // connect or total timeout
  too_large,       // body (or its Content-Length) above max_body_bytes
  transport,       // anything else the transport reported
};

std::string_view to_string(Errc code) noexcept;

struct Error {
  Errc code = Errc::transport;
  std::string detail;  // for logs: see the invariants above
};

using Result = core::Expected<Response, Error>;

// Implementations are blocking and must be safe to call from several threads at once.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result send(const Request& request) = 0;
};

// True when the URL's host is loopback: 127.0.0.0/8, ::1 or "localhost" (any case).
bool is_loopback_url(std::string_view url);

// The URL policy above: ok, or bad_url / insecure_url (the detail says why, not which URL).
core::Expected<void, Error> check_url(std::string_view url, bool plain_http_only_to_loopback);

// A host name as DNS and /etc/hosts have them: letters, digits, '-', '_' and '.', at most 253
// bytes. Anything else (percent-encoding, which curl would decode) is refused where an address
// policy applies, so that the name checked is the name looked up - and found pinned.
bool is_plain_host_name(std::string_view host);

// Where a URL points, as an address policy sees it: an IP literal (checked as it is) or a plain
// host name (checked on every address it resolves to), and the port (the scheme's by default).
struct Destination {
  std::optional<sockaddr_storage> address;  // the host is an IP literal
  std::string name;                         // otherwise: a plain host name
  unsigned port = 0;
};
// bad_url when the URL does not parse or its host is neither an IP literal nor a plain name.
core::Expected<Destination, Error> destination_of(std::string_view url);

}  // namespace faasgate::http_client
