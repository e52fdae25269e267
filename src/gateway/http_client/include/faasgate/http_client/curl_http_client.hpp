#pragma once
// HttpClient over libcurl: the only file of the tree that includes <curl/curl.h> is its source.
// Stateless apart from its options, so one instance is shared by every thread (serve makes one
// for the key fetcher, the callbacks and the audit webhook); each send() uses its own easy
// handle. curl_global_init runs exactly once (std::call_once), when the first client is made.
#include <string>

#include "faasgate/http_client/http_client.hpp"

namespace faasgate::http_client {

struct CurlHttpClientOptions {
  std::string user_agent = "faasgate/0.1";  // a request's own User-Agent header wins
  // Follow http(s)_proxy / no_proxy from the environment (as Go's net/http does) for requests
  // without an address policy. Loopback URLs always go direct.
  bool use_environment_proxy = true;
};

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options = {});
  Result send(const Request& request) override;

 private:
  CurlHttpClientOptions options_;
};

}  // namespace faasgate::http_client
