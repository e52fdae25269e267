#include "faasgate/jose/jwt.hpp"

#include <algorithm>
#include <cmath>

namespace faasgate::jose {

namespace {

namespace json = boost::json;

Error error(Errc code, std::string detail) { return Error{code, std::move(detail)}; }

enum class Rounding { down, up };

// NumericDate (RFC 7519 §2) as whole seconds. Values are clamped to ±2^53 s (far beyond any real
// date) so that adding a leeway can never overflow. Rounding is chosen per claim so that a
// fraction never extends a token's life: exp rounds down, nbf and iat round up.
std::optional<long long> numeric_date_of(const json::value& v, Rounding rounding) {
  constexpr long long kLimit = 1LL << 53;
  if (v.is_int64()) return std::clamp<long long>(v.get_int64(), -kLimit, kLimit);
  if (v.is_uint64()) return static_cast<long long>(std::min<std::uint64_t>(v.get_uint64(), kLimit));
  if (v.is_double()) {
    double d = v.get_double();
    if (!std::isfinite(d)) return std::nullopt;
    d = rounding == Rounding::down ? std::floor(d) : std::ceil(d);
    return static_cast<long long>(std::clamp(d, -static_cast<double>(kLimit), static_cast<double>(kLimit)));
  }
  return std::nullopt;
}

std::optional<std::string> string_member(const json::object& object, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

// Reads an optional NumericDate claim: nothing if absent, an error if present but not a number.
core::Expected<std::optional<long long>, Error> date_claim(const json::object& claims, std::string_view name,
                                                           Rounding rounding) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<long long>{};
  auto seconds = numeric_date_of(it->value(), rounding);
  if (!seconds) return core::fail(error(Errc::bad_claim_type, std::string(name) + " is not a NumericDate"));
  return std::optional<long long>{*seconds};
}

core::Expected<void, Error> check_audience(const json::object& claims, const std::vector<std::string>& audiences) {
  auto it = claims.find("aud");
  if (it == claims.end()) return core::fail(error(Errc::missing_claim, "token has no aud"));
  auto expected = [&](const json::string& aud) {
    return std::any_of(audiences.begin(), audiences.end(), [&](const std::string& a) { return aud == a; });
  };
  const json::value& aud = it->value();
  if (aud.is_string()) {
    if (expected(aud.get_string())) return {};
  } else if (aud.is_array()) {
    bool found = false;
    for (const auto& member : aud.get_array()) {
      if (!member.is_string()) return core::fail(error(Errc::bad_claim_type, "aud has a non-string member"));
      found = found || expected(member.get_string());
    }
    if (found) return {};
  } else {
    return core::fail(error(Errc::bad_claim_type, "aud is neither a string nor a list of strings"));
  }
  return core::fail(error(Errc::wrong_audience, "aud names none of the expected audiences"));
}

}  // namespace

core::Expected<UnverifiedJwt, Error> UnverifiedJwt::parse(std::string_view token, const ParseLimits& limits) {
  auto jws = detail::parse_compact_jws(token, limits);
  if (!jws) return core::fail(std::move(jws).error());
  auto claims = detail::parse_json_object(jws->payload, limits.max_json_depth);
  if (!claims) return core::fail(Error{claims.error().code, "claims: " + claims.error().detail});
  UnverifiedJwt out;
  out.header_ = jws->header;
  out.claims_ = std::move(*claims);
  out.jws_ = std::move(*jws);
  out.jws_.payload.clear();  // kept as claims_; the signature covers signing_input
  return out;
}

std::optional<std::string> UnverifiedJwt::unverified_issuer() const { return string_member(claims_, "iss"); }

core::Expected<VerifiedJwt, Error> verify(const UnverifiedJwt& jwt, const KeySet& keys,
                                          std::span<const Algorithm> allowed) {
  auto key = detail::verify_jws(jwt.jws_, keys, allowed);
  if (!key) return core::fail(std::move(key).error());
  VerifiedJwt out;
  out.header_ = jwt.header_;
  out.claims_ = jwt.claims_;
  out.key_id_ = (*key)->kid().empty() ? (*key)->thumbprint() : (*key)->kid();
  return out;
}

std::optional<std::string> VerifiedJwt::string_claim(std::string_view name) const {
  return string_member(claims_, name);
}

std::optional<long long> VerifiedJwt::numeric_date(std::string_view name) const {
  auto it = claims_.find(name);
  if (it == claims_.end()) return std::nullopt;
  return numeric_date_of(it->value(), Rounding::down);
}

core::Expected<void, Error> validate(const VerifiedJwt& jwt, const ClaimRules& rules, core::Instant now) {
  const auto& claims = jwt.claims();
  const long long leeway = std::clamp(rules.leeway, std::chrono::seconds{0}, kMaxLeeway).count();
  const long long t = core::to_unix(now);

  auto iss = claims.find("iss");
  if (iss == claims.end()) return core::fail(error(Errc::missing_claim, "token has no iss"));
  if (!iss->value().is_string()) return core::fail(error(Errc::bad_claim_type, "iss is not a string"));
  if (rules.issuer.empty() || iss->value().get_string() != rules.issuer) {
    return core::fail(error(Errc::wrong_issuer, "iss is not the expected issuer"));
  }

  if (auto audience = check_audience(claims, rules.audiences); !audience) return audience;

  auto exp = date_claim(claims, "exp", Rounding::down);
  if (!exp) return core::fail(std::move(exp).error());
  if (!*exp && rules.require_exp) return core::fail(error(Errc::missing_claim, "token has no exp"));
  // RFC 7519 §4.1.4: the token must not be accepted "on or after" exp.
  if (*exp && t >= **exp + leeway) return core::fail(error(Errc::expired, "token has expired"));

  auto nbf = date_claim(claims, "nbf", Rounding::up);
  if (!nbf) return core::fail(std::move(nbf).error());
  if (*nbf && **nbf > t + leeway) return core::fail(error(Errc::not_yet_valid, "token is not valid yet"));

  auto iat = date_claim(claims, "iat", Rounding::up);
  if (!iat) return core::fail(std::move(iat).error());
  if (*iat && **iat > t + leeway) return core::fail(error(Errc::issued_in_future, "token was issued in the future"));
  return {};
}

}  // namespace faasgate::jose
