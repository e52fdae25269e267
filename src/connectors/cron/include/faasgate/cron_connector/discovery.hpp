#pragma once
// Discovery: one round lists the namespaces, then the functions of each, through the SDK, and
// says which schedules are wanted now. What it keeps between rounds is the last good function
// list of each namespace, so that a failure is not mistaken for "no functions":
//   - the namespace list fails (no answer, a timeout, 5xx, a token that cannot be had): the
//     round fails and the shell keeps the whole last good set (and retries with backoff);
//   - the namespace list answers 403: the connector may list nothing, so nothing is scheduled;
//   - a namespace's function list fails the same ways: that namespace keeps its last good list;
//   - it answers 403 or 404, or the namespace is no longer listed: its functions are unscheduled
//     (the upstream connector keeps invoking them forever).
// Not thread-safe: one discovery thread owns it.
#include <chrono>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "faasgate/cron/time_zone.hpp"
#include "faasgate/cron_connector/schedule_set.hpp"
#include "faasgate/sdk/client.hpp"

namespace faasgate::cron_connector {

struct DiscoveryRound {
  bool ok = false;                   // false: the namespace list failed; keep the last good set
  std::optional<sdk::Error> error;   // why, when !ok
  DesiredSet desired;                // when ok
  std::vector<std::pair<std::string, sdk::Error>> kept;     // listing failed: last good functions kept
  std::vector<std::pair<std::string, sdk::Error>> refused;  // 403/404: functions dropped
  std::vector<std::string> vanished;  // no longer listed, and had cron functions
  std::size_t namespaces = 0;         // listed (at most kMaxNamespaces are looked at)
  std::size_t namespaces_dropped = 0; // listed past kMaxNamespaces
};

class Discovery {
 public:
  Discovery(sdk::Client& client, const cron::ZoneSource& zones) : client_(client), zones_(zones) {}
  // One round; a stop request ends it between calls (then ok is false).
  DiscoveryRound round(std::stop_token stop = {});

 private:
  sdk::Client& client_;
  const cron::ZoneSource& zones_;
  // Per namespace, its cron functions as last listed.
  std::map<std::string, std::vector<model::FunctionStatus>> last_good_;
};

// The delay before the next round: `interval` after a good one; after the n-th failure in a row
// 500 ms doubling (0.5, 1, 2, 4 s ...), never more than `interval`.
std::chrono::milliseconds discovery_delay(unsigned consecutive_failures, std::chrono::milliseconds interval);

}  // namespace faasgate::cron_connector
