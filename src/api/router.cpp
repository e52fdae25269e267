#include "api/router.hpp"

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

bool match_pattern(std::string_view pattern, std::string_view path, PathParams& params) {
  auto want = split_path(pattern);
  auto got = split_path(path);
  for (std::size_t i = 0; i < want.size(); ++i) {
    std::string_view w = want[i];
    if (w.size() > 3 && w.front() == '{' && w.substr(w.size() - 2) == "*}") {
      // {rest*}: the remainder of the path, possibly empty, without its leading slash.
      std::string rest;
      for (std::size_t j = i; j < got.size(); ++j) {
        if (j > i) rest += '/';
        rest += got[j];
      }
      params.emplace(std::string(w.substr(1, w.size() - 3)), std::move(rest));
      return true;
    }
    if (i >= got.size()) return false;
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (got[i].empty()) return false;
      params.emplace(std::string(w.substr(1, w.size() - 2)), std::string(got[i]));
    } else if (w != got[i]) {
      return false;
    }
  }
  return want.size() == got.size();
}

}  // namespace

void Router::add(Route route) { routes_.push_back(std::move(route)); }

Router::Match Router::match(http::verb method, std::string_view path) const {
  Match m;
  for (const auto& route : routes_) {
    PathParams params;
    if (!match_pattern(route.pattern, path, params)) continue;
    m.path_known = true;
    m.allowed.push_back(route.method);
    if ((route.method == method || route.method == http::verb::unknown) && !m.route) {
      m.route = &route;
      m.params = std::move(params);
    }
  }
  return m;
}

}  // namespace faasgate::api
