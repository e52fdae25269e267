// AsyncWorkers over MemoryQueue, a scripted invoker and FakeHttpClient: what a worker does with
// one call - the callback and its headers, the retry of a retryable status at its Retry-After,
// and the lease renewed while a slow function runs. Times the queue sees come from a FakeClock;
// the heartbeat runs on the io_context's real timers (the shortest lease is 1 s).
#include "faasgate/queue/async_worker.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <atomic>
#include <functional>
#include <thread>

#include "faasgate/http_client/fake_http_client.hpp"
#include "faasgate/queue/memory_queue.hpp"

namespace faasgate::queue {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace http = server::http;

const core::Instant kT0 = core::from_unix(1'800'000'000);
constexpr const char* kCallback = "http://127.0.0.1:9/callback";

// Answers each call with what `script` makes of it, after `delay` of real time.
class ScriptedInvoker final : public invoke::FunctionInvoker {
 public:
  std::function<server::Response(unsigned attempt)> script;
  std::chrono::milliseconds delay{0};
  std::atomic<unsigned> calls{0};

  bool exists(const std::string&, const std::string&) const override { return true; }
  server::asio::awaitable<server::Response> invoke(server::asio::any_io_executor executor, invoke::Invocation call) override {
    const unsigned attempt = ++calls;
    if (delay.count() > 0) {
      asio::steady_timer timer(executor, delay);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    auto response = script(attempt);
    invoke::stamp_answer(response, call.call_id, std::chrono::system_clock::now(), 0.25);
    co_return response;
  }
};

// MemoryQueue, counting the leases it was asked to extend.
class CountingQueue final : public Queue {
 public:
  MemoryQueue inner;
  std::atomic<unsigned> extended{0};
  std::atomic<unsigned> retried{0};
  Result<void> enqueue(const AsyncCall& c, const QueueLimits& l) override { return inner.enqueue(c, l); }
  Result<std::vector<AsyncCall>> lease_calls(std::size_t m, core::Instant n, std::chrono::seconds l) override {
    return inner.lease_calls(m, n, l);
  }
  Result<void> record_result(const AsyncCall& c) override { return inner.record_result(c); }
  Result<void> retry_later(const std::string& id, core::Instant w) override {
    auto done = inner.retry_later(id, w);
    ++retried;
    return done;
  }
  Result<void> extend_lease(const std::string& id, core::Instant n, std::chrono::seconds l) override {
    ++extended;
    return inner.extend_lease(id, n, l);
  }
  Result<void> complete(const std::string& id) override { return inner.complete(id); }
  Result<std::size_t> depth() override { return inner.depth(); }
  Result<void> release_leases() override { return inner.release_leases(); }
  Result<void> reclaim_space() override { return inner.reclaim_space(); }
};

server::Response answer(http::status status, std::string body, std::string retry_after = "") {
  auto response = invoke::plain_answer(status, std::move(body));
  if (!retry_after.empty()) response.set(http::field::retry_after, retry_after);
  return response;
}

class AsyncWorkersTest : public ::testing::Test {
 protected:
  void start(AsyncOptions options = {}) {
    options.max_inflight = 1;
    options.lease = 1s;
    options.idle_poll = 20ms;
    workers_ = std::make_unique<AsyncWorkers>(io_, queue_, invoker_, blocking_, clock_, http_, options);
    workers_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (workers_) workers_->stop();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    blocking_.join();
  }
  void enqueue(const std::string& id) {
    AsyncCall call;
    call.id = id;
    call.function = "echo";
    call.namespace_ = "openfaas-fn";
    call.body = "hi";
    call.callback_url = kCallback;
    call.enqueued_at = kT0;
    ASSERT_TRUE(queue_.enqueue(call, {}));
    if (workers_) workers_->wake();
  }
  template <class P>
  bool eventually(P predicate) {
    for (int i = 0; i < 500; ++i) {
      if (predicate()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return predicate();
  }
  std::string header(const http_client::Request& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "<absent>";
  }

  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  asio::thread_pool blocking_{2};
  core::FakeClock clock_{kT0};
  http_client::FakeHttpClient http_;
  ScriptedInvoker invoker_;
  CountingQueue queue_;
  std::unique_ptr<AsyncWorkers> workers_;
  std::thread thread_;
};

TEST_F(AsyncWorkersTest, ACallsResultIsPostedToItsCallbackAndTheCallCompleted) {
  invoker_.script = [](unsigned) { return answer(http::status::created, "made"); };
  http_.set(kCallback, "");
  enqueue("c1");
  start();
  http_.wait_for_calls(1);
  ASSERT_TRUE(eventually([&] { auto d = queue_.depth(); return d && *d == 0; }));
  const auto request = http_.requests().at(0);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.body, "made\n");
  EXPECT_EQ(header(request, "X-Call-Id"), "c1");
  EXPECT_EQ(header(request, "X-Function-Name"), "echo");
  EXPECT_EQ(header(request, "X-Function-Status"), "201");
  EXPECT_EQ(header(request, "X-Retry"), "0");
  EXPECT_EQ(header(request, "X-Retry-Max"), std::to_string(RetryPolicy{}.max_attempts));
  EXPECT_EQ(invoker_.calls, 1u);
}

// A 503 is retried, at its Retry-After: the call is due again then and not before, one attempt
// counted, and no callback is sent for the failed attempt.
TEST_F(AsyncWorkersTest, ARetryableStatusComesBackAtItsRetryAfter) {
  invoker_.script = [](unsigned) { return answer(http::status::service_unavailable, "later", "7"); };
  enqueue("c2");
  start();
  ASSERT_TRUE(eventually([&] { return queue_.retried >= 1; })) << "the call was not rescheduled";
  workers_->stop();  // their clock stays at kT0: they would not take it again anyway
  EXPECT_TRUE(queue_.inner.lease_calls(1, kT0 + 6s, 1s)->empty()) << "due before its Retry-After";
  auto again = queue_.inner.lease_calls(1, kT0 + 7s, 1s);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().attempts, 1u);
  EXPECT_FALSE(again->front().result_status.has_value()) << "a retried invocation keeps no result";
  EXPECT_EQ(http_.calls(), 0u);
}

TEST_F(AsyncWorkersTest, TheLeaseIsRenewedWhileASlowFunctionRuns) {
  invoker_.script = [](unsigned) { return answer(http::status::ok, "slow"); };
  invoker_.delay = 1200ms;  // longer than the 1 s lease: renewed every third of it
  http_.set(kCallback, "");
  enqueue("c3");
  start();
  http_.wait_for_calls(1);
  EXPECT_GE(queue_.extended, 2u);
  EXPECT_EQ(invoker_.calls, 1u) << "the call was handed out again while it ran";
}

}  // namespace
}  // namespace faasgate::queue
