// The Queue contract (queue/queue.hpp), run against every implementation: MemoryQueue,
// SqliteQueue, and JetStreamQueue against a real nats-server the test starts. Where JetStream
// promises less (queue.hpp, "Where JetStreamQueue is weaker"), the test checks what it promises
// instead, in an `if constexpr (TypeParam::kServerTime)` branch: nothing is skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "faasgate/queue/jetstream_queue.hpp"
#include "faasgate/queue/memory_queue.hpp"
#include "faasgate/queue/sqlite_queue.hpp"
#include "nats_server.hpp"
#include "test_support.hpp"

namespace faasgate::queue {
namespace {

using namespace std::chrono_literals;
const core::Instant kT0 = core::from_unix(1'700'000'000);

// kServerTime: times are the `now` arguments exactly (false), or the server's (true: a lease is
// the consumer's ack_wait and a call handed back with a delay returns when the server says).
struct MemoryImpl {
  static constexpr bool kServerTime = false;
  static std::unique_ptr<Queue> make(const std::filesystem::path&, std::shared_ptr<void>&) {
    return std::make_unique<MemoryQueue>();
  }
};
struct SqliteImpl {
  static constexpr bool kServerTime = false;
  static std::unique_ptr<Queue> make(const std::filesystem::path& dir, std::shared_ptr<void>&) {
    auto q = SqliteQueue::open(dir / "faasgate.db");
    if (!q) throw std::runtime_error(q.error().message);
    return std::move(*q);
  }
};
constexpr auto kAckWait = 2s;  // JetStream's lease in these tests: short, as the tests wait it out
struct JetStreamImpl {
  static constexpr bool kServerTime = true;
  static nats::testing::NatsServer& server() {
    static nats::testing::NatsServer s;  // one for the test program; each test has a queue (stream) of its own
    return s;
  }
  static std::unique_ptr<Queue> make(const std::filesystem::path&, std::shared_ptr<void>& keep) {
    auto c = nats::Connection::connect({.url = server().url()});
    if (!c) throw std::runtime_error(c.error().message);
    for (int i = 0; i < 500 && !(*c)->connected(); ++i) std::this_thread::sleep_for(10ms);
    static std::atomic<int> n{0};
    JetStreamQueueOptions o{.queue = "contract" + std::to_string(++n), .ack_wait = kAckWait, .fetch_wait = 50ms};
    auto q = std::make_unique<JetStreamQueue>(**c, o);
    keep = std::shared_ptr<nats::Connection>(std::move(*c));
    return q;
  }
};

template <class Impl>
class QueueContract : public ::testing::Test {
 protected:
  QueueContract() : queue_(Impl::make(dir_.path(), keep_)) {}
  Queue& queue() { return *queue_; }

  sqlite::testing::TempDir dir_;
  std::shared_ptr<void> keep_;  // what the queue needs alive (JetStream: its connection)
  std::unique_ptr<Queue> queue_;
};

using Implementations = ::testing::Types<MemoryImpl, SqliteImpl, JetStreamImpl>;
class Names {
 public:
  template <class T>
  static std::string GetName(int) {
    if (std::is_same_v<T, MemoryImpl>) return "Memory";
    return std::is_same_v<T, SqliteImpl> ? "Sqlite" : "JetStream";
  }
};

// A hand-out that is due now: at once when times are the arguments; with server time, once the
// server redelivers (bounded: a few ack_waits).
template <class Impl>
Result<std::vector<AsyncCall>> lease_soon(Queue& q, std::size_t max, core::Instant now, std::chrono::seconds lease) {
  auto r = q.lease_calls(max, now, lease);
  if constexpr (Impl::kServerTime) {
    const auto deadline = std::chrono::steady_clock::now() + 5 * kAckWait;
    while (r && r->empty() && std::chrono::steady_clock::now() < deadline) r = q.lease_calls(max, now, lease);
  }
  return r;
}

// depth(), once the server has applied the acks (at once for the others).
template <class Impl>
std::size_t depth_soon(Queue& q, std::size_t want) {
  auto d = q.depth();
  if constexpr (Impl::kServerTime) {
    for (int i = 0; i < 200 && d && *d != want; ++i) {
      std::this_thread::sleep_for(10ms);
      d = q.depth();
    }
  }
  EXPECT_TRUE(d) << d.error().message;
  return d ? *d : 0;
}
TYPED_TEST_SUITE(QueueContract, Implementations, Names);

template <class T>
QueueErrc code(const Result<T>& r) {
  EXPECT_FALSE(r.has_value());
  return r ? QueueErrc::io : r.error().code;
}

AsyncCall make_call(std::string id, core::Instant at = kT0) {
  AsyncCall c;
  c.id = std::move(id);
  c.function = "echo";
  c.namespace_ = "openfaas-fn";
  c.method = "PUT";
  c.path = "/sub/path";
  c.query = "a=1&b=2";
  c.headers = {{"Content-Type", "text/plain"}, {"X-Dup", "1"}, {"X-Dup", "2"}, {"X-Obs", "caf\xe9"}};
  c.body = std::string("bin\0ary\xff", 8);
  c.callback_url = "http://127.0.0.1:9/cb";
  c.enqueued_at = at;
  return c;
}

TYPED_TEST(QueueContract, QueueRoundTripsEveryField) {
  auto& q = this->queue();
  const auto call = make_call("call-1");
  ASSERT_TRUE(q.enqueue(call, {}));
  EXPECT_EQ(*q.depth(), 1u);
  auto leased = q.lease_calls(10, kT0, 30s);
  ASSERT_TRUE(leased) << leased.error().message;
  ASSERT_EQ(leased->size(), 1u);
  const auto& got = leased->front();
  EXPECT_EQ(got.id, call.id);
  EXPECT_EQ(got.function, call.function);
  EXPECT_EQ(got.namespace_, call.namespace_);
  EXPECT_EQ(got.method, call.method);
  EXPECT_EQ(got.path, call.path);
  EXPECT_EQ(got.query, call.query);
  EXPECT_EQ(got.headers, call.headers);
  EXPECT_EQ(got.body, call.body);
  EXPECT_EQ(got.callback_url, call.callback_url);
  EXPECT_EQ(got.enqueued_at, call.enqueued_at);
  EXPECT_EQ(got.attempts, 0u);
  EXPECT_FALSE(got.result_status);
  EXPECT_TRUE(got.result_body.empty());
  EXPECT_TRUE(got.result_headers.empty());

  auto dup = q.enqueue(call, {});
  EXPECT_EQ(code(dup), QueueErrc::already_exists);
  EXPECT_EQ(code(q.enqueue(make_call(""), {})), QueueErrc::invalid);
}

TYPED_TEST(QueueContract, LeaseHandsOutOnceUntilItExpires) {
  auto& q = this->queue();
  ASSERT_TRUE(q.enqueue(make_call("c1"), {}));
  EXPECT_TRUE(q.lease_calls(10, kT0 - 1s, 30s)->empty());  // not due before it was enqueued
  ASSERT_EQ(lease_soon<TypeParam>(q, 10, kT0, 30s)->size(), 1u);
  EXPECT_TRUE(q.lease_calls(10, kT0, 30s)->empty());
  EXPECT_TRUE(q.lease_calls(10, kT0 + 29s, 30s)->empty());
  EXPECT_EQ(*q.depth(), 1u);  // leased calls still count
  auto again = lease_soon<TypeParam>(q, 10, kT0 + 30s, 30s);  // lease_until <= now: expired
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().id, "c1");
  EXPECT_TRUE(q.lease_calls(10, kT0 + 59s, 30s)->empty());
  ASSERT_TRUE(q.complete("c1"));
  EXPECT_EQ(depth_soon<TypeParam>(q, 0), 0u);
  EXPECT_TRUE(q.lease_calls(10, kT0 + 3600s, 30s)->empty());
  EXPECT_EQ(code(q.complete("c1")), QueueErrc::not_found);
}

TYPED_TEST(QueueContract, LeaseOrderAndLimits) {
  auto& q = this->queue();
  ASSERT_TRUE(q.enqueue(make_call("late", kT0 + 2s), {}));
  ASSERT_TRUE(q.enqueue(make_call("b", kT0), {}));
  ASSERT_TRUE(q.enqueue(make_call("a", kT0), {}));  // same second as b, enqueued after it
  EXPECT_TRUE(q.lease_calls(0, kT0 + 10s, 30s)->empty());
  EXPECT_EQ(code(q.lease_calls(1, kT0, 0s)), QueueErrc::invalid);
  auto first = q.lease_calls(2, kT0 + 10s, 30s);
  ASSERT_EQ(first->size(), 2u);
  auto rest = q.lease_calls(2, kT0 + 10s, 30s);
  ASSERT_EQ(rest->size(), 1u);
  if constexpr (TypeParam::kServerTime) {
    // JetStream promises arrival order among due calls, not due order.
    EXPECT_EQ((*first)[0].id, "late");
    EXPECT_EQ((*first)[1].id, "b");
    EXPECT_EQ((*rest)[0].id, "a");
  } else {
    EXPECT_EQ((*first)[0].id, "b");
    EXPECT_EQ((*first)[1].id, "a");
    EXPECT_EQ((*rest)[0].id, "late");
  }
}

TYPED_TEST(QueueContract, RecordResultRetryAndComplete) {
  auto& q = this->queue();
  ASSERT_TRUE(q.enqueue(make_call("c1"), {}));
  auto leased = q.lease_calls(1, kT0, 30s);
  ASSERT_EQ(leased->size(), 1u);
  auto call = leased->front();
  call.result_status = 202;
  call.result_body = std::string("out\0put", 7);
  call.result_headers = {{"Content-Type", "application/json"}, {"X-Duration-Seconds", "0.25"}};
  call.duration_seconds = 0.25;
  ASSERT_TRUE(q.record_result(call));
  EXPECT_TRUE(q.lease_calls(1, kT0 + 1s, 30s)->empty());  // still leased

  ASSERT_TRUE(q.retry_later("c1", kT0 + 100s));
  EXPECT_TRUE(q.lease_calls(1, kT0 + 99s, 30s)->empty());  // lease cleared but not due yet
  auto retried = lease_soon<TypeParam>(q, 1, kT0 + 100s, 30s);
  ASSERT_EQ(retried->size(), 1u);
  const auto& got = retried->front();
  EXPECT_EQ(got.attempts, 1u);
  ASSERT_TRUE(got.result_status);
  EXPECT_EQ(*got.result_status, 202u);
  EXPECT_EQ(got.result_body, call.result_body);
  EXPECT_EQ(got.result_headers, call.result_headers);
  EXPECT_DOUBLE_EQ(got.duration_seconds, 0.25);
  EXPECT_EQ(got.body, make_call("c1").body);  // the request is kept too

  ASSERT_TRUE(q.retry_later("c1", kT0 + 200s));
  auto third = lease_soon<TypeParam>(q, 1, kT0 + 200s, 30s);
  ASSERT_EQ(third->size(), 1u);
  EXPECT_EQ(third->front().attempts, 2u);
  ASSERT_TRUE(q.complete("c1"));
  EXPECT_EQ(depth_soon<TypeParam>(q, 0), 0u);
  EXPECT_EQ(code(q.record_result(call)), QueueErrc::not_found);
  EXPECT_EQ(code(q.retry_later("c1", kT0)), QueueErrc::not_found);
}

TYPED_TEST(QueueContract, ReleaseLeasesMakesLeasedCallsDue) {
  auto& q = this->queue();
  if constexpr (TypeParam::kServerTime) {
    // Nothing to release: a leased call comes back once the server's ack_wait passes.
    ASSERT_TRUE(q.enqueue(make_call("c1"), {}));
    ASSERT_EQ(q.lease_calls(10, kT0, 300s)->size(), 1u);
    ASSERT_TRUE(q.release_leases());
    EXPECT_TRUE(q.lease_calls(10, kT0 + 1s, 1000s)->empty());
    auto again = lease_soon<TypeParam>(q, 10, kT0 + 1s, 1000s);
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ(again->front().id, "c1");
    return;
  }
  ASSERT_TRUE(q.enqueue(make_call("c1"), {}));
  ASSERT_TRUE(q.enqueue(make_call("c2"), {}));
  ASSERT_TRUE(q.retry_later("c2", kT0 + 500s));
  ASSERT_EQ(q.lease_calls(10, kT0, 300s)->size(), 1u);
  ASSERT_TRUE(q.release_leases());
  auto again = q.lease_calls(10, kT0 + 1s, 1000s);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().id, "c1");
  EXPECT_TRUE(q.lease_calls(10, kT0 + 499s, 1000s)->empty());  // a retry's due time is kept
  EXPECT_EQ(q.lease_calls(10, kT0 + 500s, 1000s)->size(), 1u);
}

TYPED_TEST(QueueContract, ConcurrentWorkersLeaseEachCallOnce) {
  auto& q = this->queue();
  constexpr int kCalls = 60;
  for (int i = 0; i < kCalls; ++i) ASSERT_TRUE(q.enqueue(make_call("call-" + std::to_string(i)), {}));
  std::mutex mu;
  std::multiset<std::string> seen;
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (true) {
        auto got = q.lease_calls(2, kT0, 300s);
        if (!got) {
          ++failures;
          return;
        }
        if (got->empty()) return;
        for (const auto& c : *got) {
          {
            std::lock_guard lock(mu);
            seen.insert(c.id);
          }
          if (!q.complete(c.id)) ++failures;
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kCalls));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), static_cast<std::size_t>(kCalls));
  EXPECT_EQ(*q.depth(), 0u);
}

// ---- the bounds (QueueLimits) -------------------------------------------------------------

AsyncCall sized_call(std::string id, std::size_t body_bytes, std::string function = "echo",
                     std::string ns = "openfaas-fn") {
  auto c = make_call(std::move(id));
  c.function = std::move(function);
  c.namespace_ = std::move(ns);
  c.body = std::string(body_bytes, 'b');
  return c;
}

template <class T>
std::string message(const Result<T>& r) {
  return r ? std::string() : r.error().message;
}

TYPED_TEST(QueueContract, QueueCallLimitRefusesBeyondItAndCompletingFreesRoom) {
  auto& q = this->queue();
  QueueLimits limits;
  limits.max_calls = 3;
  for (const char* id : {"c1", "c2", "c3"}) ASSERT_TRUE(q.enqueue(make_call(id), limits));
  auto refused = q.enqueue(make_call("c4"), limits);
  EXPECT_EQ(code(refused), QueueErrc::full);
  EXPECT_NE(message(refused).find("3 calls"), std::string::npos) << message(refused);
  EXPECT_EQ(*q.depth(), 3u) << "a refused call is not stored";
  // A leased call still holds its place: its row is there until it completes.
  ASSERT_EQ(q.lease_calls(1, kT0, 30s)->size(), 1u);
  EXPECT_EQ(code(q.enqueue(make_call("c4"), limits)), QueueErrc::full);
  ASSERT_TRUE(q.complete("c1"));
  ASSERT_TRUE(q.enqueue(make_call("c4"), limits)) << "completing a call frees its place";
  EXPECT_EQ(code(q.enqueue(make_call("c5"), limits)), QueueErrc::full);
  EXPECT_TRUE(q.enqueue(make_call("c5"), {})) << "the limits are the caller's, per enqueue";
}

TYPED_TEST(QueueContract, QueueByteLimitCountsBodiesAndResults) {
  auto& q = this->queue();
  if constexpr (TypeParam::kServerTime) {
    // The stream's max_bytes counts what the server stores: bodies with their envelopes.
    QueueLimits limits;
    limits.max_bytes = 4000;
    ASSERT_TRUE(q.enqueue(sized_call("a", 1000), limits));
    ASSERT_TRUE(q.enqueue(sized_call("b", 1000), limits));
    auto refused = q.enqueue(sized_call("c", 1500), limits);
    EXPECT_EQ(code(refused), QueueErrc::full);
    EXPECT_NE(message(refused).find("4000 bytes"), std::string::npos) << message(refused);
    auto leased = q.lease_calls(1, kT0, 30s);
    ASSERT_EQ(leased->size(), 1u);
    ASSERT_TRUE(q.complete(leased->front().id));
    depth_soon<TypeParam>(q, 1);
    EXPECT_TRUE(q.enqueue(sized_call("c", 1500), limits)) << "completing a call frees its bytes";
    return;
  }
  QueueLimits limits;
  limits.max_bytes = 100;
  ASSERT_TRUE(q.enqueue(sized_call("a", 60), limits));
  auto refused = q.enqueue(sized_call("b", 41), limits);
  EXPECT_EQ(code(refused), QueueErrc::full);
  EXPECT_NE(message(refused).find("100 bytes"), std::string::npos) << message(refused);
  ASSERT_TRUE(q.enqueue(sized_call("b", 40), limits)) << "exactly at the limit is within it";
  EXPECT_EQ(code(q.enqueue(sized_call("c", 1), limits)), QueueErrc::full);
  ASSERT_TRUE(q.enqueue(sized_call("empty", 0), limits)) << "an empty body takes no bytes";
  ASSERT_TRUE(q.complete("b"));  // unleased: the local queues remove any queued call
  ASSERT_TRUE(q.enqueue(sized_call("c", 30), limits));
  // A result kept for its callback takes room too: 60 + 30 in bodies, + 10 of result is 100.
  auto leased = q.lease_calls(10, kT0, 30s);
  ASSERT_TRUE(leased);
  auto with_result = *std::find_if(leased->begin(), leased->end(), [](const AsyncCall& c) { return c.id == "a"; });
  with_result.result_status = 200;
  with_result.result_body = std::string(10, 'r');
  ASSERT_TRUE(q.record_result(with_result));
  EXPECT_EQ(code(q.enqueue(sized_call("d", 1), limits)), QueueErrc::full);
  ASSERT_TRUE(q.complete("a"));
  EXPECT_TRUE(q.enqueue(sized_call("d", 70), limits));
}

TYPED_TEST(QueueContract, QueuePerFunctionLimitsLeaveOtherFunctionsRoom) {
  auto& q = this->queue();
  QueueLimits limits;
  limits.max_calls_per_function = 2;
  limits.max_bytes_per_function = 50;
  ASSERT_TRUE(q.enqueue(sized_call("e1", 10, "echo"), limits));
  ASSERT_TRUE(q.enqueue(sized_call("e2", 10, "echo"), limits));
  auto calls = q.enqueue(sized_call("e3", 10, "echo"), limits);
  EXPECT_EQ(code(calls), QueueErrc::full);
  EXPECT_NE(message(calls).find("echo"), std::string::npos) << "the message names the function";
  EXPECT_NE(message(calls).find("2 calls"), std::string::npos) << message(calls);
  // Another function, and the same name in another namespace, have their own room.
  ASSERT_TRUE(q.enqueue(sized_call("o1", 10, "other"), limits));
  ASSERT_TRUE(q.enqueue(sized_call("t1", 10, "echo", "team"), limits));
  // Bytes, per function.
  auto bytes = q.enqueue(sized_call("o2", 41, "other"), limits);
  if constexpr (TypeParam::kServerTime) {
    // JetStream keeps no bytes per subject: only a call beyond the limit by itself is refused.
    EXPECT_TRUE(bytes) << message(bytes);
    auto alone = q.enqueue(sized_call("o3", 51, "other"), limits);
    EXPECT_EQ(code(alone), QueueErrc::full);
    EXPECT_NE(message(alone).find("50 bytes"), std::string::npos) << message(alone);
  } else {
    EXPECT_EQ(code(bytes), QueueErrc::full);
    EXPECT_NE(message(bytes).find("50 bytes"), std::string::npos) << message(bytes);
    ASSERT_TRUE(q.enqueue(sized_call("o2", 40, "other"), limits));
  }
  auto first = q.lease_calls(1, kT0, 30s);  // e1, the first to arrive
  ASSERT_EQ(first->size(), 1u);
  ASSERT_EQ(first->front().id, "e1");
  ASSERT_TRUE(q.complete("e1"));
  depth_soon<TypeParam>(q, 4);
  EXPECT_TRUE(q.enqueue(sized_call("e3", 10, "echo"), limits));
  EXPECT_EQ(*q.depth(), 5u);
}

// The check and the insert are one step: of many enqueues racing for the last places, exactly
// as many as there are places get in.
TYPED_TEST(QueueContract, ConcurrentEnqueuesNeverOvershootALimit) {
  auto& q = this->queue();
  QueueLimits limits;
  limits.max_calls = 5;
  std::atomic<int> accepted{0}, full{0}, other{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto r = q.enqueue(make_call("t" + std::to_string(t) + "-" + std::to_string(i)), limits);
        if (r) ++accepted;
        else if (r.error().code == QueueErrc::full) ++full;
        else ++other;
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(accepted.load(), 5);
  EXPECT_EQ(full.load(), 35);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(*q.depth(), 5u);
}

TYPED_TEST(QueueContract, ReclaimSpaceKeepsQueuedCalls) {
  auto& q = this->queue();
  ASSERT_TRUE(q.enqueue(sized_call("gone", 4096), {}));
  ASSERT_TRUE(q.enqueue(sized_call("kept", 4096), {}));
  auto gone = q.lease_calls(1, kT0, 30s);
  ASSERT_EQ(gone->size(), 1u);
  ASSERT_EQ(gone->front().id, "gone");
  ASSERT_TRUE(q.complete("gone"));
  ASSERT_TRUE(q.reclaim_space());
  ASSERT_TRUE(q.reclaim_space()) << "with nothing to give back, too";
  auto leased = q.lease_calls(10, kT0, 30s);
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_EQ(leased->front().id, "kept");
  EXPECT_EQ(leased->front().body, std::string(4096, 'b'));
}

// ---- what queue.hpp promises beyond the tests above ---------------------------------------

TYPED_TEST(QueueContract, CallIdsAndLeasesAreValidated) {
  auto& q = this->queue();
  auto long_id = q.enqueue(make_call(std::string(257, 'i')), {});
  EXPECT_EQ(code(long_id), QueueErrc::invalid);
  EXPECT_EQ(message(long_id).find('\n'), std::string::npos);
  EXPECT_TRUE(q.enqueue(make_call(std::string(256, 'i')), {}));
  EXPECT_EQ(code(q.lease_calls(1, kT0, -1s)), QueueErrc::invalid);
  EXPECT_TRUE(q.lease_calls(1, kT0, 1s));
  EXPECT_EQ(*q.depth(), 1u);
}

TYPED_TEST(QueueContract, ADuplicateIdKeepsTheQueuedCall) {
  auto& q = this->queue();
  ASSERT_TRUE(q.enqueue(make_call("c1"), {}));
  auto other = make_call("c1");
  other.body = "another body";
  auto dup = q.enqueue(other, {});
  EXPECT_EQ(code(dup), QueueErrc::already_exists);
  EXPECT_NE(message(dup).find("c1"), std::string::npos) << message(dup);
  EXPECT_EQ(*q.depth(), 1u);
  auto leased = q.lease_calls(10, kT0, 30s);
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_EQ(leased->front().body, make_call("c1").body);
}

TYPED_TEST(QueueContract, UnknownCallsAreNotFoundByName) {
  auto& q = this->queue();
  for (const auto& r : {q.complete("ghost"), q.retry_later("ghost", kT0), q.record_result(make_call("ghost")),
                        q.extend_lease("ghost", kT0, 30s)}) {
    EXPECT_EQ(code(r), QueueErrc::not_found);
    EXPECT_NE(message(r).find("ghost"), std::string::npos) << message(r);
  }
  EXPECT_EQ(*q.depth(), 0u) << "record_result does not create a call";
}

// A result body or headers without a status are not kept, whether enqueued or recorded.
TYPED_TEST(QueueContract, AResultWithoutAStatusIsNotKept) {
  auto& q = this->queue();
  auto call = make_call("c1");
  call.result_body = "stray";
  call.result_headers = {{"X-Stray", "1"}};
  ASSERT_TRUE(q.enqueue(call, {}));
  auto leased = q.lease_calls(1, kT0, 30s);
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_FALSE(leased->front().result_status);
  EXPECT_TRUE(leased->front().result_body.empty());
  EXPECT_TRUE(leased->front().result_headers.empty());
  call.duration_seconds = 0.5;
  ASSERT_TRUE(q.record_result(call));
  ASSERT_TRUE(q.retry_later("c1", kT0));
  auto again = lease_soon<TypeParam>(q, 1, kT0, 30s);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_FALSE(again->front().result_status);
  EXPECT_TRUE(again->front().result_body.empty());
  EXPECT_TRUE(again->front().result_headers.empty());
  EXPECT_DOUBLE_EQ(again->front().duration_seconds, 0.5);
}

// A call bigger than a byte limit never fits, even in an empty queue; it is `full` all the same
// (the gateway answers 413 before it gets here, for a body no drained queue could take).
TYPED_TEST(QueueContract, ACallBiggerThanAByteLimitIsFullInAnEmptyQueue) {
  auto& q = this->queue();
  QueueLimits all;
  all.max_bytes = 10;
  EXPECT_EQ(code(q.enqueue(sized_call("big", 11), all)), QueueErrc::full);
  QueueLimits per_function;
  per_function.max_bytes_per_function = 10;
  auto refused = q.enqueue(sized_call("big", 11), per_function);
  EXPECT_EQ(code(refused), QueueErrc::full);
  EXPECT_NE(message(refused).find("echo"), std::string::npos) << message(refused);
  EXPECT_EQ(*q.depth(), 0u);
  if constexpr (TypeParam::kServerTime) {
    // The stream counts the envelope too: 10 bytes of body are more than 10 bytes stored.
    auto envelope = q.enqueue(sized_call("fits", 10), all);
    EXPECT_EQ(code(envelope), QueueErrc::full);
    EXPECT_NE(message(envelope).find("envelopes"), std::string::npos) << message(envelope);
  } else {
    EXPECT_TRUE(q.enqueue(sized_call("fits", 10), all));
  }
}

// A worker running a long call keeps its lease: the call is not handed out again.
TYPED_TEST(QueueContract, ExtendLeaseKeepsALeasedCall) {
  auto& q = this->queue();
  ASSERT_TRUE(q.enqueue(make_call("c1"), {}));
  ASSERT_EQ(q.lease_calls(1, kT0, kAckWait)->size(), 1u);
  EXPECT_EQ(code(q.extend_lease("c1", kT0, 0s)), QueueErrc::invalid);
  if constexpr (TypeParam::kServerTime) {
    // Three ack_waits of heartbeats, every third of one: never redelivered meanwhile.
    const auto end = std::chrono::steady_clock::now() + 3 * kAckWait;
    while (std::chrono::steady_clock::now() < end) {
      ASSERT_TRUE(q.extend_lease("c1", kT0, kAckWait));
      EXPECT_TRUE(q.lease_calls(1, kT0, kAckWait)->empty());
      std::this_thread::sleep_for(kAckWait / 3);
    }
  } else {
    ASSERT_TRUE(q.extend_lease("c1", kT0 + 1s, kAckWait));
    EXPECT_TRUE(q.lease_calls(1, kT0 + kAckWait, kAckWait)->empty()) << "the lease now runs to kT0 + 1s + lease";
    EXPECT_EQ(q.lease_calls(1, kT0 + 1s + kAckWait, kAckWait)->size(), 1u);
    EXPECT_EQ(code(q.extend_lease("ghost", kT0, kAckWait)), QueueErrc::not_found);
  }
  ASSERT_TRUE(q.complete("c1"));
}

// ---- JetStream only: a server that is away, and its message size --------------------------

TEST(JetStreamQueue, AnUnreachableServerIsUnavailableAndThenServesAgain) {
  nats::testing::NatsServer server;
  auto c = nats::Connection::connect({.url = server.url(), .reconnect_wait = 100ms});
  ASSERT_TRUE(c);
  for (int i = 0; i < 500 && !(*c)->connected(); ++i) std::this_thread::sleep_for(10ms);
  JetStreamQueue q(**c, {.queue = "away", .ack_wait = kAckWait, .fetch_wait = 50ms});
  ASSERT_TRUE(q.enqueue(make_call("before"), {}));
  server.stop();
  for (int i = 0; i < 500 && (*c)->connected(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(code(q.enqueue(make_call("during"), {})), QueueErrc::unavailable);
  EXPECT_EQ(code(q.lease_calls(1, kT0, kAckWait)), QueueErrc::unavailable);
  EXPECT_EQ(code(q.depth()), QueueErrc::unavailable);
  server.start();
  for (int i = 0; i < 500 && !(*c)->connected(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(q.enqueue(make_call("after"), {}));
  std::set<std::string> seen;
  for (int i = 0; i < 100 && seen.size() < 2; ++i) {
    auto got = q.lease_calls(10, kT0, kAckWait);
    if (!got) continue;  // the subscription may take a moment to resume
    for (const auto& call : *got) {
      seen.insert(call.id);
      ASSERT_TRUE(q.complete(call.id));
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"before", "after"})) << "the call stored before the outage is kept";
}

// A lease nobody completed, rescheduled or extended for two leases is forgotten: JetStream has
// handed the message out again by then, and the map of leased messages stays bounded by the work
// in hand. One extended meanwhile is kept.
TEST(JetStreamQueue, ALeaseLeftBehindForTwoLeasesIsForgotten) {
  auto c = nats::Connection::connect({.url = JetStreamImpl::server().url()});
  ASSERT_TRUE(c);
  for (int i = 0; i < 500 && !(*c)->connected(); ++i) std::this_thread::sleep_for(10ms);
  JetStreamQueue q(**c, {.queue = "abandoned", .ack_wait = kAckWait, .fetch_wait = 50ms});
  ASSERT_TRUE(q.enqueue(make_call("left"), {}));
  ASSERT_TRUE(q.enqueue(make_call("kept"), {}));
  std::set<std::string> leased;
  for (int i = 0; i < 100 && leased.size() < 2; ++i)
    if (auto got = q.lease_calls(10, kT0, kAckWait))
      for (const auto& call : *got) leased.insert(call.id);
  ASSERT_EQ(leased, (std::set<std::string>{"left", "kept"}));
  ASSERT_TRUE(q.extend_lease("kept", kT0 + kAckWait, kAckWait));
  (void)q.lease_calls(1, kT0 + 2 * kAckWait, kAckWait);  // "left" was last touched two leases ago
  EXPECT_EQ(code(q.complete("left")), QueueErrc::not_found);
  EXPECT_TRUE(q.complete("kept"));
}

TEST(JetStreamQueue, ACallBeyondTheServersMaxPayloadIsTooLarge) {
  auto c = nats::Connection::connect({.url = JetStreamImpl::server().url()});
  ASSERT_TRUE(c);
  for (int i = 0; i < 500 && !(*c)->connected(); ++i) std::this_thread::sleep_for(10ms);
  JetStreamQueue q(**c, {.queue = "payload"});
  auto big = q.enqueue(sized_call("big", static_cast<std::size_t>((*c)->max_payload())), {});
  EXPECT_EQ(code(big), QueueErrc::too_large);
  EXPECT_NE(message(big).find("max_payload"), std::string::npos) << message(big);
  EXPECT_EQ(JetStreamQueue::check_queue_name("faas-request"), std::nullopt);
  EXPECT_NE(JetStreamQueue::check_queue_name("a.b"), std::nullopt);
  EXPECT_NE(JetStreamQueue::check_queue_name(""), std::nullopt);
}

}  // namespace
}  // namespace faasgate::queue
