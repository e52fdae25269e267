#pragma once
// Fetching an issuer's key set: either its jwksUrl, or OpenID Connect discovery then jwks_uri.
// Pure apart from the HttpClient it is given; no caching here (see key_cache.hpp).
//
// Discovery rules (security invariants, each backed by a test in key_source_test.cpp):
//   - the document's "issuer" must equal the configured iss exactly, also when the document was
//     fetched from issInternal (OIDC Discovery §4.3: it is what the tokens' iss will be);
//   - "jwks_uri" is required and must be an absolute URL that passes the fetch policy;
//   - with issInternal, jwks_uri's scheme and authority are replaced by issInternal's (path and
//     query kept) when KeySourceOptions::rewrite_jwks_uri_to_internal is on (the default). Reason:
//     issInternal exists because the issuer's public address is not reachable (or not trusted)
//     from the gateway - Kubernetes advertises jwks_uri on the API server's external address, e.g.
//     https://172.18.0.2:6443/openid/v1/jwks, while the gateway reaches it as
//     https://kubernetes.default.svc. The rewrite never widens trust: the keys still come from the
//     host the operator named, with the same caFile.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/core/json.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/jose/error.hpp"
#include "faasgate/jose/jwk.hpp"
#include "faasgate/oidc/fetcher.hpp"
#include "faasgate/oidc/issuers.hpp"

namespace faasgate::oidc {

enum class KeyFetchErrc {
  fetch_failed,            // the HTTP fetch of the discovery document or of the key set failed
  bad_discovery_document,  // not JSON / not an object / over the limits
  issuer_mismatch,         // discovery "issuer" differs from the configured iss
  missing_jwks_uri,
  bad_jwks_uri,            // not a string, not absolute, or refused by the fetch policy
  bad_key_set,             // the key set did not parse (jose reason attached)
  no_key_source,           // the issuer has an inline key set: nothing to fetch
};

std::string_view to_string(KeyFetchErrc code) noexcept;

struct KeyFetchError {
  KeyFetchErrc code = KeyFetchErrc::fetch_failed;
  std::optional<FetchError> fetch;  // when code == fetch_failed
  std::optional<jose::Errc> jose;   // when code == bad_key_set
  std::string detail;               // for logs; never a response body
};

struct KeySourceOptions {
  http_client::Limits fetch_limits;
  core::JsonLimits discovery_limits{256 * 1024, 16};
  jose::KeySetLimits key_set_limits{256 * 1024, 64};
  bool rewrite_jwks_uri_to_internal = true;
};

struct FetchedKeys {
  std::shared_ptr<const jose::KeySet> keys;
  std::optional<std::chrono::seconds> max_age;  // of the key set response
  std::string jwks_url;                         // where the keys came from
};

// Parses a discovery document and returns its jwks_uri (checked as described above).
core::Expected<std::string, KeyFetchError> parse_discovery(std::string_view body, std::string_view expected_issuer,
                                                           const core::JsonLimits& limits = {});

// Replaces url's scheme and authority with those of base (an absolute URL); keeps path and query.
core::Expected<std::string, KeyFetchError> rewrite_origin(std::string_view url, std::string_view base);

// Blocking: one or two fetches.
core::Expected<FetchedKeys, KeyFetchError> fetch_keys(const TrustedIssuer& issuer, http_client::HttpClient& client,
                                                      const KeySourceOptions& options = {});

}  // namespace faasgate::oidc
