#include "faasgate/cron_connector/connector.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "faasgate/core/text.hpp"
#include "faasgate/cron/rfc3339.hpp"
#include "faasgate/cron_connector/discovery.hpp"
#include "faasgate/cron_connector/fields.hpp"

namespace faasgate::cron_connector {

using std::chrono::steady_clock;
using std::chrono::system_clock;

namespace {
// What a Response line shows of a body with print_response_body: enough to read, bounded.
constexpr std::size_t kMaxPrintedBody = 4096;
}  // namespace

sdk::InvokeRequest invocation_for(const Config& config, const ScheduleEntry& entry) {
  sdk::InvokeRequest r;
  r.name = entry.key.name;
  r.namespace_ = entry.key.namespace_;
  r.method = "POST";
  r.async = config.asynchronous;
  r.headers = {{"X-Topic", std::string(kCronTopic)},
               {"X-Connector", "cron-connector"},
               {"Content-Type", config.content_type}};
  // Basic auth is a gateway without IAM: there is no function token to be had there.
  r.authenticate = entry.jwt_auth && config.auth == AuthMode::iam;
  r.timeout = config.invoke_timeout;
  return r;
}

struct Connector::Impl {
  Impl(Config c, std::shared_ptr<sdk::Client> cl, Metrics& m, const cron::ZoneSource& z)
      : config(std::move(c)), client(std::move(cl)), metrics(m), zones(z) {}

  Config config;
  std::shared_ptr<sdk::Client> client;
  Metrics& metrics;
  const cron::ZoneSource& zones;

  // The schedule, shared by the discovery thread (apply) and the scheduling loop (due) and the
  // workers (finished).
  mutable std::mutex mutex;
  std::condition_variable_any wake;  // the scheduling loop: the set changed
  bool changed = false;
  Scheduler scheduler;
  ScheduleSet current;

  // The worker pool's queue: at most one fire per scheduled function (the scheduler skips a
  // function while its fire is queued or running), so it never holds more than kMaxFunctions.
  std::mutex queue_mutex;
  std::condition_variable_any queue_cv;
  std::deque<Fire> queue;
  std::size_t running = 0;

  std::set<std::string> refused_logged;  // discovery thread only

  void discover(std::stop_token stop);
  void report(const DiscoveryRound& round);
  void apply(DesiredSet desired);
  void work(std::stop_token stop);
  void invoke(const Fire& fire);
  bool enqueue(Fire fire);
};

void Connector::Impl::discover(std::stop_token stop) {
  Discovery discovery(*client, zones);
  unsigned failures = 0;
  std::mutex sleep_mutex;
  std::condition_variable_any sleep_cv;
  while (!stop.stop_requested()) {
    auto round = discovery.round(stop);
    if (stop.stop_requested()) break;
    if (!round.ok) {
      ++failures;
      metrics.discovery_failed();
      std::size_t kept;
      {
        std::lock_guard lock(mutex);
        kept = scheduler.size();
      }
      spdlog::warn("{}", line("Discovery failed, keeping the last good schedules",
                              Fields()
                                  .add("error", round.error ? round.error->describe() : std::string("unknown"))
                                  .add("scheduled", kept)
                                  .add("retry_in", format_duration(discovery_delay(failures, config.rebuild_interval)))));
    } else {
      failures = 0;
      report(round);
      apply(std::move(round.desired));
    }
    std::unique_lock lock(sleep_mutex);
    sleep_cv.wait_for(lock, stop, discovery_delay(failures, config.rebuild_interval), [] { return false; });
  }
}

void Connector::Impl::report(const DiscoveryRound& round) {
  if (!round.kept.empty()) metrics.discovery_failed();
  for (const auto& [ns, error] : round.kept)
    spdlog::warn("{}", line("Listing functions failed, keeping the namespace's last good list",
                            Fields().add("namespace", ns).add("error", error.describe())));
  std::set<std::string> refused_now;
  for (const auto& [ns, error] : round.refused) {
    refused_now.insert(ns);
    if (!refused_logged.contains(ns))
      spdlog::warn("{}", line("Listing refused, unscheduling the namespace's functions",
                              Fields().add("namespace", ns).add("error", error.describe())));
  }
  refused_logged = std::move(refused_now);
  for (const auto& ns : round.vanished)
    spdlog::info("{}", line("Namespace gone, unscheduling its functions", Fields().add("namespace", ns)));
  if (round.namespaces_dropped)
    spdlog::warn("{}", line("Too many namespaces, looking at the first ones only",
                            Fields().add("listed", round.namespaces).add("limit", kMaxNamespaces)));
  if (round.desired.dropped)
    spdlog::warn("{}", line("Cron functions not scheduled (over the limit, or a name no route accepts)",
                            Fields().add("dropped", round.desired.dropped).add("limit", kMaxFunctions)));
}

void Connector::Impl::apply(DesiredSet desired) {
  ScheduleDiff d;
  std::size_t scheduled;
  {
    std::lock_guard lock(mutex);
    d = diff(current, desired.entries);
    scheduler.apply(d, system_clock::now());
    current = std::move(desired.entries);
    scheduled = scheduler.size();
    changed = true;
  }
  wake.notify_all();
  metrics.set_scheduled(scheduled);
  std::set<FunctionKey> re_added;
  for (const auto& e : d.added) re_added.insert(e.key);
  for (const auto& e : d.removed) {
    spdlog::info("{}", line("Removed", Fields().add("function", e.key.qualified()).add("schedule", e.schedule_text)));
    if (!re_added.contains(e.key)) metrics.forget(e.key);
  }
  for (const auto& e : d.added) {
    metrics.track(e.key);
    Fields f;
    f.add("function", e.key.qualified()).add("schedule", e.schedule_text);
    if (e.jwt_auth) f.add("jwt_auth", true);
    spdlog::info("{}", line("Added", f));
  }
  for (const auto& e : d.updated)
    spdlog::info("{}", line("Updated", Fields().add("function", e.key.qualified()).add("jwt_auth", e.jwt_auth)));
  for (const auto& e : d.newly_invalid)
    spdlog::warn("{}", line("Invalid schedule, not scheduled",
                            Fields()
                                .add("function", e.key.qualified())
                                .add("schedule", core::printable(e.schedule_text, 200))
                                .add("error", e.error ? e.error->message : std::string())
                                .add("position", e.error ? e.error->position : 0)));
}

bool Connector::Impl::enqueue(Fire fire) {
  {
    std::lock_guard lock(queue_mutex);
    if (queue.size() >= kMaxFunctions) return false;
    queue.push_back(std::move(fire));
  }
  queue_cv.notify_one();
  return true;
}

void Connector::Impl::work(std::stop_token stop) {
  while (true) {
    Fire fire;
    {
      std::unique_lock lock(queue_mutex);
      if (!queue_cv.wait(lock, stop, [&] { return !queue.empty(); })) return;
      fire = std::move(queue.front());
      queue.pop_front();
      ++running;
    }
    invoke(fire);
    {
      std::lock_guard lock(mutex);
      scheduler.finished(fire.entry.key);
    }
    {
      std::lock_guard lock(queue_mutex);
      --running;
    }
    queue_cv.notify_all();
  }
}

void Connector::Impl::invoke(const Fire& fire) {
  const auto& key = fire.entry.key;
  const auto qualified = key.qualified();
  metrics.fired(key);
  metrics.lateness(system_clock::now() - fire.scheduled);
  spdlog::info("{}", line("Invoking", Fields().add("function", qualified).add("schedule", fire.entry.schedule_text)));
  const auto started = steady_clock::now();
  auto answer = client->invoke(invocation_for(config, fire.entry));
  const auto took = format_duration(steady_clock::now() - started);
  if (!answer) {
    metrics.failed(key);
    spdlog::warn("{}", line("Invocation failed", Fields()
                                                     .add("function", qualified)
                                                     .add("error", answer.error().describe())
                                                     .add("duration", took)));
    return;
  }
  Fields f;
  f.add("function", qualified).add("status", answer->status).add("bytes", answer->body.size()).add("duration", took);
  if (config.print_response_body) f.add("body", core::printable(answer->body, kMaxPrintedBody));
  if (answer->status >= 400) {
    metrics.failed(key);
    spdlog::warn("{}", line("Response", f));
  } else {
    spdlog::info("{}", line("Response", f));
  }
}

Connector::Connector(Config config, std::shared_ptr<sdk::Client> client, Metrics& metrics, const cron::ZoneSource& zones)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(client), metrics, zones)) {}

Connector::~Connector() = default;

std::size_t Connector::scheduled() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->scheduler.size();
}

std::size_t Connector::run(std::stop_token stop) {
  auto& m = *impl_;
  std::stop_source pool_stop;
  std::vector<std::jthread> workers;
  workers.reserve(m.config.max_inflight);
  for (std::size_t i = 0; i < m.config.max_inflight; ++i)
    workers.emplace_back([&m, token = pool_stop.get_token()] { m.work(token); });
  std::jthread discovery([&m](std::stop_token s) { m.discover(s); });

  {
    std::unique_lock lock(m.mutex);
    while (!stop.stop_requested()) {
      const auto now = system_clock::now();
      auto due = m.scheduler.due(now);
      lock.unlock();
      for (const auto& s : due.skipped) {
        m.metrics.skipped(s.key);
        spdlog::warn("{}", line("Skipped, the previous fire is still in flight",
                                Fields().add("function", s.key.qualified()).add("scheduled", cron::format_rfc3339(s.scheduled))));
      }
      for (auto& fire : due.fires) {
        auto key = fire.entry.key;
        auto scheduled = fire.scheduled;
        if (!m.enqueue(std::move(fire))) {
          m.metrics.skipped(key);
          std::lock_guard again(m.mutex);
          m.scheduler.finished(key);
          spdlog::warn("{}", line("Skipped, the invocation queue is full",
                                  Fields().add("function", key.qualified()).add("scheduled", cron::format_rfc3339(scheduled))));
        }
      }
      lock.lock();
      // At most a second: a clock stepped forward is noticed within it.
      auto deadline = now + std::chrono::seconds(1);
      if (auto next = m.scheduler.next_fire(); next && *next < deadline) deadline = *next;
      m.wake.wait_until(lock, stop, deadline, [&] { return m.changed; });
      m.changed = false;
    }
  }

  discovery.request_stop();
  discovery.join();
  std::size_t abandoned = 0;
  {
    std::unique_lock lock(m.queue_mutex);
    const auto never_started = m.queue.size();
    m.queue.clear();
    if (m.running > 0 || never_started > 0)
      spdlog::info("{}", line("Stopping", Fields().add("in_flight", m.running).add("not_started", never_started)));
    m.queue_cv.wait_for(lock, std::stop_token{}, m.config.shutdown_timeout, [&] { return m.running == 0; });
    abandoned = m.running;
  }
  pool_stop.request_stop();
  m.queue_cv.notify_all();
  if (abandoned > 0) {
    spdlog::warn("{}", line("Abandoning calls still in flight", Fields().add("in_flight", abandoned)));
    // The workers are stuck in calls bounded by invoke_timeout; the caller exits instead of
    // joining them.
    for (auto& w : workers) w.detach();
  }
  return abandoned;
}

}  // namespace faasgate::cron_connector
