#include "faasgate/iam/explain.hpp"

#include "faasgate/iam/claims.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

#include "faasgate/iam/claims.hpp"
#include "faasgate/iam/condition.hpp"

namespace faasgate::iam {
namespace {

constexpr std::size_t kMaxClaimText = 256;

std::string cut(std::string s) {
  if (s.size() > kMaxClaimText) {
    s.resize(kMaxClaimText);
    s += "...";
  }
  return s;
}

std::string list_text(const std::vector<std::string>& values) {
  boost::json::array a;
  for (const auto& v : values) a.emplace_back(v);
  return boost::json::serialize(a);
}

std::optional<std::string> claim_json(const std::string& key, const boost::json::object& claims) {
  auto path = ClaimPath::parse(key);
  if (!path) return std::nullopt;
  const boost::json::value* v = path->find(claims);
  if (v == nullptr || v->is_null()) return std::nullopt;
  return cut(boost::json::serialize(*v));
}

// Each key is compiled and evaluated on its own, with the same code the engine uses, so the parts
// explain the whole: a block holds exactly when every one of its keys holds.
TestExplanation principal_test(const std::string& key, const std::vector<std::string>& values,
                               const boost::json::object& claims) {
  TestExplanation t;
  t.kind = TestExplanation::Kind::principal;
  t.key = key;
  t.values = values;
  t.claim = claim_json(key, claims);
  auto compiled = CompiledCondition::compile_principal({{key, values}});
  t.held = compiled && compiled->holds(claims);
  if (!t.claim) {
    t.why = key + " absent (needs one of " + list_text(values) + ")";
  } else {
    t.why = key + " = " + *t.claim + (t.held ? " in " : " not in ") + list_text(values);
  }
  return t;
}

std::vector<TestExplanation> condition_tests(const Condition& condition, const boost::json::object& claims) {
  std::vector<TestExplanation> out;
  for (const auto& [op, keys] : condition) {
    for (const auto& [key, values] : keys) {
      TestExplanation t;
      t.kind = TestExplanation::Kind::condition;
      t.op = op;
      t.key = key;
      t.values = values;
      t.claim = claim_json(key, claims);
      auto compiled = CompiledCondition::compile(Condition{{op, {{key, values}}}});
      t.held = compiled && compiled->holds(claims);
      t.why = op + " " + key + (t.held ? " held" : " failed") + ": claim " + (t.claim ? *t.claim : "absent") +
              ", values " + list_text(values);
      out.push_back(std::move(t));
    }
  }
  return out;
}

// The names in an access token's "policy" claim, as Engine::subject(claims) reads them.
std::vector<std::string> policy_claim(const boost::json::value& v, std::vector<std::string>& notes) {
  std::vector<std::string> names;
  if (v.is_string()) {
    names.emplace_back(v.get_string());
  } else if (v.is_array()) {
    bool skipped = false;
    for (const auto& item : v.get_array()) {
      if (item.is_string())
        names.emplace_back(item.get_string());
      else
        skipped = true;
    }
    if (skipped) notes.push_back("the policy claim has entries that are not strings; they grant nothing");
  } else {
    notes.push_back("the policy claim is neither a list nor a string; it grants nothing");
  }
  return names;
}

std::string_view effect_name(Effect e) { return e == Effect::allow ? "Allow" : "Deny"; }

boost::json::object test_json(const TestExplanation& t) {
  boost::json::object o;
  o["kind"] = t.kind == TestExplanation::Kind::principal ? "principal" : "condition";
  if (t.kind == TestExplanation::Kind::condition) o["operator"] = t.op;
  o["key"] = t.key;
  boost::json::array values;
  for (const auto& v : t.values) values.emplace_back(v);
  o["values"] = std::move(values);
  if (t.claim)
    o["claim"] = *t.claim;
  else
    o["claim"] = nullptr;
  o["held"] = t.held;
  o["text"] = t.why;
  return o;
}

boost::json::array string_array(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string reason(const Explanation& e) {
  if (!e.deciding) return "implicit deny: no applicable Allow statement";
  const auto& s = e.statements[*e.deciding];
  return std::string(s.effect == Effect::deny ? "explicit deny" : "allowed") + " by policy " + s.policy + " sid " +
         (s.sid.empty() ? "(none)" : s.sid) + " (statement " + std::to_string(s.index) + ")";
}

}  // namespace

std::string resource_text(const Resource& r) {
  switch (r.level) {
    case Resource::Level::cluster:
      return "*";
    case Resource::Level::namespace_:
      return std::string(r.ns) + ":*";
    case Resource::Level::function:
      return std::string(r.ns) + ":" + std::string(r.fn);
  }
  return "*";
}

Explanation explain(const Engine& engine, const boost::json::object& claims, Action action, const Resource& resource,
                    const ExplainOptions& options) {
  const ObjectSet& objects = engine.objects();
  Explanation e;
  e.action = action;
  e.resource = resource_text(resource);

  std::vector<std::string> names;  // the policy names the caller holds, in order
  // Statement conditions see what they see on an API call (iam/claims.hpp): the subject's claims
  // with its original iss and sub, whichever token is explained.
  boost::json::object condition_claims;
  const boost::json::object* statement_claims = &condition_claims;
  if (const auto* policy = claims.if_contains("policy")) {
    e.token = Explanation::TokenKind::access;
    names = policy_claim(*policy, e.notes);
    condition_claims = statement_claims_of_token(claims);
  } else {
    e.token = Explanation::TokenKind::subject;
    condition_claims = statement_claims_of_subject(claims);
    if (options.statement_claims != nullptr) statement_claims = options.statement_claims;
    const auto traces = engine.trace_roles(claims);
    for (const auto& t : traces) {
      const Role& role = objects.roles[t.role];
      RoleExplanation r;
      r.name = role.meta.name;
      r.source = role.meta.source;
      r.line = role.meta.line;
      r.matched = t.matched();
      r.policies = role.policy;
      for (const auto& [key, values] : role.principal) r.tests.push_back(principal_test(key, values, claims));
      auto cond = condition_tests(role.condition, claims);
      r.tests.insert(r.tests.end(), std::make_move_iterator(cond.begin()), std::make_move_iterator(cond.end()));
      e.roles.push_back(std::move(r));
    }
    names = engine.match_roles(claims).policies;
  }

  for (const auto& n : names) {
    auto& bucket = engine.has_policy(n) ? e.policies : e.missing_policies;
    if (std::find(bucket.begin(), bucket.end(), n) == bucket.end()) bucket.push_back(n);
  }

  const auto who = engine.subject(std::span<const std::string>(e.policies), *statement_claims);
  const Decision decision = engine.decide(who, action, resource);
  e.allowed = decision.allowed;

  std::optional<std::size_t> first_deny, first_allow;
  for (const auto& t : engine.trace(who, action, resource)) {
    const Policy& p = objects.policies[t.policy];
    const Statement& st = p.statement[t.statement];
    StatementExplanation s;
    s.policy = p.meta.name;
    s.index = t.statement;
    s.sid = st.sid;
    s.effect = st.effect;
    s.action_matched = t.action_matched;
    s.resource_matched = t.resource_matched;
    s.condition_held = t.condition_held;
    s.condition = condition_tests(st.condition, *statement_claims);
    const std::size_t at = e.statements.size();
    if (s.applied()) {
      auto& first = s.effect == Effect::deny ? first_deny : first_allow;
      if (!first) first = at;
    }
    e.statements.push_back(std::move(s));
  }
  e.deciding = first_deny ? first_deny : first_allow;

  // decide() is the authority; the trace must agree with it (engine_test and explain_test check it).
  const bool agrees = e.deciding ? (e.statements[*e.deciding].policy == decision.policy &&
                                    e.statements[*e.deciding].sid == decision.sid &&
                                    (e.statements[*e.deciding].effect == Effect::allow) == decision.allowed)
                                 : decision.implicit_deny();
  if (!agrees) e.notes.push_back("internal: the trace disagrees with the decision; the decision stands");

  if (e.token == Explanation::TokenKind::subject && e.policies.empty() && e.missing_policies.empty())
    e.notes.push_back("no Role matched: the token exchange would refuse this token");
  return e;
}

boost::json::object to_json(const Explanation& e) {
  boost::json::object o;
  o["allowed"] = e.allowed;
  o["decision"] = e.allowed ? "allow" : "deny";
  o["token"] = e.token == Explanation::TokenKind::access ? "access" : "subject";
  o["action"] = name(e.action);
  o["resource"] = e.resource;
  boost::json::array roles;
  for (const auto& r : e.roles) {
    boost::json::object ro;
    ro["name"] = r.name;
    ro["file"] = r.source;
    ro["line"] = r.line;
    ro["matched"] = r.matched;
    ro["policies"] = string_array(r.policies);
    boost::json::array why;
    for (const auto& t : r.tests) why.push_back(test_json(t));
    ro["why"] = std::move(why);
    roles.push_back(std::move(ro));
  }
  o["roles"] = std::move(roles);
  o["policies"] = string_array(e.policies);
  o["missing_policies"] = string_array(e.missing_policies);
  boost::json::array statements;
  for (const auto& s : e.statements) {
    boost::json::object so;
    so["policy"] = s.policy;
    so["index"] = s.index;
    so["sid"] = s.sid;
    so["effect"] = effect_name(s.effect);
    so["action_matched"] = s.action_matched;
    so["resource_matched"] = s.resource_matched;
    so["condition_held"] = s.condition_held;
    so["applied"] = s.applied();
    boost::json::array why;
    for (const auto& t : s.condition) why.push_back(test_json(t));
    so["why"] = std::move(why);
    statements.push_back(std::move(so));
  }
  o["statements"] = std::move(statements);
  if (e.deciding) {
    const auto& s = e.statements[*e.deciding];
    o["decided_by"] = boost::json::object{
        {"policy", s.policy}, {"sid", s.sid}, {"effect", effect_name(s.effect)}, {"index", s.index}};
  } else {
    o["decided_by"] = nullptr;
  }
  o["reason"] = reason(e);
  o["notes"] = string_array(e.notes);
  return o;
}

std::string to_text(const Explanation& e) {
  std::string out;
  out += std::string(e.allowed ? "ALLOW" : "DENY") + ": " + std::string(name(e.action)) + " on " + e.resource + "\n";
  out += "reason: " + reason(e) + "\n";
  if (e.token == Explanation::TokenKind::access) {
    out += "token: access token (its policy claim names the policies; no Role is evaluated)\n";
  } else {
    out += "token: subject token (Roles are matched to find the policies, as at the token exchange)\n";
    out += "roles:\n";
    if (e.roles.empty()) out += "  (none defined)\n";
    for (const auto& r : e.roles) {
      out += std::string("  ") + (r.matched ? "+ " : "- ") + r.name + " (" + r.source + ":" + std::to_string(r.line) +
             "): " + (r.matched ? "matched" : "did not match") + ", grants " + list_text(r.policies) + "\n";
      if (r.tests.empty()) out += "      no principal and no condition: matches every trusted token\n";
      for (const auto& t : r.tests) out += std::string("      ") + (t.held ? "ok   " : "FAIL ") + t.why + "\n";
    }
  }
  out += "policies: " + (e.policies.empty() ? std::string("(none)") : list_text(e.policies)) + "\n";
  if (!e.missing_policies.empty()) out += "missing policies (grant nothing): " + list_text(e.missing_policies) + "\n";
  out += "statements:\n";
  if (e.statements.empty()) out += "  (none)\n";
  for (std::size_t i = 0; i < e.statements.size(); ++i) {
    const auto& s = e.statements[i];
    auto yn = [](bool b) { return b ? "yes" : "no"; };
    out += std::string(e.deciding == i ? "  * " : "    ") + s.policy + "[" + std::to_string(s.index) + "] sid " +
           (s.sid.empty() ? "(none)" : s.sid) + " " + std::string(effect_name(s.effect)) + ": action " +
           yn(s.action_matched) + ", resource " + yn(s.resource_matched) + ", condition " + yn(s.condition_held) +
           (s.applied() ? " -> applies" : "") + (e.deciding == i ? " (decides)" : "") + "\n";
    for (const auto& t : s.condition) out += std::string("        ") + (t.held ? "ok   " : "FAIL ") + t.why + "\n";
  }
  for (const auto& n : e.notes) out += "note: " + n + "\n";
  return out;
}

}  // namespace faasgate::iam
