#pragma once
// The connector's I/O shell around the pure parts (schedule_set, scheduler, discovery):
//   - a discovery thread: a round every rebuild_interval (after a failed namespace list, a
//     backoff from 500 ms doubling up to rebuild_interval), whose diff it applies and logs
//     (Added / Removed / Invalid schedule, once per change);
//   - the scheduling loop, on the thread that calls run(): sleeps until the next fire time (at
//     most a second, so a clock step is noticed), hands due fires to the worker pool;
//   - a pool of max_inflight workers, each invoking one function at a time (Invoking / Response,
//     or Invocation failed with the SDK's typed error).
// The pool's queue is bounded: each function has at most one fire queued or running (a second
// one is skipped), and at most kMaxFunctions functions are scheduled.
#include <chrono>
#include <cstddef>
#include <memory>
#include <stop_token>

#include "faasgate/cron/time_zone.hpp"
#include "faasgate/cron_connector/config.hpp"
#include "faasgate/cron_connector/metrics.hpp"
#include "faasgate/cron_connector/scheduler.hpp"
#include "faasgate/sdk/client.hpp"

namespace faasgate::cron_connector {

class Connector {
 public:
  // `client` lists with the rebuild timeout and invokes with the invoke timeout (per request).
  Connector(Config config, std::shared_ptr<sdk::Client> client, Metrics& metrics,
            const cron::ZoneSource& zones = cron::system_zones());
  ~Connector();  // joins every thread it started
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  // Runs until `stop` is requested. Then no new fire starts; calls in flight get up to
  // shutdown_timeout to finish. Returns how many were still running then (abandoned: the caller
  // should exit the process rather than wait for their timeouts).
  std::size_t run(std::stop_token stop);

  // What is scheduled now (for tests).
  std::size_t scheduled() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The invocation request for a fire: POST /function/<name>.<ns> (or /async-function/...), empty
// body, X-Topic: cron-function, X-Connector: cron-connector, Content-Type, the invoke timeout;
// a function token when the function asks for one and the connector authenticates with IAM.
sdk::InvokeRequest invocation_for(const Config& config, const ScheduleEntry& entry);

}  // namespace faasgate::cron_connector
