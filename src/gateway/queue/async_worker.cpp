#include "faasgate/queue/async_worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "faasgate/queue/callback.hpp"

namespace faasgate::queue {

namespace asio = boost::asio;
namespace http = server::http;

namespace {

// Runs blocking work (SQLite, HTTP) on the blocking pool and resumes on the caller's executor.
template <class F>
asio::awaitable<std::invoke_result_t<F>> off_io(asio::thread_pool& pool, F f) {
  std::optional<std::invoke_result_t<F>> out;
  co_await asio::co_spawn(
      pool, [&]() -> asio::awaitable<void> { out.emplace(f()); co_return; }, asio::use_awaitable);
  co_return std::move(*out);
}

}  // namespace

AsyncWorkers::AsyncWorkers(asio::io_context& io, queue::Queue& queue, invoke::FunctionInvoker& invoker, asio::thread_pool& blocking,
                           const core::Clock& clock, http_client::HttpClient& http, AsyncOptions options)
    : io_(io), queue_(queue), invoker_(invoker), blocking_(blocking), clock_(clock), http_(http), options_(options) {}

void AsyncWorkers::start() {
  for (unsigned i = 0; i < std::max(1u, options_.max_inflight); ++i) {
    timers_.push_back(std::make_shared<asio::steady_timer>(io_));
    asio::co_spawn(io_, run(timers_.back()), asio::detached);
  }
}

void AsyncWorkers::stop() {
  stopping_ = true;
  wake();
}

void AsyncWorkers::wake() {
  for (auto& timer : timers_) asio::post(io_, [timer] { timer->cancel(); });
}

double AsyncWorkers::random01() { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }

// A queue whose server is away fails every poll of every worker: said once, then every 30s
// while it lasts, and when it is over.
void AsyncWorkers::lease_failed(const std::string& why) {
  const auto now = std::chrono::steady_clock::now();
  if (why == last_lease_error_ && now - last_lease_error_logged_ < std::chrono::seconds(30)) return;
  last_lease_error_ = why;
  last_lease_error_logged_ = now;
  spdlog::error("async queue: cannot lease calls: {}", why);
}

asio::awaitable<RetryPolicy> AsyncWorkers::policy_for(const std::string& ns, const std::string& name) {
  constexpr std::size_t kMaxCachedPolicies = 4096;
  if (!options_.annotations) co_return options_.retry;
  const std::string key = ns + "/" + name;
  const auto now = std::chrono::steady_clock::now();
  if (auto it = policies_.find(key); it != policies_.end() && now - it->second.fetched < options_.annotation_ttl) {
    co_return it->second.policy;
  }
  auto annotations = co_await off_io(blocking_, [&] { return options_.annotations(ns, name); });
  auto applied = apply_annotations(options_.retry, annotations ? *annotations : std::map<std::string, std::string>{});
  for (const auto& problem : applied.problems) spdlog::warn("function {}.{}: {}", name, ns, problem);
  if (policies_.size() >= kMaxCachedPolicies) policies_.clear();
  policies_[key] = CachedPolicy{applied.policy, now};
  co_return applied.policy;
}

asio::awaitable<void> AsyncWorkers::run(std::shared_ptr<asio::steady_timer> timer) {
  while (!stopping_) {
    auto leased = co_await off_io(blocking_, [&] { return queue_.lease_calls(1, clock_.now(), options_.lease); });
    if (!leased) {
      lease_failed(leased.error().message);
    } else if (!last_lease_error_.empty()) {
      spdlog::info("async queue: leasing calls again");
      last_lease_error_.clear();
    }
    if (leased && !leased->empty()) {
      co_await handle(std::move(leased->front()));
      continue;
    } else if (leased && completed_since_reclaim_.exchange(false)) {
      // Nothing due: the burst is drained (or waiting on retries), a good moment for the
      // vacuum's syncs. While calls keep coming the free pages are reused by new ones anyway.
      if (auto reclaimed = co_await off_io(blocking_, [&] { return queue_.reclaim_space(); }); !reclaimed) {
        spdlog::warn("async queue: cannot give the space of completed calls back: {}", reclaimed.error().message);
      }
    }
    timer->expires_after(options_.idle_poll);
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// Made due again after `delay`: the lease ends and an attempt is counted. If that fails, the
// lease runs out and the call is handed out again: late, not lost.
asio::awaitable<void> AsyncWorkers::retry(const queue::AsyncCall& call, std::chrono::seconds delay) {
  const auto when = clock_.now() + delay;
  if (auto kept = co_await off_io(blocking_, [&] { return queue_.retry_later(call.id, when); }); !kept) {
    spdlog::error("async call {}: cannot reschedule: {}", call.id, kept.error().message);
  }
}

asio::awaitable<void> AsyncWorkers::handle(queue::AsyncCall call) {
  const std::string fn = call.function + "." + call.namespace_;
  const RetryPolicy policy = co_await policy_for(call.namespace_, call.function);
  const std::uint32_t attempted = call.attempts + 1;  // this one included
  if (!call.result_status) {
    invoke::Invocation invocation;
    invocation.name = call.function;
    invocation.namespace_ = call.namespace_;
    invocation.path = invoke::request_path(call.path);
    invocation.query = call.query;
    invocation.call_id = call.id;
    invocation.request.method(http::string_to_verb(call.method));
    invocation.request.target(invocation.path);
    for (const auto& [k, v] : call.headers) invocation.request.insert(k, v);  // repeated fields kept
    invocation.request.body() = call.body;
    invocation.request.prepare_payload();
    // While the function runs, its lease is renewed every lease/3: a call longer than the lease
    // is not handed out to another worker. It stops when the invocation returns, which the
    // function's exec timeout bounds: a slow function cannot hold a lease for longer.
    struct Heartbeat {
      explicit Heartbeat(asio::io_context& io) : timer(io) {}
      asio::steady_timer timer;
      bool done = false;
    };
    auto heartbeat = std::make_shared<Heartbeat>(io_);
    const auto every = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(options_.lease) / 3,
                                                           std::chrono::milliseconds(200));
    asio::co_spawn(
        io_,
        [this, heartbeat, every, id = call.id]() -> asio::awaitable<void> {
          while (true) {
            heartbeat->timer.expires_after(every);
            co_await heartbeat->timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (heartbeat->done) co_return;
            auto kept = co_await off_io(blocking_, [&] { return queue_.extend_lease(id, clock_.now(), options_.lease); });
            if (!kept) spdlog::warn("async call {}: cannot extend its lease: {}", id, kept.error().message);
          }
        },
        asio::detached);
    auto executor = io_.get_executor();
    auto response = co_await invoker_.invoke(executor, std::move(invocation));
    heartbeat->done = true;
    heartbeat->timer.cancel();
    const unsigned status = response.result_int();
    if (retryable_status(policy, status) && attempts_left(policy, attempted)) {
      // 429 from the gateway itself: the function is at its max_inflight (or the gateway at its
      // process limit) and the call has not run; it waits its turn in the queue.
      std::optional<std::chrono::seconds> retry_after;
      if (status == 429 || status == 503) retry_after = parse_retry_after(response[http::field::retry_after], clock_.now());
      const auto delay = retry_delay(policy, attempted, random01(), retry_after);
      spdlog::info("async call {} to {}: status {}, retrying in {}s (attempt {} of {})", call.id, fn, status,
                   delay.count(), attempted, policy.max_attempts);
      co_await retry(call, delay);
      co_return;
    }
    call.result_status = status;
    call.result_body = std::move(response.body());
    call.result_headers.clear();
    for (const auto& field : response) call.result_headers.emplace_back(field.name_string(), field.value());
    call.duration_seconds = std::strtod(std::string(response["X-Duration-Seconds"]).c_str(), nullptr);
    if (auto kept = co_await off_io(blocking_, [&] { return queue_.record_result(call); }); !kept) {
      spdlog::error("async call {}: cannot record the result: {}", call.id, kept.error().message);
    }
    spdlog::info("async call {} to {}: status {}", call.id, fn, *call.result_status);
  }

  if (!call.callback_url.empty()) {
    CallbackRequest callback{call.callback_url, {}, call.result_body, options_.callback_timeout,
                             &options_.callback_addresses};
    for (const auto& [k, v] : call.result_headers) {
      if (k == "Content-Type") callback.headers.emplace_back(k, v);
    }
    callback.headers.emplace_back("X-Call-Id", call.id);
    callback.headers.emplace_back("X-Function-Name", call.function);
    callback.headers.emplace_back("X-Function-Status", std::to_string(*call.result_status));
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.6f", call.duration_seconds);
    callback.headers.emplace_back("X-Duration-Seconds", duration);
    callback.headers.emplace_back("X-Retry", std::to_string(call.attempts));
    callback.headers.emplace_back("X-Retry-Max", std::to_string(policy.max_attempts));
    auto outcome = co_await off_io(blocking_, [&] { return post_callback(http_, callback); });
    if (!outcome.delivered) {
      if (outcome.refused) {
        spdlog::warn("async call {} to {}: callback not sent: {}", call.id, fn, outcome.error);
      } else if (!attempts_left(policy, attempted)) {
        spdlog::warn("async call {} to {}: callback failed {} times, giving up: {}", call.id, fn, attempted,
                     outcome.error);
      } else {
        spdlog::info("async call {} to {}: callback failed ({}), retrying", call.id, fn, outcome.error);
        co_await retry(call, retry_delay(policy, attempted, random01()));
        co_return;
      }
    }
  }
  if (auto done = co_await off_io(blocking_, [&] { return queue_.complete(call.id); }); !done) {
    spdlog::error("async call {}: cannot complete: {}", call.id, done.error().message);
  } else {
    completed_since_reclaim_ = true;
  }
}

}  // namespace faasgate::queue
