#include "faasgate/api/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace faasgate::api {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

void Router::add(Route route) {
  // A programming error, found when the gateway is built (and by route_table_test), not a request.
  if (route.guard == Guard::unset) throw std::logic_error("route " + route.pattern + " names no guard");
  if ((route.guard == Guard::iam || route.guard == Guard::function_token) && route.action.empty())
    throw std::logic_error("route " + route.pattern + " is guarded by IAM and names no action");
  if (route.guard == Guard::iam && route.scope == Scope::none)
    throw std::logic_error("route " + route.pattern + " is guarded by IAM and names no scope");
  if (route.guard == Guard::iam && (route.scope == Scope::request || route.scope == Scope::one_namespace) && !route.resource)
    throw std::logic_error("route " + route.pattern + " is guarded by IAM and cannot read its resource");
  std::vector<Segment> pattern;
  for (auto part : split_path(route.pattern)) {
    if (part.size() > 3 && part.front() == '{' && part.substr(part.size() - 2) == "*}") {
      pattern.push_back({Segment::Kind::rest, std::string(part.substr(1, part.size() - 3))});
    } else if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
      pattern.push_back({Segment::Kind::param, std::string(part.substr(1, part.size() - 2))});
    } else {
      pattern.push_back({Segment::Kind::literal, std::string(part)});
    }
  }
  const auto& first = pattern.front();  // split_path always yields at least one segment
  if (first.kind == Segment::Kind::literal) {
    by_first_segment_[first.text].push_back(routes_.size());
  } else {
    any_first_segment_.push_back(routes_.size());
  }
  patterns_.push_back(std::move(pattern));
  routes_.push_back(std::move(route));
}

bool Router::matches(const std::vector<Segment>& pattern, const std::vector<std::string_view>& path,
                     PathParams* params) const {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto& want = pattern[i];
    if (want.kind == Segment::Kind::rest) {
      // {rest*}: the remainder of the path, possibly empty, without its leading slash.
      if (params) {
        std::string rest;
        for (std::size_t j = i; j < path.size(); ++j) {
          if (j > i) rest += '/';
          rest += path[j];
        }
        params->insert_or_assign(want.text, std::move(rest));
      }
      return true;
    }
    if (i >= path.size()) return false;
    if (want.kind == Segment::Kind::param) {
      if (path[i].empty()) return false;
      if (params) params->insert_or_assign(want.text, std::string(path[i]));
    } else if (want.text != path[i]) {
      return false;
    }
  }
  return pattern.size() == path.size();
}

Router::Match Router::match(http::verb method, std::string_view path) const {
  Match m;
  const auto parts = split_path(path);
  static const std::vector<std::size_t> kNone;
  const auto literal = by_first_segment_.find(parts.front());
  const auto& named = literal == by_first_segment_.end() ? kNone : literal->second;
  // Both candidate lists are in table order; walk them merged so the first route added wins.
  auto a = named.begin(), b = any_first_segment_.begin();
  while (a != named.end() || b != any_first_segment_.end()) {
    const std::size_t r = (b == any_first_segment_.end() || (a != named.end() && *a < *b)) ? *a++ : *b++;
    const auto& route = routes_[r];
    if (!matches(patterns_[r], parts, nullptr)) continue;
    m.path_known = true;
    if (route.method == method || route.method == http::verb::unknown) {
      m.route = &route;
      m.allowed.clear();
      matches(patterns_[r], parts, &m.params);
      return m;
    }
    if (std::find(m.allowed.begin(), m.allowed.end(), route.method) == m.allowed.end()) m.allowed.push_back(route.method);
  }
  return m;
}

}  // namespace faasgate::api
