#include "faasgate/cron_connector/discovery.hpp"

#include <algorithm>
#include <set>

namespace faasgate::cron_connector {
namespace {

bool refusal(const sdk::Error& e) { return e.kind == sdk::ErrorKind::forbidden || e.kind == sdk::ErrorKind::not_found; }

std::vector<model::FunctionStatus> cron_functions(std::vector<model::FunctionStatus> all) {
  std::erase_if(all, [](const model::FunctionStatus& f) {
    auto it = f.deployment.annotations.find(std::string(kTopicAnnotation));
    return it == f.deployment.annotations.end() || !has_cron_topic(it->second);
  });
  return all;
}

}  // namespace

DiscoveryRound Discovery::round(std::stop_token stop) {
  DiscoveryRound r;
  auto listed = client_.namespaces();
  if (!listed) {
    if (listed.error().kind != sdk::ErrorKind::forbidden) {
      r.error = std::move(listed).error();
      return r;
    }
    // 403: this connector may list no namespace at all - nothing of its own to schedule.
    r.refused.emplace_back("*", std::move(listed).error());
    listed = std::vector<std::string>{};
  }
  std::vector<std::string> namespaces = std::move(*listed);
  std::sort(namespaces.begin(), namespaces.end());
  namespaces.erase(std::unique(namespaces.begin(), namespaces.end()), namespaces.end());
  r.namespaces = namespaces.size();
  if (namespaces.size() > kMaxNamespaces) {
    r.namespaces_dropped = namespaces.size() - kMaxNamespaces;
    namespaces.resize(kMaxNamespaces);
  }

  std::map<std::string, std::vector<model::FunctionStatus>> next;
  for (const auto& ns : namespaces) {
    if (stop.stop_requested()) {
      r.error = sdk::Error{sdk::ErrorKind::cancelled, "discovery was stopped"};
      return r;
    }
    auto functions = client_.functions(ns);
    if (functions) {
      next[ns] = cron_functions(std::move(*functions));
    } else if (refusal(functions.error())) {
      r.refused.emplace_back(ns, std::move(functions).error());
    } else {
      if (auto it = last_good_.find(ns); it != last_good_.end()) next[ns] = it->second;
      r.kept.emplace_back(ns, std::move(functions).error());
    }
  }
  for (const auto& [ns, functions] : last_good_)
    if (!std::binary_search(namespaces.begin(), namespaces.end(), ns) && !functions.empty()) r.vanished.push_back(ns);
  last_good_ = std::move(next);

  std::vector<NamespaceFunctions> all;
  all.reserve(last_good_.size());
  for (const auto& [ns, functions] : last_good_) all.push_back({ns, functions});
  r.desired = build_desired(all, zones_);
  r.ok = true;
  return r;
}

std::chrono::milliseconds discovery_delay(unsigned consecutive_failures, std::chrono::milliseconds interval) {
  if (consecutive_failures == 0) return interval;
  std::chrono::milliseconds d{500};
  for (unsigned i = 1; i < consecutive_failures && d < interval; ++i) d *= 2;
  return std::min(d, interval);
}

}  // namespace faasgate::cron_connector
