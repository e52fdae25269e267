#include "faasgate/iam/engine.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <cassert>
#include <unordered_set>

#include "faasgate/iam/loader.hpp"

namespace faasgate::iam {
namespace {

std::string object_name(std::string_view kind, const ObjectMeta& m) { return std::string(kind) + "/" + m.name; }

Issue problem_issue(const ObjectMeta& meta, std::string_view kind, std::string field_prefix, CompileProblem p) {
  std::string field = field_prefix;
  if (!p.field.empty()) field += "." + p.field;
  return Issue{p.code, meta.source, object_name(kind, meta), std::move(field), meta.line, 0, std::move(p.message)};
}

bool any_covers(const std::vector<ResourcePattern>& patterns, const Resource& r) noexcept {
  for (const auto& p : patterns)
    if (p.covers(r)) return true;
  return false;
}

}  // namespace

core::Expected<std::shared_ptr<const Engine>, Issues> Engine::compile(ObjectSet set) {
  Issues errors = check_object_set(set);
  std::shared_ptr<Engine> e(new Engine());

  e->policies_.reserve(set.policies.size());
  for (const Policy& p : set.policies) {
    CompiledPolicy cp;
    cp.name = p.meta.name;
    bool ok = true;
    for (std::size_t i = 0; i < p.statement.size(); ++i) {
      const Statement& s = p.statement[i];
      const std::string path = "spec.statement[" + std::to_string(i) + "]";
      CompiledStatement cs;
      cs.effect = s.effect;
      cs.sid = s.sid;
      if (s.action.empty() || s.resource.empty()) {
        errors.push_back(Issue{IssueCode::missing_field, p.meta.source, object_name("Policy", p.meta), path,
                               p.meta.line, 0, "a statement needs at least one action and one resource"});
        ok = false;
      }
      for (std::size_t j = 0; j < s.action.size(); ++j) {
        if (auto m = parse_action_pattern(s.action[j])) {
          cs.actions |= *m;
        } else {
          errors.push_back(Issue{IssueCode::unknown_action, p.meta.source, object_name("Policy", p.meta),
                                 path + ".action[" + std::to_string(j) + "]", p.meta.line, 0,
                                 "unknown action \"" + s.action[j] + "\""});
          ok = false;
        }
      }
      for (std::size_t j = 0; j < s.resource.size(); ++j) {
        std::string why;
        if (auto r = ResourcePattern::compile(s.resource[j], &why)) {
          cs.resources.push_back(std::move(*r));
        } else {
          errors.push_back(Issue{IssueCode::bad_resource, p.meta.source, object_name("Policy", p.meta),
                                 path + ".resource[" + std::to_string(j) + "]", p.meta.line, 0,
                                 "resource \"" + s.resource[j] + "\" " + why});
          ok = false;
        }
      }
      auto cond = CompiledCondition::compile(s.condition);
      if (!cond) {
        errors.push_back(problem_issue(p.meta, "Policy", path + ".condition", std::move(cond).error()));
        ok = false;
      } else {
        cs.condition = std::move(*cond);
      }
      (cs.effect == Effect::allow ? cp.allow_actions : cp.deny_actions) |= cs.actions;
      cp.statements.push_back(std::move(cs));
    }
    if (!ok) continue;
    // check_object_set reports duplicate names; the first definition is kept meanwhile.
    if (e->policy_index_.emplace(cp.name, static_cast<std::uint32_t>(e->policies_.size())).second)
      e->policies_.push_back(std::move(cp));
  }

  e->roles_.reserve(set.roles.size());
  for (const Role& r : set.roles) {
    CompiledRole cr;
    cr.name = r.meta.name;
    auto principal = CompiledCondition::compile_principal(r.principal);
    if (!principal) {
      errors.push_back(problem_issue(r.meta, "Role", "spec.principal", std::move(principal).error()));
      continue;
    }
    auto cond = CompiledCondition::compile(r.condition);
    if (!cond) {
      errors.push_back(problem_issue(r.meta, "Role", "spec.condition", std::move(cond).error()));
      continue;
    }
    if (r.policy.empty()) {
      errors.push_back(Issue{IssueCode::missing_field, r.meta.source, object_name("Role", r.meta), "spec.policy",
                             r.meta.line, 0, "a Role needs at least one policy"});
      continue;
    }
    cr.principal = std::move(*principal);
    cr.condition = std::move(*cond);
    const auto idx = static_cast<std::uint32_t>(e->roles_.size());
    e->roles_.push_back(std::move(cr));
    if (auto it = r.principal.find("jwt:sub"); it != r.principal.end()) {
      std::unordered_set<std::string_view> seen;
      for (const auto& sub : it->second)
        if (seen.insert(sub).second) e->roles_by_sub_[sub].push_back(idx);
    } else {
      e->unindexed_roles_.push_back(idx);
    }
  }

  if (!errors.empty()) return core::fail(std::move(errors));
  // Without errors every Policy and Role compiled, in load order: policies_[i] is
  // objects_.policies[i] and roles_[i] is objects_.roles[i] (match_roles and trace rely on it).
  assert(e->policies_.size() == set.policies.size() && e->roles_.size() == set.roles.size());
  e->objects_ = std::move(set);
  return std::shared_ptr<const Engine>(std::move(e));
}

RoleMatch Engine::match_roles(const boost::json::object& claims) const {
  std::vector<std::uint32_t> candidates;
  if (auto it = claims.find("sub"); it != claims.end()) {
    std::array<char, 40> buf;
    if (auto sub = claim_text(it->value(), buf)) {
      if (auto hit = roles_by_sub_.find(*sub); hit != roles_by_sub_.end()) candidates = hit->second;
    }
  }
  if (!unindexed_roles_.empty()) {
    const auto mid = candidates.size();
    candidates.insert(candidates.end(), unindexed_roles_.begin(), unindexed_roles_.end());
    std::inplace_merge(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(mid), candidates.end());
  }
  RoleMatch out;
  for (const auto idx : candidates) {
    const CompiledRole& role = roles_[idx];
    if (!role.principal.holds(claims) || !role.condition.holds(claims)) continue;
    out.roles.push_back(role.name);
    for (const auto& name : objects_.roles[idx].policy) {
      if (std::find(out.policies.begin(), out.policies.end(), name) != out.policies.end()) continue;
      out.policies.push_back(name);
      if (!has_policy(name)) out.unresolved.push_back(name);
    }
  }
  return out;
}

bool Engine::has_policy(std::string_view name) const noexcept { return policy_index_.find(name) != policy_index_.end(); }

void Engine::add_policy_name(Subject& s, std::string_view name) const {
  auto it = policy_index_.find(name);
  if (it == policy_index_.end()) return;  // unknown names grant nothing
  if (std::find(s.policies_.begin(), s.policies_.end(), it->second) == s.policies_.end())
    s.policies_.push_back(it->second);
}

Engine::Subject Engine::subject(std::span<const std::string> names, const boost::json::object& claims) const {
  Subject s;
  s.claims_ = &claims;
  s.engine_ = this;
  s.policies_.reserve(names.size());
  for (const auto& n : names) add_policy_name(s, n);
  return s;
}

Engine::Subject Engine::subject(std::span<const std::string_view> names, const boost::json::object& claims) const {
  Subject s;
  s.claims_ = &claims;
  s.engine_ = this;
  s.policies_.reserve(names.size());
  for (const auto n : names) add_policy_name(s, n);
  return s;
}

Engine::Subject Engine::subject(const boost::json::object& claims) const {
  Subject s;
  s.claims_ = &claims;
  s.engine_ = this;
  if (auto it = claims.find("policy"); it != claims.end()) {
    const auto& v = it->value();
    if (v.is_string()) {
      add_policy_name(s, v.get_string());
    } else if (v.is_array()) {
      for (const auto& item : v.get_array())
        if (item.is_string()) add_policy_name(s, item.get_string());
    }
  }
  return s;
}

Decision Engine::decide(const Subject& who, Action action, const Resource& resource) const noexcept {
  if (who.engine_ != this || who.claims_ == nullptr) return {};  // a Subject of another engine: nothing
  const ActionMask b = bit(action);
  Decision allow;
  for (const auto idx : who.policies_) {
    const CompiledPolicy& p = policies_[idx];
    if (((p.allow_actions | p.deny_actions) & b) == 0) continue;
    for (const auto& st : p.statements) {
      if ((st.actions & b) == 0) continue;
      if (st.effect == Effect::allow && allow.allowed) continue;  // only a Deny can change the answer now
      if (!any_covers(st.resources, resource)) continue;
      if (!st.condition.holds(*who.claims_)) continue;
      if (st.effect == Effect::deny) return Decision{false, p.name, st.sid, Effect::deny};
      allow = Decision{true, p.name, st.sid, Effect::allow};
    }
  }
  return allow;
}

Decision Engine::decide(std::span<const std::string> names, const boost::json::object& claims, Action action,
                        const Resource& resource) const {
  return decide(subject(names, claims), action, resource);
}

std::vector<std::string> Engine::allowed_resources(const Subject& who, Action action) const {
  std::vector<std::string> out;
  if (who.engine_ != this || who.claims_ == nullptr) return out;
  const ActionMask b = bit(action);
  for (const auto idx : who.policies_) {
    for (const auto& st : policies_[idx].statements) {
      if (st.effect != Effect::allow || (st.actions & b) == 0 || !st.condition.holds(*who.claims_)) continue;
      for (const auto& r : st.resources)
        if (std::find(out.begin(), out.end(), r.text()) == out.end()) out.push_back(r.text());
    }
  }
  return out;
}

Decision Engine::may_list(const Subject& who, Action action) const noexcept {
  if (who.engine_ != this || who.claims_ == nullptr) return {};
  const ActionMask b = bit(action);
  Decision allow;
  for (const auto idx : who.policies_) {
    const CompiledPolicy& p = policies_[idx];
    for (const auto& st : p.statements) {
      if ((st.actions & b) == 0) continue;
      if (st.effect == Effect::allow && allow.allowed) continue;
      if (st.effect == Effect::deny && !any_covers(st.resources, Resource::cluster())) continue;
      if (!st.condition.holds(*who.claims_)) continue;
      if (st.effect == Effect::deny) return Decision{false, p.name, st.sid, Effect::deny};
      allow = Decision{true, p.name, st.sid, Effect::allow};
    }
  }
  return allow;
}

bool Engine::namespace_visible(const Subject& who, Action action, std::string_view ns) const noexcept {
  if (who.engine_ != this || who.claims_ == nullptr) return false;
  const ActionMask b = bit(action);
  bool allowed = false;
  for (const auto idx : who.policies_) {
    const CompiledPolicy& p = policies_[idx];
    for (const auto& st : p.statements) {
      if ((st.actions & b) == 0) continue;
      if (st.effect == Effect::allow) {
        if (allowed) continue;
        const bool names = std::any_of(st.resources.begin(), st.resources.end(),
                                       [&](const ResourcePattern& r) { return r.names_namespace(ns); });
        if (names && st.condition.holds(*who.claims_)) allowed = true;
      } else {
        const bool covers = std::any_of(st.resources.begin(), st.resources.end(),
                                        [&](const ResourcePattern& r) { return r.covers_namespace(ns); });
        if (covers && st.condition.holds(*who.claims_)) return false;
      }
    }
  }
  return allowed;
}

std::vector<Engine::StatementTrace> Engine::trace(const Subject& who, Action action, const Resource& resource) const {
  std::vector<StatementTrace> out;
  if (who.engine_ != this || who.claims_ == nullptr) return out;
  const ActionMask b = bit(action);
  for (const auto idx : who.policies_) {
    const CompiledPolicy& p = policies_[idx];
    for (std::size_t i = 0; i < p.statements.size(); ++i) {
      const CompiledStatement& st = p.statements[i];
      StatementTrace t;
      t.policy = idx;
      t.statement = static_cast<std::uint32_t>(i);
      t.action_matched = (st.actions & b) != 0;
      t.resource_matched = any_covers(st.resources, resource);
      t.condition_held = st.condition.holds(*who.claims_);
      out.push_back(t);
    }
  }
  return out;
}

std::vector<Engine::RoleTrace> Engine::trace_roles(const boost::json::object& claims) const {
  std::vector<RoleTrace> out;
  out.reserve(roles_.size());
  for (std::size_t i = 0; i < roles_.size(); ++i)
    out.push_back(RoleTrace{static_cast<std::uint32_t>(i), roles_[i].principal.holds(claims),
                            roles_[i].condition.holds(claims)});
  return out;
}

std::optional<std::uint32_t> Engine::policy_index(std::string_view name) const noexcept {
  auto it = policy_index_.find(name);
  if (it == policy_index_.end()) return std::nullopt;
  return it->second;
}

bool Engine::function_visible(const Subject& who, Action action, std::string_view ns,
                              std::string_view fn) const noexcept {
  return decide(who, action, Resource::function(ns, fn)).allowed;
}

}  // namespace faasgate::iam
