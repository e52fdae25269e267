#pragma once
// The compiled IAM engine: built once from a complete ObjectSet, immutable afterwards, shared
// between threads as std::shared_ptr<const Engine> and replaced atomically when the objects change
// (requests never see a half-loaded set). No clock reads, no I/O, no exceptions on the data path.
//
// Invariants enforced here (and tested in engine_test.cpp):
//   - An explicit Deny that applies wins over every Allow, whichever policy holds it.
//   - Without an applicable Allow the answer is "denied" (implicit deny: no policy, no sid).
//   - A policy name that does not exist in this engine grants nothing (and denies nothing).
//   - A statement applies when its action set holds the action, one of its resources covers the
//     request resource (see resource.hpp for the covering rules) and its condition holds.
//   - A Role matches when every principal key matches (exact, any listed value) and its condition
//     holds; an absent claim never satisfies a test without IfExists (condition.hpp).
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/iam/action.hpp"
#include "faasgate/iam/condition.hpp"
#include "faasgate/iam/issue.hpp"
#include "faasgate/iam/objects.hpp"
#include "faasgate/iam/resource.hpp"

namespace faasgate::iam {

// The answer to one authorization question. The string views point into the Engine that decided:
// keep its shared_ptr alive while you use them (copy them into audit events).
struct Decision {
  bool allowed = false;
  std::string_view policy;  // the deciding policy; empty for an implicit deny
  std::string_view sid;     // the deciding statement's sid (may be empty when the statement has none)
  Effect effect = Effect::deny;

  bool implicit_deny() const noexcept { return !allowed && policy.empty(); }
};

// The outcome of role matching for the token exchange.
struct RoleMatch {
  std::vector<std::string> policies;    // union of the matched roles' policy names, first appearance
                                        // order over the roles in load order; no duplicates
  std::vector<std::string> roles;       // names of the matched roles, in load order
  std::vector<std::string> unresolved;  // those of `policies` that no Policy defines (yet): they
                                        // grant nothing until such a Policy exists
  bool empty() const noexcept { return roles.empty(); }
};

class Engine {
 public:
  // Validates and compiles. Errors name the object and field (line = the object's document line).
  static core::Expected<std::shared_ptr<const Engine>, Issues> compile(ObjectSet set);

  // ---- Token exchange: which roles (and so which policies) verified claims earn ----
  RoleMatch match_roles(const boost::json::object& claims) const;

  // ---- Authorization ----
  // A caller as seen by the engine: the policies named by its token (resolved once) and its claims
  // (for statement conditions). It BORROWS `claims`, and belongs to the Engine that made it.
  class Subject {
   public:
    std::span<const std::uint32_t> policies() const noexcept { return policies_; }
    const boost::json::object& claims() const noexcept { return *claims_; }

   private:
    friend class Engine;
    std::vector<std::uint32_t> policies_;
    const boost::json::object* claims_ = nullptr;
    const Engine* engine_ = nullptr;
  };

  // Policy names as given (unknown names are ignored, duplicates collapse).
  Subject subject(std::span<const std::string> policy_names, const boost::json::object& claims) const;
  Subject subject(std::span<const std::string_view> policy_names, const boost::json::object& claims) const;
  // Policy names from the token's own `policy` claim (a list of strings, or one string).
  Subject subject(const boost::json::object& claims) const;
  // A Subject borrows the claims: temporaries would dangle.
  Subject subject(std::span<const std::string>, boost::json::object&&) const = delete;
  Subject subject(std::span<const std::string_view>, boost::json::object&&) const = delete;
  Subject subject(boost::json::object&&) const = delete;

  Decision decide(const Subject& who, Action action, const Resource& resource) const noexcept;
  // Convenience: resolve and decide in one call.
  Decision decide(std::span<const std::string> policy_names, const boost::json::object& claims, Action action,
                  const Resource& resource) const;

  // ---- Filtered lists (Function:List, Namespace:List, Secret:List) ----
  // Whether the caller may list anything at all with `action`: an applicable Allow statement
  // exists for some resource, and no applicable Deny on "*". The decision names that statement.
  // A list route uses it as its gate (403 when denied) and filters with the two helpers below.
  Decision may_list(const Subject& who, Action action) const noexcept;
  // The resource patterns of the Allow statements that grant `action` to `who` (conditions
  // evaluated): what a function token's `permissions` carry for Function:Invoke.
  std::vector<std::string> allowed_resources(const Subject& who, Action action) const;
  // Namespace `ns` is visible when some applicable Allow for `action` has a resource whose
  // namespace segment matches ns ("*", "dev:*", "dev:api-*", "d*:x" all make dev visible), and
  // no applicable Deny for `action` covers the whole namespace ("*", "dev:*", "d*:*").
  bool namespace_visible(const Subject& who, Action action, std::string_view ns) const noexcept;
  // Function (or secret) ns:fn is visible when decide(action, ns:fn) allows.
  bool function_visible(const Subject& who, Action action, std::string_view ns, std::string_view fn) const noexcept;

  // ---- Explanations (iam/explain.hpp); never on the request path ----
  // How one statement fared for (action, resource). `policy` indexes objects().policies and
  // `statement` that policy's spec.statement (a compiled engine keeps both in load order).
  struct StatementTrace {
    std::uint32_t policy = 0;
    std::uint32_t statement = 0;
    bool action_matched = false;
    bool resource_matched = false;
    bool condition_held = false;
    bool applies() const noexcept { return action_matched && resource_matched && condition_held; }
  };
  // Every statement of every policy of `who`, in the order decide() visits them, evaluated with the
  // same compiled matchers but without decide()'s shortcuts. The deciding statement is the first
  // applicable Deny, else the first applicable Allow, else none (implicit deny).
  std::vector<StatementTrace> trace(const Subject& who, Action action, const Resource& resource) const;
  // How each Role (objects().roles, in load order) fared against `claims`: a role matches exactly
  // when principal_held && condition_held (the same test as match_roles).
  struct RoleTrace {
    std::uint32_t role = 0;
    bool principal_held = false;
    bool condition_held = false;
    bool matched() const noexcept { return principal_held && condition_held; }
  };
  std::vector<RoleTrace> trace_roles(const boost::json::object& claims) const;
  // Index of the named policy in objects().policies; nullopt when no Policy has that name.
  std::optional<std::uint32_t> policy_index(std::string_view name) const noexcept;

  // ---- Introspection ----
  const ObjectSet& objects() const noexcept { return objects_; }
  const std::vector<JwtIssuer>& issuers() const noexcept { return objects_.issuers; }
  bool has_policy(std::string_view name) const noexcept;
  std::size_t policy_count() const noexcept { return policies_.size(); }
  std::size_t role_count() const noexcept { return roles_.size(); }

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct CompiledStatement {
    ActionMask actions = 0;
    Effect effect = Effect::allow;
    std::vector<ResourcePattern> resources;
    CompiledCondition condition;
    std::string sid;
  };
  struct CompiledPolicy {
    std::string name;
    ActionMask allow_actions = 0;  // union over its Allow statements
    ActionMask deny_actions = 0;   // union over its Deny statements
    std::vector<CompiledStatement> statements;
  };
  struct CompiledRole {
    std::string name;
    CompiledCondition principal;
    CompiledCondition condition;
  };

  Engine() = default;
  void add_policy_name(Subject& s, std::string_view name) const;

  ObjectSet objects_;
  std::vector<CompiledPolicy> policies_;
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> policy_index_;
  std::vector<CompiledRole> roles_;
  // Roles indexed by their jwt:sub principal values; roles without a jwt:sub principal are in
  // unindexed_ and checked for every token.
  std::unordered_map<std::string, std::vector<std::uint32_t>, StringHash, std::equal_to<>> roles_by_sub_;
  std::vector<std::uint32_t> unindexed_roles_;
};

}  // namespace faasgate::iam
