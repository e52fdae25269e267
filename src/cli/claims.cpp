#include "claims.hpp"

#include <ctime>

#include "faasgate/core/base64.hpp"
#include "faasgate/core/json.hpp"

namespace faasgate::cli {

namespace json = boost::json;

core::Expected<json::object, std::string> token_claims(const core::Secret& token) {
  const std::string_view t = token.reveal();
  const auto first = t.find('.');
  const auto second = first == std::string_view::npos ? first : t.find('.', first + 1);
  if (second == std::string_view::npos || t.find('.', second + 1) != std::string_view::npos)
    return core::fail(std::string("the stored token is not a JWT (three dot-separated parts)"));
  auto payload = core::base64url_decode_string(t.substr(first + 1, second - first - 1));
  if (!payload) return core::fail(std::string("the stored token's payload is not base64url"));
  auto value = core::parse_json_strict(*payload, {64 * 1024, 16});
  if (!value) return core::fail("the stored token's payload is not JSON: " + value.error().detail);
  if (!value->is_object()) return core::fail(std::string("the stored token's payload is not a JSON object"));
  return std::move(value->as_object());
}

namespace {

std::string string_claim(const json::object& claims, std::string_view name) {
  auto* v = claims.if_contains(name);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<long long> date_claim(const json::object& claims, std::string_view name) {
  auto* v = claims.if_contains(name);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() < (1ull << 62)) return static_cast<long long>(v->get_uint64());
  if (v->is_double()) return static_cast<long long>(v->get_double());
  return std::nullopt;
}

}  // namespace

ClaimsSummary summarize(const json::object& claims) {
  ClaimsSummary s;
  s.subject = string_claim(claims, "sub");
  s.issuer = string_claim(claims, "iss");
  s.federated_issuer = string_claim(claims, "fed:iss");
  s.scope = string_claim(claims, "scope");
  s.expires_at = date_claim(claims, "exp");
  s.issued_at = date_claim(claims, "iat");
  if (auto* p = claims.if_contains("policy")) {
    // The gateway writes a list; a single string is read as a list of one.
    if (p->is_string()) s.policies.emplace_back(p->get_string());
    if (p->is_array())
      for (const auto& item : p->get_array())
        if (item.is_string()) s.policies.emplace_back(item.get_string());
  }
  return s;
}

std::string format_time(core::Instant t) {
  std::time_t secs = core::to_unix(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string format_interval(core::Seconds d) {
  long long s = d.count() < 0 ? -d.count() : d.count();
  struct Unit {
    const char* name;
    long long seconds;
  };
  static constexpr Unit units[] = {{"day", 86400}, {"hour", 3600}, {"minute", 60}, {"second", 1}};
  std::string out;
  int parts = 0;
  for (const auto& u : units) {
    const long long n = s / u.seconds;
    if (n == 0 && !(parts == 0 && u.seconds == 1)) {
      if (parts) break;  // "1 hour", not "1 hour 0 minutes 5 seconds"
      continue;
    }
    if (!out.empty()) out += ' ';
    out += std::to_string(n) + " " + u.name + (n == 1 ? "" : "s");
    s -= n * u.seconds;
    if (++parts == 2) break;
  }
  return out;
}

std::string describe_expiry(core::Instant expires_at, core::Instant now) {
  if (expires_at <= now) return "expired " + format_interval(now - expires_at) + " ago";
  return "in " + format_interval(expires_at - now);
}

}  // namespace faasgate::cli
