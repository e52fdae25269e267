#pragma once
// Conditions and principals, compiled once (reference §1, Role and Policy `condition`).
//
// Shape: {Operator: {key: [values]}}. Every operator must hold, every key under an operator must
// hold, and any one value of a key is enough.
//
// Keys are "jwt:<claim>". A claim path may go into nested objects with '/': at each level the
// LONGEST member name that is a prefix of the remaining path (ending at a '/' or at the end) is
// tried first, then shorter ones, so "jwt:kubernetes.io/namespace" finds
// claims["kubernetes.io"]["namespace"] and "jwt:https://example.com/groups" finds a top-level claim
// of that very name.
//
// Operators: a base, optionally prefixed with a set qualifier and optionally suffixed "IfExists".
//   bases      StringEqual(s), StringNotEqual(s), StringLike, StringNotLike (`*` and `?`),
//              StringEqual(s)IgnoreCase, StringNotEqual(s)IgnoreCase (ASCII case folding)
//   qualifier  ForAnyValue:  some element of the claim satisfies the base
//              ForAllValues: the claim has at least one element and every element satisfies it
//                            (an absent claim or an empty list is FALSE: the AWS pitfall of vacuous
//                            truth is not copied)
//   IfExists   an absent (or null) claim makes the test TRUE; present claims are tested as usual.
// Claim values: strings compare as they are; numbers and booleans by their JSON text ("42",
// "true", "1.5"); null counts as absent; objects never match. A scalar claim under a set
// qualifier is a one-element list. Without a qualifier, a list claim satisfies a positive base when
// any element does, and a negated base when it is non-empty and every element does (so
// StringNotEqual on a list means "none of the elements equals any value").
// Without IfExists, an absent claim makes EVERY test false, negated ones included (fail closed:
// a Role condition grants, so a missing claim must not grant).
#include <boost/json/object.hpp>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/iam/glob.hpp"
#include "faasgate/iam/issue.hpp"
#include "faasgate/iam/objects.hpp"

namespace faasgate::iam {

class ClaimPath {
 public:
  // key must be "jwt:<claim>" with a non-empty claim of at most 256 characters and 16 '/'.
  static std::optional<ClaimPath> parse(std::string_view key, std::string* why = nullptr);

  // The claim's value, or nullptr when absent.
  const boost::json::value* find(const boost::json::object& claims) const noexcept;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;  // without "jwt:"
};

struct Operator {
  enum class Base { equal, like, equal_ignore_case };
  enum class Set { single, any_value, all_values };
  Base base = Base::equal;
  bool negated = false;
  Set set = Set::single;
  bool if_exists = false;
};

std::optional<Operator> parse_operator(std::string_view name) noexcept;

// Text of a scalar claim value (see above); nullopt for null, arrays and objects. `buf` backs the
// view for numbers.
std::optional<std::string_view> claim_text(const boost::json::value& v, std::array<char, 40>& buf) noexcept;

struct CompileProblem {
  IssueCode code;
  std::string field;    // relative to the condition, e.g. "StringLike.jwt:sub[0]"
  std::string message;
};

class CompiledCondition {
 public:
  static core::Expected<CompiledCondition, CompileProblem> compile(const Condition& condition);
  // A principal block {"jwt:sub": [..]} is StringEqual on each key.
  static core::Expected<CompiledCondition, CompileProblem> compile_principal(
      const std::map<std::string, std::vector<std::string>>& principal);

  bool holds(const boost::json::object& claims) const noexcept;
  bool empty() const noexcept { return tests_.empty(); }

 private:
  struct Test {
    Operator op;
    ClaimPath key;
    std::vector<std::string> values;  // lower-cased for the IgnoreCase bases
    std::vector<Glob> globs;          // for the Like bases
    bool element(std::string_view text) const noexcept;
    bool holds(const boost::json::object& claims) const noexcept;
  };
  std::optional<CompileProblem> add(const std::string& op_name, const Operator& op,
                                    const std::map<std::string, std::vector<std::string>>& keys);
  std::vector<Test> tests_;
};

}  // namespace faasgate::iam
