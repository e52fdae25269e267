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
  for (unsigned i = 0; i < options_.workers; ++i) {
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

std::chrono::seconds AsyncWorkers::backoff(std::uint32_t attempts) const {
  auto delay = options_.backoff_min * (1u << std::min<std::uint32_t>(attempts, 16));
  return std::min(delay, options_.backoff_max);
}

asio::awaitable<void> AsyncWorkers::run(std::shared_ptr<asio::steady_timer> timer) {
  while (!stopping_) {
    auto leased = co_await off_io(blocking_, [&] { return queue_.lease_calls(1, clock_.now(), options_.lease); });
    if (!leased) {
      spdlog::error("async queue: cannot lease calls: {}", leased.error().message);
    } else if (!leased->empty()) {
      co_await handle(std::move(leased->front()));
      continue;
    } else if (completed_since_reclaim_.exchange(false)) {
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

asio::awaitable<void> AsyncWorkers::handle(queue::AsyncCall call) {
  const std::string fn = call.function + "." + call.namespace_;
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
    auto executor = io_.get_executor();
    auto response = co_await invoker_.invoke(executor, std::move(invocation));
    if (response.result() == http::status::too_many_requests && call.attempts + 1 < options_.max_attempts) {
      // The function is at its max_inflight (or the gateway at its process limit): the call has
      // not run, so it waits its turn in the queue instead of failing.
      auto when = clock_.now() + backoff(call.attempts);
      spdlog::info("async call {} to {}: the function is busy, retrying", call.id, fn);
      if (auto kept = co_await off_io(blocking_, [&] { return queue_.retry_later(call.id, when); }); !kept) {
        // The lease runs out and the call is handed out again: late, not lost.
        spdlog::error("async call {}: cannot reschedule: {}", call.id, kept.error().message);
      }
      co_return;
    }
    call.result_status = response.result_int();
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
    auto outcome = co_await off_io(blocking_, [&] { return post_callback(http_, callback); });
    if (!outcome.delivered) {
      if (outcome.refused) {
        spdlog::warn("async call {} to {}: callback not sent: {}", call.id, fn, outcome.error);
      } else if (call.attempts + 1 >= options_.max_attempts) {
        spdlog::warn("async call {} to {}: callback failed {} times, giving up: {}", call.id, fn, call.attempts + 1,
                     outcome.error);
      } else {
        auto when = clock_.now() + backoff(call.attempts);
        spdlog::info("async call {} to {}: callback failed ({}), retrying", call.id, fn, outcome.error);
        if (auto kept = co_await off_io(blocking_, [&] { return queue_.retry_later(call.id, when); }); !kept) {
          spdlog::error("async call {}: cannot reschedule: {}", call.id, kept.error().message);
        }
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
