#pragma once
// HttpFetcher over libcurl. Stateless apart from its options, so one instance is shared by every
// thread; each get() uses its own easy handle. curl_global_init runs once (std::call_once) when the
// first CurlFetcher is constructed.
#include <string>

#include "faasgate/oidc/fetcher.hpp"

namespace faasgate::oidc {

struct CurlFetcherOptions {
  std::string user_agent = "faasgate-oidc/0.1";
  // Follow http(s)_proxy / no_proxy from the environment (as Go's net/http does). Loopback URLs
  // always go direct.
  bool use_environment_proxy = true;
};

class CurlFetcher final : public HttpFetcher {
 public:
  explicit CurlFetcher(CurlFetcherOptions options = {});
  core::Expected<FetchResponse, FetchError> get(const FetchRequest& request) override;

 private:
  CurlFetcherOptions options_;
};

}  // namespace faasgate::oidc
