#pragma once
// A precompiled wildcard pattern: `*` matches any run of characters (also none), and - when asked
// for - `?` matches exactly one character. Matching is anchored at both ends and linear in
// practice (classic greedy-star backtracking, no std::regex).
#include <string>
#include <string_view>

namespace faasgate::iam {

class Glob {
 public:
  Glob() = default;
  // question_mark: whether `?` is a wildcard (StringLike) or a literal (resources).
  explicit Glob(std::string pattern, bool question_mark = false);

  bool matches(std::string_view text) const noexcept;
  const std::string& pattern() const noexcept { return pattern_; }
  bool is_any() const noexcept { return kind_ == Kind::any; }
  bool is_literal() const noexcept { return kind_ == Kind::literal; }

 private:
  enum class Kind { literal, any, prefix, suffix, general };
  std::string pattern_;
  std::string affix_;  // the literal part for prefix ("abc*") and suffix ("*abc")
  Kind kind_ = Kind::literal;
  bool question_mark_ = false;
};

}  // namespace faasgate::iam
