#pragma once
// Lint for IAM objects: what is dangerous or dead in a set that loads and compiles. Pure: objects
// in, findings out (`faasgate iam lint` prints them). The rules, exactly:
//
//   any-issuer       (warning) A Role with no principal and no POSITIVE jwt:iss condition
//                    (StringEqual/StringLike/StringEqualIgnoreCase, any set qualifier, without
//                    IfExists, none of whose values is only "*"): tokens of every trusted issuer
//                    can match it.
//   allow-everything (warning) An Allow statement whose actions are every action (`*`, or the
//                    four wildcards together) and one of whose resources is `*`.
//   missing-policy   (warning) A Role names a Policy that is not defined: the name grants nothing.
//   shadowed         (warning) A statement S of a policy is covered by an EARLIER statement E of the
//                    same policy with the same effect: E's actions include all of S's, every
//                    resource of S is covered by some resource of E, and E has no condition or
//                    exactly S's condition. S can never change a decision.
//   denied-allow     (warning) An Allow statement A (anywhere in the policy) is covered by a Deny
//                    statement D of the same policy: D's actions include all of A's, every
//                    resource of A is covered by some resource of D, and D has no condition or
//                    exactly A's condition. Whenever A applies, D applies and wins: A is dead.
//   unused-policy    (warning) A Policy that no Role grants (access tokens only carry the policy
//                    names of matched Roles).
//   unused-issuer    (warning) A JwtIssuer none of whose tokens any Role can match, judged by the
//                    Roles' jwt:iss tests alone (a Role without jwt:iss tests counts as matching).
//   sub-any-issuer   (warning) A Role with a principal but no positive jwt:iss condition while
//                    more than one JwtIssuer is trusted: the same sub minted by another issuer
//                    (one a tenant may control) matches, and gets the Role's policies.
//   never-holds      (warning) A statement condition that can never hold on an API call (what
//                    conditions see: iam/claims.hpp): a test without IfExists on a claim the
//                    gateway never shows them (policy, scope, function, fed:*, aud, exp, nbf, iat,
//                    jti), or a positive test (StringEqual/Like/EqualIgnoreCase, without IfExists)
//                    on jwt:iss none of whose values can be a trusted JwtIssuer's iss. An Allow
//                    under it allows nothing; a Deny under it denies nothing.
//
// "Covers" between resource patterns is decided conservatively (it is reported only when it is
// certain): "*" covers everything; "N:F" covers "N2:F2" when N covers N2 and F covers F2 as
// wildcard patterns, where `*` in the covered pattern may only be matched by `*` in the covering
// one ("dev:*" covers "dev:api-*"; "d*:*" covers "dev:*"; "dev:*" never covers "*").
// Action coverage compares the action sets (legacy names and wildcards expanded).
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/iam/objects.hpp"

namespace faasgate::iam {

enum class LintRule {
  any_issuer,
  allow_everything,
  missing_policy,
  shadowed,
  denied_allow,
  unused_policy,
  unused_issuer,
  sub_any_issuer,
  never_holds,
};

// Every rule is a warning today; `info` stays for rules that describe rather than warn.
enum class LintSeverity { warning, info };

std::string_view name(LintRule rule) noexcept;
LintSeverity severity(LintRule rule) noexcept;

struct Finding {
  LintRule rule = LintRule::any_issuer;
  std::string file;     // the object's source file
  int line = 0;         // the object's document line (1-based; 0 when unknown)
  std::string object;   // "Kind/name"
  std::string message;  // starts with the field when there is one (e.g. "spec.statement[1] (sid x): ...")

  LintSeverity severity() const noexcept { return iam::severity(rule); }
  // "file:line: warning: Kind/name: message [rule]"
  std::string to_string() const;
};

// Findings ordered by file, line, then rule order of discovery within an object.
std::vector<Finding> lint(const ObjectSet& objects);

// Whether resource pattern `outer` covers every resource `inner` can (conservative, see above).
bool pattern_covers(std::string_view outer, std::string_view inner);

}  // namespace faasgate::iam
