#include "faasgate/oidc/key_source.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

namespace faasgate::oidc {

std::string_view to_string(KeyFetchErrc code) noexcept {
  switch (code) {
    case KeyFetchErrc::fetch_failed: return "fetch_failed";
    case KeyFetchErrc::bad_discovery_document: return "bad_discovery_document";
    case KeyFetchErrc::issuer_mismatch: return "issuer_mismatch";
    case KeyFetchErrc::missing_jwks_uri: return "missing_jwks_uri";
    case KeyFetchErrc::bad_jwks_uri: return "bad_jwks_uri";
    case KeyFetchErrc::bad_key_set: return "bad_key_set";
    case KeyFetchErrc::no_key_source: return "no_key_source";
  }
  return "unknown";
}

namespace {

KeyFetchError error(KeyFetchErrc code, std::string detail) {
  KeyFetchError e;
  e.code = code;
  e.detail = std::move(detail);
  return e;
}

KeyFetchError fetch_error(FetchError f) {
  KeyFetchError e;
  e.code = KeyFetchErrc::fetch_failed;
  e.detail = f.detail;
  e.fetch = std::move(f);
  return e;
}

}  // namespace

core::Expected<std::string, KeyFetchError> parse_discovery(std::string_view body, std::string_view expected_issuer,
                                                           const core::JsonLimits& limits) {
  auto json = core::parse_json_strict(body, limits);
  if (!json) return core::fail(error(KeyFetchErrc::bad_discovery_document, "discovery document: " + json.error().detail));
  const auto* doc = json->if_object();
  if (!doc) return core::fail(error(KeyFetchErrc::bad_discovery_document, "discovery document is not a JSON object"));

  const auto* issuer = doc->if_contains("issuer");
  if (!issuer || !issuer->is_string())
    return core::fail(error(KeyFetchErrc::issuer_mismatch, "discovery document has no \"issuer\" string"));
  if (std::string_view(issuer->get_string()) != expected_issuer)
    return core::fail(error(KeyFetchErrc::issuer_mismatch,
                            "discovery document names issuer \"" + std::string(issuer->get_string()) +
                                "\", expected \"" + std::string(expected_issuer) + "\""));

  const auto* uri = doc->if_contains("jwks_uri");
  if (!uri) return core::fail(error(KeyFetchErrc::missing_jwks_uri, "discovery document has no \"jwks_uri\""));
  if (!uri->is_string()) return core::fail(error(KeyFetchErrc::bad_jwks_uri, "\"jwks_uri\" is not a string"));
  std::string jwks_uri(uri->get_string());
  if (auto ok = check_fetch_url(jwks_uri); !ok)
    return core::fail(error(KeyFetchErrc::bad_jwks_uri, "\"jwks_uri\" " + jwks_uri + ": " + ok.error().detail));
  return jwks_uri;
}

core::Expected<std::string, KeyFetchError> rewrite_origin(std::string_view url, std::string_view base) {
  auto target = boost::urls::parse_absolute_uri(url);
  auto origin = boost::urls::parse_absolute_uri(base);
  if (!target || !origin || !origin->has_authority())
    return core::fail(error(KeyFetchErrc::bad_jwks_uri, "cannot rewrite " + std::string(url) + " onto " + std::string(base)));
  boost::urls::url out(*target);
  out.set_scheme(origin->scheme());
  out.set_encoded_authority(origin->encoded_authority());
  out.remove_fragment();
  std::string result(out.buffer());
  if (auto ok = check_fetch_url(result); !ok)
    return core::fail(error(KeyFetchErrc::bad_jwks_uri, "rewritten jwks_uri " + result + ": " + ok.error().detail));
  return result;
}

core::Expected<FetchedKeys, KeyFetchError> fetch_keys(const TrustedIssuer& issuer, http_client::HttpClient& client,
                                                      const KeySourceOptions& options) {
  FetchRequest request;
  request.ca_file = issuer.ca_file;
  request.limits = options.fetch_limits;

  FetchedKeys out;
  switch (issuer.source) {
    case KeySourceKind::inline_jwks:
      return core::fail(error(KeyFetchErrc::no_key_source, "issuer " + issuer.iss + " has an inline key set"));
    case KeySourceKind::jwks_url:
      out.jwks_url = *issuer.jwks_url;
      break;
    case KeySourceKind::discovery: {
      request.url = issuer.discovery_url();
      auto doc = fetch(client, request);
      if (!doc) return core::fail(fetch_error(std::move(doc).error()));
      auto jwks_uri = parse_discovery(doc->body, issuer.iss, options.discovery_limits);
      if (!jwks_uri) {
        auto e = std::move(jwks_uri).error();
        e.detail = request.url + ": " + e.detail;
        return core::fail(std::move(e));
      }
      out.jwks_url = std::move(*jwks_uri);
      if (issuer.iss_internal && options.rewrite_jwks_uri_to_internal) {
        auto rewritten = rewrite_origin(out.jwks_url, *issuer.iss_internal);
        if (!rewritten) return core::fail(std::move(rewritten).error());
        out.jwks_url = std::move(*rewritten);
      }
      break;
    }
  }

  request.url = out.jwks_url;
  auto body = fetch(client, request);
  if (!body) return core::fail(fetch_error(std::move(body).error()));
  auto keys = jose::KeySet::parse(body->body, options.key_set_limits);
  if (!keys) {
    KeyFetchError e = error(KeyFetchErrc::bad_key_set, out.jwks_url + ": " + std::string(jose::to_string(keys.error().code)) +
                                                           ": " + keys.error().detail);
    e.jose = keys.error().code;
    return core::fail(std::move(e));
  }
  out.keys = std::make_shared<const jose::KeySet>(std::move(*keys));
  out.max_age = body->max_age;
  return out;
}

}  // namespace faasgate::oidc
