#include "faasgate/iam/lint.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "faasgate/iam/action.hpp"
#include "faasgate/iam/condition.hpp"
#include "faasgate/iam/glob.hpp"

namespace faasgate::iam {
namespace {

std::string statement_field(std::size_t i, const Statement& s) {
  return "spec.statement[" + std::to_string(i) + "]" + (s.sid.empty() ? "" : " (sid " + s.sid + ")");
}

std::optional<ActionMask> actions_of(const Statement& s) {
  ActionMask m = 0;
  for (const auto& a : s.action) {
    auto p = parse_action_pattern(a);
    if (!p) return std::nullopt;  // the loader rejects these; be safe anyway
    m |= *p;
  }
  return m;
}

// `outer` covers `inner` (statement E covers statement S): same-effect precondition is the caller's.
bool statement_covers(const Statement& outer, ActionMask outer_actions, const Statement& inner,
                      ActionMask inner_actions) {
  if ((inner_actions & ~outer_actions) != 0) return false;
  if (!outer.condition.empty() && outer.condition != inner.condition) return false;
  return std::all_of(inner.resource.begin(), inner.resource.end(), [&](const std::string& r) {
    return std::any_of(outer.resource.begin(), outer.resource.end(),
                       [&](const std::string& o) { return pattern_covers(o, r); });
  });
}

// A test that can only hold for particular issuers: a principal jwt:iss, or a positive operator
// (not negated, not IfExists) on jwt:iss with at least one value that is not just '*'.
bool pins_issuer(const Role& role) {
  if (role.principal.count("jwt:iss") != 0) return true;
  for (const auto& [op_name, keys] : role.condition) {
    auto op = parse_operator(op_name);
    if (!op || op->negated || op->if_exists) continue;
    auto it = keys.find("jwt:iss");
    if (it == keys.end()) continue;
    const bool wildcard_only = std::any_of(it->second.begin(), it->second.end(), [&](const std::string& v) {
      return op->base == Operator::Base::like && std::all_of(v.begin(), v.end(), [](char c) { return c == '*'; });
    });
    if (!wildcard_only) return true;
  }
  return false;
}

// Whether a token of issuer `iss` can pass the Role's jwt:iss tests (other tests are ignored).
bool role_admits_issuer(const Role& role, const std::string& iss) {
  const boost::json::object claims{{"iss", iss}};
  if (auto it = role.principal.find("jwt:iss"); it != role.principal.end()) {
    auto c = CompiledCondition::compile_principal({{it->first, it->second}});
    if (c && !c->holds(claims)) return false;
  }
  Condition only_iss;
  for (const auto& [op_name, keys] : role.condition)
    if (auto it = keys.find("jwt:iss"); it != keys.end()) only_iss[op_name][it->first] = it->second;
  auto c = CompiledCondition::compile(only_iss);
  return !c || c->holds(claims);
}

// Why a statement condition can never hold on an API call, or nullopt when it may.
std::optional<std::string> never_holds(const Condition& condition, const std::vector<JwtIssuer>& issuers) {
  static constexpr std::string_view kHidden[] = {"policy", "scope", "function", "aud", "exp", "nbf", "iat", "jti"};
  for (const auto& [op_name, keys] : condition) {
    auto op = parse_operator(op_name);
    if (!op || op->if_exists) continue;  // IfExists: an absent claim makes the test true
    for (const auto& [key, values] : keys) {
      auto path = ClaimPath::parse(key);
      if (!path) continue;
      const std::string_view claim = path->path();
      const bool hidden = claim.starts_with("fed:") || std::any_of(std::begin(kHidden), std::end(kHidden), [&](auto h) {
                            return claim == h || (claim.starts_with(h) && claim.substr(h.size()).starts_with("/"));
                          });
      if (hidden)
        return op_name + " " + key + ": conditions never see this claim (it is the gateway's, or describes one token)";
      if (claim != "iss" || op->negated || issuers.empty()) continue;
      Condition only_this;
      only_this[op_name][key] = values;
      auto test = CompiledCondition::compile(only_this);
      if (!test) continue;
      const bool some_issuer = std::any_of(issuers.begin(), issuers.end(), [&](const JwtIssuer& issuer) {
        return test->holds(boost::json::object{{"iss", issuer.iss}});
      });
      if (!some_issuer)
        return op_name + " " + key + ": no trusted JwtIssuer has such an iss (conditions see the original issuer)";
    }
  }
  return std::nullopt;
}

template <class Object>
Finding finding(LintRule rule, std::string_view kind, const Object& o, std::string message) {
  return Finding{rule, o.meta.source, o.meta.line, std::string(kind) + "/" + o.meta.name, std::move(message)};
}

}  // namespace

std::string_view name(LintRule rule) noexcept {
  switch (rule) {
    case LintRule::any_issuer: return "any-issuer";
    case LintRule::allow_everything: return "allow-everything";
    case LintRule::missing_policy: return "missing-policy";
    case LintRule::shadowed: return "shadowed";
    case LintRule::denied_allow: return "denied-allow";
    case LintRule::unused_policy: return "unused-policy";
    case LintRule::unused_issuer: return "unused-issuer";
    case LintRule::sub_any_issuer: return "sub-any-issuer";
    case LintRule::never_holds: return "never-holds";
  }
  return "unknown";
}

LintSeverity severity(LintRule) noexcept { return LintSeverity::warning; }

std::string Finding::to_string() const {
  std::string s = file.empty() ? std::string("<input>") : file;
  if (line > 0) s += ":" + std::to_string(line);
  s += severity() == LintSeverity::warning ? ": warning: " : ": info: ";
  s += object + ": " + message + " [" + std::string(name(rule)) + "]";
  return s;
}

bool pattern_covers(std::string_view outer, std::string_view inner) {
  if (outer == "*") return true;
  if (inner == "*") return false;
  const auto oc = outer.find(':');
  const auto ic = inner.find(':');
  if (oc == std::string_view::npos || ic == std::string_view::npos) return false;
  // Resource globs have no '?'; Glob never lets a literal character match a '*' of the text, so a
  // '*' of `inner` can only be consumed by a '*' of `outer`: a match proves containment.
  return Glob(std::string(outer.substr(0, oc))).matches(inner.substr(0, ic)) &&
         Glob(std::string(outer.substr(oc + 1))).matches(inner.substr(ic + 1));
}

std::vector<Finding> lint(const ObjectSet& objects) {
  std::vector<Finding> out;
  const ActionMask everything = parse_action_pattern("*").value_or(0);

  std::set<std::string, std::less<>> defined;
  for (const auto& p : objects.policies) defined.insert(p.meta.name);
  std::set<std::string, std::less<>> granted;

  for (const Role& role : objects.roles) {
    if (role.principal.empty() && !pins_issuer(role))
      out.push_back(finding(LintRule::any_issuer, "Role", role,
                            role.condition.empty()
                                ? "neither a principal nor a condition: every trusted token matches"
                                : "no principal and no jwt:iss condition: tokens of any trusted issuer can match"));
    else if (!role.principal.empty() && !pins_issuer(role) && objects.issuers.size() > 1)
      out.push_back(finding(LintRule::sub_any_issuer, "Role", role,
                            "a principal but no jwt:iss condition while " + std::to_string(objects.issuers.size()) +
                                " issuers are trusted: the same sub minted by another issuer matches and gets "
                                "this Role's policies (add condition: {StringEqual: {jwt:iss: [...]}})"));
    for (std::size_t i = 0; i < role.policy.size(); ++i) {
      granted.insert(role.policy[i]);
      if (defined.count(role.policy[i]) == 0)
        out.push_back(finding(LintRule::missing_policy, "Role", role,
                              "spec.policy[" + std::to_string(i) + "]: policy \"" + role.policy[i] +
                                  "\" is not defined: it grants nothing"));
    }
  }

  for (const Policy& p : objects.policies) {
    std::vector<std::optional<ActionMask>> masks;
    for (const auto& s : p.statement) masks.push_back(actions_of(s));
    for (std::size_t i = 0; i < p.statement.size(); ++i) {
      const Statement& s = p.statement[i];
      if (!masks[i]) continue;
      if (auto why = never_holds(s.condition, objects.issuers))
        out.push_back(finding(LintRule::never_holds, "Policy", p,
                              statement_field(i, s) + ": its condition never holds: " + *why +
                                  (s.effect == Effect::allow ? "; it allows nothing" : "; it denies nothing")));
      if (s.effect == Effect::allow && (*masks[i] & everything) == everything &&
          std::find(s.resource.begin(), s.resource.end(), "*") != s.resource.end())
        out.push_back(finding(LintRule::allow_everything, "Policy", p,
                              statement_field(i, s) + ": allows every action on every resource" +
                                  (s.condition.empty() ? "" : " (under a condition)")));
      for (std::size_t j = 0; j < i; ++j) {
        const Statement& e = p.statement[j];
        if (!masks[j] || e.effect != s.effect) continue;
        if (statement_covers(e, *masks[j], s, *masks[i])) {
          out.push_back(finding(LintRule::shadowed, "Policy", p,
                                statement_field(i, s) + ": shadowed by the earlier " + statement_field(j, e) +
                                    ", which covers all its actions and resources: it never changes a decision"));
          break;
        }
      }
      if (s.effect != Effect::allow) continue;
      for (std::size_t j = 0; j < p.statement.size(); ++j) {
        const Statement& d = p.statement[j];
        if (!masks[j] || d.effect != Effect::deny) continue;
        if (statement_covers(d, *masks[j], s, *masks[i])) {
          out.push_back(finding(LintRule::denied_allow, "Policy", p,
                                statement_field(i, s) + ": everything it allows is denied by " +
                                    statement_field(j, d) + ": it never allows anything"));
          break;
        }
      }
    }
    if (granted.count(p.meta.name) == 0)
      out.push_back(finding(LintRule::unused_policy, "Policy", p, "no Role grants this policy: it is never used"));
  }

  for (const JwtIssuer& issuer : objects.issuers) {
    const bool used = std::any_of(objects.roles.begin(), objects.roles.end(),
                                  [&](const Role& r) { return role_admits_issuer(r, issuer.iss); });
    if (!used)
      out.push_back(finding(LintRule::unused_issuer, "JwtIssuer", issuer,
                            "no Role can match a token of " + issuer.iss + ": its tokens exchange for nothing"));
  }

  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.file, a.line) < std::tie(b.file, b.line);
  });
  return out;
}

}  // namespace faasgate::iam
