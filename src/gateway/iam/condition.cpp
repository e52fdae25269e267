#include "faasgate/iam/condition.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>

namespace faasgate::iam {
namespace {

constexpr std::size_t kMaxClaimPath = 256;
constexpr std::size_t kMaxSlashes = 16;

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

bool equal_ignore_case(std::string_view lowered_value, std::string_view text) noexcept {
  if (lowered_value.size() != text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (lowered_value[i] != lower(text[i])) return false;
  return true;
}

const boost::json::value* lookup(const boost::json::object& obj, std::string_view path, std::size_t depth) noexcept {
  // Longest member name first: the whole remaining path, then up to each '/' from the right.
  std::size_t end = path.size();
  while (true) {
    const auto head = path.substr(0, end);
    if (auto it = obj.find(head); it != obj.end()) {
      if (end == path.size()) return &it->value();
      if (depth < kMaxSlashes && it->value().is_object())
        if (auto* v = lookup(it->value().get_object(), path.substr(end + 1), depth + 1)) return v;
    }
    const auto slash = path.rfind('/', end - 1);
    if (slash == std::string_view::npos || slash == 0) return nullptr;
    end = slash;
  }
}

}  // namespace

std::optional<ClaimPath> ClaimPath::parse(std::string_view key, std::string* why) {
  auto fail = [&](const char* reason) -> std::optional<ClaimPath> {
    if (why) *why = reason;
    return std::nullopt;
  };
  constexpr std::string_view kPrefix = "jwt:";
  if (key.substr(0, kPrefix.size()) != kPrefix) return fail("must be jwt:<claim>");
  key.remove_prefix(kPrefix.size());
  if (key.empty()) return fail("names no claim after jwt:");
  if (key.size() > kMaxClaimPath) return fail("claim path is longer than 256 characters");
  if (static_cast<std::size_t>(std::count(key.begin(), key.end(), '/')) > kMaxSlashes)
    return fail("claim path has more than 16 '/'");
  ClaimPath p;
  p.path_ = std::string(key);
  return p;
}

const boost::json::value* ClaimPath::find(const boost::json::object& claims) const noexcept {
  return lookup(claims, path_, 0);
}

std::optional<Operator> parse_operator(std::string_view n) noexcept {
  Operator op;
  constexpr std::string_view kAny = "ForAnyValue:";
  constexpr std::string_view kAll = "ForAllValues:";
  constexpr std::string_view kIfExists = "IfExists";
  if (n.substr(0, kAny.size()) == kAny) {
    op.set = Operator::Set::any_value;
    n.remove_prefix(kAny.size());
  } else if (n.substr(0, kAll.size()) == kAll) {
    op.set = Operator::Set::all_values;
    n.remove_prefix(kAll.size());
  }
  if (n.size() > kIfExists.size() && n.substr(n.size() - kIfExists.size()) == kIfExists) {
    op.if_exists = true;
    n.remove_suffix(kIfExists.size());
  }
  struct Row {
    std::string_view name;
    Operator::Base base;
    bool negated;
  };
  static constexpr Row kRows[] = {
      {"StringEqual", Operator::Base::equal, false},
      {"StringEquals", Operator::Base::equal, false},
      {"StringNotEqual", Operator::Base::equal, true},
      {"StringNotEquals", Operator::Base::equal, true},
      {"StringLike", Operator::Base::like, false},
      {"StringNotLike", Operator::Base::like, true},
      {"StringEqualIgnoreCase", Operator::Base::equal_ignore_case, false},
      {"StringEqualsIgnoreCase", Operator::Base::equal_ignore_case, false},
      {"StringNotEqualIgnoreCase", Operator::Base::equal_ignore_case, true},
      {"StringNotEqualsIgnoreCase", Operator::Base::equal_ignore_case, true},
  };
  for (const auto& r : kRows) {
    if (r.name == n) {
      op.base = r.base;
      op.negated = r.negated;
      return op;
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> claim_text(const boost::json::value& v, std::array<char, 40>& buf) noexcept {
  switch (v.kind()) {
    case boost::json::kind::string:
      return std::string_view(v.get_string());
    case boost::json::kind::bool_:
      return v.get_bool() ? std::string_view("true") : std::string_view("false");
    case boost::json::kind::int64: {
      auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v.get_int64());
      return std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
    }
    case boost::json::kind::uint64: {
      auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v.get_uint64());
      return std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
    }
    case boost::json::kind::double_: {
      auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v.get_double());
      if (r.ec != std::errc{}) return std::nullopt;
      return std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
    }
    default:
      return std::nullopt;  // null, array, object
  }
}

bool CompiledCondition::Test::element(std::string_view text) const noexcept {
  bool positive = false;
  switch (op.base) {
    case Operator::Base::equal:
      positive = std::any_of(values.begin(), values.end(), [&](const std::string& v) { return v == text; });
      break;
    case Operator::Base::equal_ignore_case:
      positive = std::any_of(values.begin(), values.end(),
                             [&](const std::string& v) { return equal_ignore_case(v, text); });
      break;
    case Operator::Base::like:
      positive = std::any_of(globs.begin(), globs.end(), [&](const Glob& g) { return g.matches(text); });
      break;
  }
  return positive != op.negated;
}

bool CompiledCondition::Test::holds(const boost::json::object& claims) const noexcept {
  const boost::json::value* v = key.find(claims);
  if (v == nullptr || v->is_null()) return op.if_exists;
  std::array<char, 40> buf;
  auto element_of = [&](const boost::json::value& e) {
    auto t = claim_text(e, buf);
    return t.has_value() && element(*t);
  };
  if (!v->is_array()) {
    if (v->is_object()) return false;
    return element_of(*v);
  }
  const auto& arr = v->get_array();
  if (arr.empty()) return false;
  const bool want_all =
      op.set == Operator::Set::all_values || (op.set == Operator::Set::single && op.negated);
  if (want_all) return std::all_of(arr.begin(), arr.end(), element_of);
  return std::any_of(arr.begin(), arr.end(), element_of);
}

std::optional<CompileProblem> CompiledCondition::add(const std::string& op_name, const Operator& op,
                                                     const std::map<std::string, std::vector<std::string>>& keys) {
  if (keys.empty()) return CompileProblem{IssueCode::invalid_value, op_name, "operator has no keys"};
  for (const auto& [key_name, values] : keys) {
    const std::string field = op_name + "." + key_name;
    std::string why;
    auto key = ClaimPath::parse(key_name, &why);
    if (!key) return CompileProblem{IssueCode::bad_condition_key, field, "key " + why};
    if (values.empty()) return CompileProblem{IssueCode::invalid_value, field, "must list at least one value"};
    Test t;
    t.op = op;
    t.key = std::move(*key);
    for (const auto& v : values) {
      if (op.base == Operator::Base::like) t.globs.emplace_back(v, /*question_mark=*/true);
      t.values.push_back(op.base == Operator::Base::equal_ignore_case ? lowered(v) : v);
    }
    tests_.push_back(std::move(t));
  }
  return std::nullopt;
}

core::Expected<CompiledCondition, CompileProblem> CompiledCondition::compile(const Condition& condition) {
  CompiledCondition c;
  for (const auto& [op_name, keys] : condition) {
    auto op = parse_operator(op_name);
    if (!op) return core::fail(CompileProblem{IssueCode::unknown_operator, op_name, "unknown condition operator"});
    if (auto problem = c.add(op_name, *op, keys)) return core::fail(std::move(*problem));
  }
  return c;
}

core::Expected<CompiledCondition, CompileProblem> CompiledCondition::compile_principal(
    const std::map<std::string, std::vector<std::string>>& principal) {
  CompiledCondition c;
  for (const auto& [key_name, values] : principal) {
    std::map<std::string, std::vector<std::string>> one{{key_name, values}};
    if (auto problem = c.add("", Operator{}, one)) {
      problem->field = key_name;
      return core::fail(std::move(*problem));
    }
  }
  return c;
}

bool CompiledCondition::holds(const boost::json::object& claims) const noexcept {
  for (const auto& t : tests_)
    if (!t.holds(claims)) return false;
  return true;
}

}  // namespace faasgate::iam
