#include "faasgate/iam/claims.hpp"

#include <array>

namespace faasgate::iam {

namespace {

constexpr std::array<std::string_view, 10> kGatewayClaims = {"iss", "sub", "aud",    "exp",   "nbf",
                                                              "iat", "jti", "policy", "scope", "function"};

void copy_string(const boost::json::object& from, std::string_view from_key, boost::json::object& to,
                 std::string_view to_key, std::string_view strip_prefix = {}) {
  const auto* v = from.if_contains(from_key);
  if (v == nullptr || !v->is_string()) return;
  std::string_view text = v->get_string();
  if (!strip_prefix.empty()) {
    if (!text.starts_with(strip_prefix)) return;  // not a name this gateway wrote: no subject at all
    text.remove_prefix(strip_prefix.size());
  }
  to[to_key] = text;
}

}  // namespace

bool is_gateway_claim(std::string_view name) noexcept {
  if (name.starts_with("fed:")) return true;
  for (auto c : kGatewayClaims)
    if (c == name) return true;
  return false;
}

boost::json::object carried_claims(const boost::json::object& subject) {
  boost::json::object out;
  out.reserve(subject.size());
  for (const auto& member : subject)
    if (!is_gateway_claim(member.key())) out.emplace(member.key(), member.value());
  return out;
}

boost::json::object statement_claims_of_subject(const boost::json::object& subject) {
  auto out = carried_claims(subject);
  copy_string(subject, "iss", out, "iss");
  copy_string(subject, "sub", out, "sub");
  return out;
}

boost::json::object statement_claims_of_token(const boost::json::object& minted) {
  auto out = carried_claims(minted);
  copy_string(minted, "fed:iss", out, "iss");
  copy_string(minted, "sub", out, "sub", "fed:");
  return out;
}

}  // namespace faasgate::iam
