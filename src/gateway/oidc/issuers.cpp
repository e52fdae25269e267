#include "faasgate/oidc/issuers.hpp"

#include <boost/url/parse.hpp>

#include "faasgate/oidc/fetcher.hpp"

namespace faasgate::oidc {

namespace {

// Unambiguous concatenation: each part is length-prefixed.
void append_part(std::string& out, std::string_view tag, const std::optional<std::string>& part) {
  out += tag;
  out += '=';
  if (part) {
    out += std::to_string(part->size());
    out += ':';
    out += *part;
  } else {
    out += '-';
  }
  out += ';';
}

std::string strip_trailing_slash(std::string_view base) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base);
}

}  // namespace

std::string TrustedIssuer::discovery_url() const {
  if (source != KeySourceKind::discovery) return {};
  // OpenID Connect Discovery §4: remove a terminating "/" from the issuer before appending.
  return strip_trailing_slash(iss_internal.value_or(iss)) + "/.well-known/openid-configuration";
}

jose::ClaimRules TrustedIssuer::claim_rules() const {
  jose::ClaimRules rules;
  rules.issuer = iss;
  rules.audiences = audiences;
  rules.leeway = leeway;
  rules.require_exp = true;
  return rules;
}

std::string to_string(const IssuerConfigError& error) {
  return "JwtIssuer " + error.issuer + ": " + error.field + ": " + error.detail;
}

core::Expected<TrustedIssuer, IssuerConfigError> compile_issuer(const iam::JwtIssuer& spec) {
  TrustedIssuer out;
  out.name = spec.meta.namespace_.empty() ? spec.meta.name : spec.meta.namespace_ + "/" + spec.meta.name;
  auto error = [&](std::string field, std::string detail) {
    return core::fail(IssuerConfigError{out.name, std::move(field), std::move(detail)});
  };

  if (spec.iss.empty()) return error("spec.iss", "required");
  out.iss = spec.iss;

  if (spec.aud.empty()) return error("spec.aud", "at least one audience is required");
  for (const auto& a : spec.aud)
    if (a.empty()) return error("spec.aud", "an audience is empty");
  out.audiences = spec.aud;

  if (spec.token_expiry) {
    if (spec.token_expiry->count() <= 0) return error("spec.tokenExpiry", "must be positive");
    out.token_expiry = *spec.token_expiry;
  }
  if (spec.leeway) {
    if (spec.leeway->count() < 0 || *spec.leeway > max_leeway)
      return error("spec.leeway", "must be between 0s and 5m");
    out.leeway = *spec.leeway;
  }

  if (spec.algorithms.empty()) {
    auto defaults = jose::default_algorithms();
    out.algorithms.assign(defaults.begin(), defaults.end());
  } else {
    for (const auto& name : spec.algorithms) {
      auto alg = jose::algorithm_from_name(name);
      if (!alg) return error("spec.algorithms", "unsupported algorithm \"" + name + "\" (only asymmetric JWS algorithms)");
      out.algorithms.push_back(*alg);
    }
  }

  out.ca_file = spec.ca_file;
  if (out.ca_file && out.ca_file->empty()) return error("spec.caFile", "empty");

  if (spec.jwks) {
    if (spec.jwks_url) return error("spec.jwks", "give either jwks or jwksUrl, not both");
    if (spec.iss_internal) return error("spec.jwks", "issInternal has no use with an inline jwks");
    if (spec.ca_file) return error("spec.jwks", "caFile has no use with an inline jwks");
    auto keys = jose::KeySet::parse(*spec.jwks);
    if (!keys) return error("spec.jwks", std::string(jose::to_string(keys.error().code)) + ": " + keys.error().detail);
    if (keys->keys().empty()) return error("spec.jwks", "the key set has no usable key");
    out.source = KeySourceKind::inline_jwks;
    out.inline_keys = std::make_shared<const jose::KeySet>(std::move(*keys));
  } else if (spec.jwks_url) {
    if (spec.iss_internal) return error("spec.jwksUrl", "give either jwksUrl or issInternal, not both");
    if (auto ok = check_fetch_url(*spec.jwks_url); !ok) return error("spec.jwksUrl", ok.error().detail);
    out.source = KeySourceKind::jwks_url;
    out.jwks_url = spec.jwks_url;
  } else {
    out.source = KeySourceKind::discovery;
    out.iss_internal = spec.iss_internal;
    const std::string field = spec.iss_internal ? "spec.issInternal" : "spec.iss";
    const std::string& base = spec.iss_internal ? *spec.iss_internal : spec.iss;
    if (auto ok = check_fetch_url(base); !ok) return error(field, "cannot fetch discovery from it: " + ok.error().detail);
    auto parsed = boost::urls::parse_absolute_uri(base);
    if (parsed->has_query() || parsed->has_fragment()) return error(field, "a discovery base has no query or fragment");
  }

  std::string id;
  append_part(id, "iss", out.iss);
  append_part(id, "issInternal", out.iss_internal);
  append_part(id, "jwksUrl", out.jwks_url);
  append_part(id, "caFile", out.ca_file);
  out.cache_id = std::move(id);
  return out;
}

std::shared_ptr<const IssuerSet> IssuerSet::empty() {
  static const auto none = std::make_shared<const IssuerSet>();
  return none;
}

core::Expected<std::shared_ptr<const IssuerSet>, IssuerConfigError> IssuerSet::build(
    const std::vector<iam::JwtIssuer>& issuers) {
  auto set = std::make_shared<IssuerSet>();
  for (const auto& spec : issuers) {
    auto compiled = compile_issuer(spec);
    if (!compiled) return core::fail(std::move(compiled).error());
    auto issuer = std::make_shared<const TrustedIssuer>(std::move(*compiled));
    if (set->by_iss_.count(issuer->iss))
      return core::fail(IssuerConfigError{issuer->name, "spec.iss",
                                          "issuer \"" + issuer->iss + "\" is also defined by JwtIssuer " +
                                              set->by_iss_.find(issuer->iss)->second->name});
    set->by_iss_.emplace(issuer->iss, issuer);
    set->ordered_.push_back(std::move(issuer));
  }
  return std::shared_ptr<const IssuerSet>(std::move(set));
}

std::shared_ptr<const TrustedIssuer> IssuerSet::find(std::string_view iss) const {
  auto it = by_iss_.find(iss);
  return it == by_iss_.end() ? nullptr : it->second;
}

}  // namespace faasgate::oidc
