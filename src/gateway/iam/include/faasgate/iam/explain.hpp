#pragma once
// Explaining one authorization question: why a token's claims are allowed or denied an action on
// a resource. Pure (no I/O, no clock); shared by `faasgate iam explain` and the admin-only
// `POST /system/iam/explain`.
//
// Two kinds of claims:
//   - an ACCESS token of the gateway: the claims hold a "policy" member (a list of names, or one
//     name; this is what Engine::subject(claims) reads at request time). Its policy names are used
//     directly and no Role is evaluated.
//   - a SUBJECT token of an identity provider: no "policy" member. Every Role is evaluated (as at
//     the token exchange) and the union of the matched roles' policies is used.
// Statement conditions are evaluated as on an API call (iam/claims.hpp): against the subject's
// claims with its original iss and sub, less the gateway's own claims - for either kind of token
// (or against ExplainOptions::statement_claims, when given).
//
// The answer is Engine::decide()'s (the explanation never decides differently); the deciding
// statement is the first applicable Deny in policy/statement order, else the first applicable
// Allow, else none: "implicit deny".
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "faasgate/iam/action.hpp"
#include "faasgate/iam/engine.hpp"
#include "faasgate/iam/objects.hpp"
#include "faasgate/iam/resource.hpp"

namespace faasgate::iam {

// One principal key or one condition key (under one operator), and whether it held.
struct TestExplanation {
  enum class Kind { principal, condition };
  Kind kind = Kind::condition;
  std::string op;                   // "StringEqual", "ForAnyValue:StringLike", ...; empty for a principal
  std::string key;                  // "jwt:sub"
  std::vector<std::string> values;  // as written in the manifest
  std::optional<std::string> claim; // the claim's value as JSON text (cut to 256 bytes); nullopt when absent
  bool held = false;
  std::string why;                  // e.g. `jwt:sub = "x" not in ["a", "b"]`, `StringEqual jwt:iss held: ...`
};

struct RoleExplanation {
  std::string name;
  std::string source;  // file the Role came from
  int line = 0;
  bool matched = false;
  std::vector<std::string> policies;  // the Role's spec.policy
  std::vector<TestExplanation> tests; // principal keys first, then condition keys
};

struct StatementExplanation {
  std::string policy;
  std::uint32_t index = 0;  // position in the policy's spec.statement
  std::string sid;
  Effect effect = Effect::allow;
  bool action_matched = false;
  bool resource_matched = false;
  bool condition_held = false;
  std::vector<TestExplanation> condition;  // one per condition key; empty when unconditioned
  bool applied() const noexcept { return action_matched && resource_matched && condition_held; }
};

struct Explanation {
  enum class TokenKind { subject, access };
  TokenKind token = TokenKind::subject;
  Action action = Action::function_list;
  std::string resource;                       // "*", "ns:*" or "ns:fn"
  std::vector<RoleExplanation> roles;         // every Role, in load order (empty for an access token)
  std::vector<std::string> policies;          // the policies considered (they exist), in order
  std::vector<std::string> missing_policies;  // named by the roles or the token, but not defined
  std::vector<StatementExplanation> statements;  // every statement of the considered policies
  bool allowed = false;
  std::optional<std::size_t> deciding;        // index into `statements`; nullopt = implicit deny
  std::vector<std::string> notes;             // caveats (e.g. statement conditions vs. the minted token)
};

struct ExplainOptions {
  // Subject tokens only: other claims for statement conditions to see. Default: what they see on
  // an API call made with the token the exchange would mint. Borrowed for the call.
  const boost::json::object* statement_claims = nullptr;
};

Explanation explain(const Engine& engine, const boost::json::object& claims, Action action, const Resource& resource,
                    const ExplainOptions& options = {});

// Machine form: {"allowed", "decision": "allow"|"deny", "token": "subject"|"access", "action",
// "resource", "roles": [{name, file, line, matched, policies, why: [test...]}], "policies",
// "missing_policies", "statements": [{policy, index, sid, effect, action_matched,
// resource_matched, condition_held, applied, why: [test...]}], "decided_by": {policy, sid, effect,
// index} | null, "reason", "notes"}; a test is {kind, operator, key, values, claim, held, text}.
boost::json::object to_json(const Explanation& e);
// Human form, several lines, ending with a newline.
std::string to_text(const Explanation& e);
// "*", "ns:*" or "ns:fn".
std::string resource_text(const Resource& r);

}  // namespace faasgate::iam
