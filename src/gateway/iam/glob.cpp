#include "faasgate/iam/glob.hpp"

#include <algorithm>

namespace faasgate::iam {

Glob::Glob(std::string pattern, bool question_mark) : pattern_(std::move(pattern)), question_mark_(question_mark) {
  const auto stars = std::count(pattern_.begin(), pattern_.end(), '*');
  const bool has_q = question_mark_ && pattern_.find('?') != std::string::npos;
  if (stars == 0 && !has_q) {
    kind_ = Kind::literal;
  } else if (!has_q && std::all_of(pattern_.begin(), pattern_.end(), [](char c) { return c == '*'; })) {
    kind_ = Kind::any;
  } else if (!has_q && stars == 1 && pattern_.back() == '*') {
    kind_ = Kind::prefix;
    affix_ = pattern_.substr(0, pattern_.size() - 1);
  } else if (!has_q && stars == 1 && pattern_.front() == '*') {
    kind_ = Kind::suffix;
    affix_ = pattern_.substr(1);
  } else {
    kind_ = Kind::general;
  }
}

bool Glob::matches(std::string_view t) const noexcept {
  switch (kind_) {
    case Kind::literal:
      return t == pattern_;
    case Kind::any:
      return true;
    case Kind::prefix:
      return t.size() >= affix_.size() && t.compare(0, affix_.size(), affix_) == 0;
    case Kind::suffix:
      return t.size() >= affix_.size() && t.compare(t.size() - affix_.size(), affix_.size(), affix_) == 0;
    case Kind::general:
      break;
  }
  // Greedy match with a single backtrack point (the last star): O(|p|*|t|) worst case, which is
  // bounded by the load-time limits on pattern length and the request limits on names.
  const std::string_view p = pattern_;
  std::size_t pi = 0, ti = 0;
  std::size_t star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == t[ti] && p[pi] != '*' && !(question_mark_ && p[pi] == '?'))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && question_mark_ && p[pi] == '?') {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace faasgate::iam
