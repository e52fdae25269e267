#pragma once
// The SDK's HTTP seam. Client and TokenAuth send every request through an HttpTransport, so a
// program can bring its own (a proxy, a client certificate, a test double) - what users of the
// upstream SDK asked for - and the SDK's tests run without a network. make_curl_transport() is
// the one the SDK gives: libcurl, one connection cache shared by all threads.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/sdk/error.hpp"

namespace faasgate::sdk {

struct Header {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<Header> headers;
  std::string body;
  // send(): for the whole request and answer. stream(): until the answer's head has arrived
  // (a followed log may then stay quiet for as long as it likes).
  std::chrono::milliseconds timeout{30000};
};

struct HttpResponse {
  int status = 0;
  std::vector<Header> headers;  // names lower-cased, in the order received
  std::string body;             // stream(): only for an answer that is not 2xx
  // The first value of `name` (any case), or nullptr.
  const std::string* header(std::string_view name) const noexcept;
};

// Takes each piece of a streamed body as it arrives; false stops reading (not an error).
using BodySink = std::function<bool(std::string_view)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Safe to call from many threads at once.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
  // A 2xx answer's body goes to `sink` piece by piece and not into the response; any other
  // answer's body is collected into response.body (at most Error::kMaxBody bytes). A stop
  // request ends the call with ErrorKind::cancelled at once, even while nothing arrives.
  virtual Result<HttpResponse> stream(const HttpRequest& request, const BodySink& sink, std::stop_token stop) = 0;
};

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{5000};
  // send(): an answer larger than this ends the call with ErrorKind::too_large, not an exhausted
  // heap. stream() hands a 2xx body to its sink piece by piece and does not count it (a followed
  // log may run for days); the sink decides when it has had enough.
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  std::string ca_file;  // PEM bundle to trust; empty: the system's
};

std::shared_ptr<HttpTransport> make_curl_transport(const CurlTransportOptions& options = {});

// Form encoding (application/x-www-form-urlencoded) and URL query values: RFC 3986 unreserved
// characters pass, everything else is %XX ('+' is never used for a space, so nothing is ambiguous).
std::string form_escape(std::string_view value);

}  // namespace faasgate::sdk
