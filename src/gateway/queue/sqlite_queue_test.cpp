// What only SqliteQueue promises: calls survive a restart and kill -9, the file gives a drained
// queue's space back, the limits hold across connections, and the file it shares with the store -
// including one an older gateway left, with calls in it - keeps working.
#include "faasgate/queue/sqlite_queue.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "faasgate/store/sqlite_store.hpp"
#include "test_support.hpp"

namespace faasgate::queue {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
const core::Instant kT0 = core::from_unix(1'700'000'000);
constexpr std::string_view kPlain = "correct-horse-battery-staple-4711";

class SqliteQueueTest : public ::testing::Test {
 protected:
  fs::path db() const { return dir_.path() / "faasgate.db"; }

  Result<std::unique_ptr<SqliteQueue>> open() { return SqliteQueue::open(db()); }
  std::unique_ptr<SqliteQueue> open_ok() {
    auto q = open();
    EXPECT_TRUE(q) << (q ? "" : q.error().message);
    return q ? std::move(*q) : nullptr;
  }
  // The store, on the same file (the key beside it), as the gateway runs both.
  std::unique_ptr<store::SqliteStore> open_store(const store::SqliteOptions& options = {}) {
    auto s = store::SqliteStore::open(db(), dir_.path(), options);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }
  void sql(const std::string& statement) { sqlite::testing::raw_sql(db(), statement); }
  std::string scalar(const std::string& query) { return sqlite::testing::raw_scalar(db(), query); }
  std::uintmax_t on_disk() const {  // the database file and its WAL together, as `du` sees them
    std::uintmax_t total = 0;
    for (const auto& p : {db(), fs::path(db().string() + "-wal")}) {
      std::error_code ec;
      auto n = fs::file_size(p, ec);
      total += ec ? 0 : n;
    }
    return total;
  }

  sqlite::testing::TempDir dir_;
};

AsyncCall call(std::string id) {
  AsyncCall c;
  c.id = std::move(id);
  c.function = "echo";
  c.namespace_ = "openfaas-fn";
  c.path = "/x";
  c.body = "payload";
  c.enqueued_at = kT0;
  return c;
}

TEST_F(SqliteQueueTest, CallsAndLeasesSurviveCloseAndReopen) {
  {
    auto q = open_ok();
    ASSERT_TRUE(q);
    ASSERT_TRUE(q->enqueue(call("queued"), {}));
    ASSERT_TRUE(q->enqueue(call("leased"), {}));
    ASSERT_TRUE(q->retry_later("queued", kT0 + 10s));
    ASSERT_EQ(q->lease_calls(1, kT0, 60s)->size(), 1u);  // "leased"
  }
  auto q = open_ok();
  ASSERT_TRUE(q);
  EXPECT_EQ(*q->depth(), 2u);
  // The lease survived the restart too, until release_leases() (which the gateway calls at start).
  EXPECT_TRUE(q->lease_calls(10, kT0 + 1s, 60s)->empty());
  ASSERT_TRUE(q->release_leases());
  auto due = q->lease_calls(10, kT0 + 10s, 60s);
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].id, "leased");
  EXPECT_EQ((*due)[1].id, "queued");
  EXPECT_EQ((*due)[1].attempts, 1u);
}

// The durability promise: once enqueue() returned, kill -9 of the process does not lose the call.
TEST_F(SqliteQueueTest, AnEnqueuedCallSurvivesKill9) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    auto q = SqliteQueue::open(db());
    if (!q || !(*q)->enqueue(call("survivor"), {})) ::_exit(1);
    char ok = 'y';
    (void)::write(ready[1], &ok, 1);
    ::pause();  // killed here, with the connection still open and nothing closed cleanly
    ::_exit(2);
  }
  ::close(ready[1]);
  char got = 0;
  ASSERT_EQ(::read(ready[0], &got, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto q = open_ok();
  ASSERT_TRUE(q);
  auto leased = q->lease_calls(1, kT0, 30s);
  ASSERT_TRUE(leased);
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_EQ(leased->front().id, "survivor");
  EXPECT_EQ(leased->front().body, "payload");
}

// The gateway runs the store and the queue on one file, each on its own connection.
TEST_F(SqliteQueueTest, SharesTheFileWithTheStore) {
  auto s = open_store();
  auto q = open_ok();
  ASSERT_TRUE(s && q);
  ASSERT_TRUE(s->create_secret({"pw", "openfaas-fn"}, core::Secret(std::string(kPlain))));
  ASSERT_TRUE(q->enqueue(call("c1"), {}));
  EXPECT_EQ(s->secret_value({"pw", "openfaas-fn"})->reveal(), kPlain);
  EXPECT_EQ(*q->depth(), 1u);
  EXPECT_EQ(*s->schema_version(), store::SqliteStore::latest_schema_version());
  EXPECT_EQ(*q->schema_version(), SqliteQueue::latest_schema_version());
  s.reset();
  q.reset();
  EXPECT_TRUE(open_store());
  EXPECT_EQ(*open_ok()->depth(), 1u);
}

TEST_F(SqliteQueueTest, ANewFileIsPrivate) {
  auto q = open_ok();
  ASSERT_TRUE(q);
  ASSERT_TRUE(q->enqueue(call("c1"), {}));
  struct stat st {};
  ASSERT_EQ(::stat(db().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((db().string() + "-wal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// ---- migrations ---------------------------------------------------------------------------

// A gateway from before the queue was a module of its own: the store's schema step 2 made the
// table (this is its statement, as released), and calls are waiting in it. Upgraded in place,
// the gateway keeps them.
TEST_F(SqliteQueueTest, KeepsTheCallsAnOlderGatewayQueued) {
  ASSERT_TRUE(open_store());
  sql(R"sql(
CREATE TABLE async_calls (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT NOT NULL UNIQUE,
  function         TEXT NOT NULL,
  ns               TEXT NOT NULL,
  method           TEXT NOT NULL,
  path             TEXT NOT NULL,
  query            TEXT NOT NULL,
  headers          TEXT NOT NULL,
  body             BLOB NOT NULL,
  callback_url     TEXT NOT NULL,
  enqueued_at      INTEGER NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  due_at           INTEGER NOT NULL,
  lease_until      INTEGER,
  result_status    INTEGER,
  result_body      BLOB,
  result_headers   TEXT,
  duration_seconds REAL NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX async_calls_due ON async_calls (due_at, seq);
INSERT INTO async_calls (id, function, ns, method, path, query, headers, body, callback_url, enqueued_at, attempts,
                         due_at, lease_until, result_status, result_body, result_headers, duration_seconds)
VALUES ('ran', 'echo', 'team', 'PUT', '/p', 'a=1', '[["X-A","1"],["X-A","2"]]', X'6F6C64', 'http://127.0.0.1:9/cb',
        1700000000, 2, 1700000005, 1700000300, 202, X'6F7574', '[["Content-Type","text/plain"]]', 0.25),
       ('waiting', 'echo', 'team', 'POST', '', '', '[]', X'', '', 1700000001, 0, 1700000001, NULL, NULL, NULL, NULL, 0);
)sql");
  ASSERT_EQ(scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'queue_schema'"), "0");

  auto q = open_ok();
  ASSERT_TRUE(q);
  EXPECT_EQ(*q->schema_version(), SqliteQueue::latest_schema_version());
  EXPECT_EQ(*q->depth(), 2u);
  ASSERT_TRUE(q->release_leases());
  auto leased = q->lease_calls(10, kT0 + 10s, 30s);
  ASSERT_TRUE(leased) << leased.error().message;
  ASSERT_EQ(leased->size(), 2u);
  const auto& waiting = (*leased)[0];
  EXPECT_EQ(waiting.id, "waiting");
  EXPECT_TRUE(waiting.body.empty());
  EXPECT_FALSE(waiting.result_status);
  const auto& ran = (*leased)[1];
  EXPECT_EQ(ran.id, "ran");
  EXPECT_EQ(ran.function, "echo");
  EXPECT_EQ(ran.namespace_, "team");
  EXPECT_EQ(ran.method, "PUT");
  EXPECT_EQ(ran.path, "/p");
  EXPECT_EQ(ran.query, "a=1");
  EXPECT_EQ(ran.headers, (std::vector<std::pair<std::string, std::string>>{{"X-A", "1"}, {"X-A", "2"}}));
  EXPECT_EQ(ran.body, "old");
  EXPECT_EQ(ran.callback_url, "http://127.0.0.1:9/cb");
  EXPECT_EQ(ran.enqueued_at, kT0);
  EXPECT_EQ(ran.attempts, 2u);
  ASSERT_TRUE(ran.result_status);
  EXPECT_EQ(*ran.result_status, 202u);
  EXPECT_EQ(ran.result_body, "out");
  EXPECT_EQ(ran.result_headers, (std::vector<std::pair<std::string, std::string>>{{"Content-Type", "text/plain"}}));
  EXPECT_DOUBLE_EQ(ran.duration_seconds, 0.25);
  // New calls go into the same table; the store opens the file as before.
  ASSERT_TRUE(q->enqueue(call("new"), {}));
  EXPECT_EQ(*q->depth(), 3u);
  auto s = open_store();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->schema_version(), store::SqliteStore::latest_schema_version());
}

// A database from before the queue existed (the store's schema version 1): the queue makes its
// table, beside the store's objects.
TEST_F(SqliteQueueTest, AddsItsTableToAnOlderDatabase) {
  {
    auto old = open_store({.migrate_to = 1});
    ASSERT_TRUE(old);
    ASSERT_TRUE(old->create_secret({"pw", "openfaas-fn"}, core::Secret(std::string(kPlain))));
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'async_calls'"), "0");
  auto s = open_store();
  auto q = open_ok();
  ASSERT_TRUE(s && q);
  EXPECT_EQ(s->secret_value({"pw", "openfaas-fn"})->reveal(), kPlain);
  ASSERT_TRUE(q->enqueue(call("c"), {}));
  EXPECT_EQ(q->lease_calls(1, kT0, 30s)->size(), 1u);
  // Opening again is a no-op.
  q.reset();
  EXPECT_EQ(*open_ok()->schema_version(), SqliteQueue::latest_schema_version());
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_schema"), "1");
}

TEST_F(SqliteQueueTest, ANewerQueueSchemaIsRefused) {
  { ASSERT_TRUE(open_ok()); }
  sql("UPDATE queue_schema SET version = 99");
  auto q = open();
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, QueueErrc::io);
  EXPECT_NE(q.error().message.find("99"), std::string::npos);
  EXPECT_NE(q.error().message.find("upgrade"), std::string::npos);
}

// Without its table (dropped by hand), the queue answers io rather than anything else.
TEST_F(SqliteQueueTest, AMissingTableIsAnIoError) {
  auto q = open_ok();
  ASSERT_TRUE(q);
  sql("DROP TABLE async_calls");
  EXPECT_EQ(q->enqueue(call("c"), {}).error().code, QueueErrc::io);
  EXPECT_EQ(q->depth().error().code, QueueErrc::io);
}

TEST_F(SqliteQueueTest, CorruptRowsAreReportedNotHalfRead) {
  auto q = open_ok();
  ASSERT_TRUE(q);
  ASSERT_TRUE(q->enqueue(call("c1"), {}));
  sql("UPDATE async_calls SET headers = '{\"a\": 1}'");
  auto leased = q->lease_calls(1, kT0, 30s);
  ASSERT_FALSE(leased);
  EXPECT_EQ(leased.error().code, QueueErrc::io);
  EXPECT_NE(leased.error().message.find("c1"), std::string::npos);
  EXPECT_EQ(*q->depth(), 1u) << "the call stays queued";
}

TEST_F(SqliteQueueTest, UnopenableDatabaseIsAnIoError) {
  auto q = SqliteQueue::open(dir_.path() / "missing-dir" / "faasgate.db");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, QueueErrc::io);
}

// ---- the queue's disk space ----------------------------------------------------------------

// A burst of big calls, drained: the file gives the space back instead of staying at its
// high-water mark.
TEST_F(SqliteQueueTest, DrainedQueueGivesItsSpaceBack) {
  auto q = open_ok();
  ASSERT_TRUE(q);
  const auto empty = on_disk();
  constexpr int kCalls = 32;
  for (int i = 0; i < kCalls; ++i) {
    auto c = call("big-" + std::to_string(i));
    c.body = std::string(256 * 1024, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(q->enqueue(c, {}));
  }
  ASSERT_GE(on_disk(), empty + 8u * 1024 * 1024);
  for (int i = 0; i < kCalls; ++i) ASSERT_TRUE(q->complete("big-" + std::to_string(i)));
  ASSERT_TRUE(q->reclaim_space());
  EXPECT_LT(on_disk(), empty + 1024 * 1024) << "a drained queue leaves no more than 1 MiB behind";
  // Still a working database, in WAL mode.
  ASSERT_TRUE(q->enqueue(call("after"), {}));
  EXPECT_EQ(*q->depth(), 1u);
  EXPECT_EQ(scalar("PRAGMA journal_mode"), "wal");
}

// A database made by a gateway from before auto_vacuum is converted once, when it is opened,
// keeping everything in it; after that it gives space back as a new one does.
TEST_F(SqliteQueueTest, ADatabaseWithoutAutoVacuumIsConvertedAtOpen) {
  {
    auto s = open_store();
    auto q = open_ok();
    ASSERT_TRUE(s && q);
    ASSERT_TRUE(s->create_secret({"pw", "openfaas-fn"}, core::Secret(std::string(kPlain))));
    ASSERT_TRUE(q->enqueue(call("kept"), {}));
  }
  sql("PRAGMA auto_vacuum = NONE; VACUUM");
  ASSERT_EQ(scalar("PRAGMA auto_vacuum"), "0") << "the database is now as an older gateway left it";
  auto q = open_ok();
  ASSERT_TRUE(q);
  EXPECT_EQ(scalar("PRAGMA auto_vacuum"), "2");  // incremental
  auto s = open_store();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->secret_value({"pw", "openfaas-fn"})->reveal(), kPlain);
  EXPECT_EQ(*q->depth(), 1u);
  for (int i = 0; i < 16; ++i) {
    auto c = call("big-" + std::to_string(i));
    c.body = std::string(256 * 1024, 'x');
    ASSERT_TRUE(q->enqueue(c, {}));
  }
  const auto full = on_disk();
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(q->complete("big-" + std::to_string(i)));
  ASSERT_TRUE(q->reclaim_space());
  EXPECT_LT(on_disk(), full / 2);
}

// The limits hold across connections too (another process on the same file, as a second
// gateway would be): the count and the insert are one write transaction.
TEST_F(SqliteQueueTest, QueueLimitsHoldAcrossConnections) {
  auto a = open_ok();
  auto b = open_ok();
  ASSERT_TRUE(a && b);
  QueueLimits limits;
  limits.max_calls = 4;
  std::atomic<int> accepted{0}, other{0};
  auto run = [&](SqliteQueue& q, const std::string& prefix) {
    for (int i = 0; i < 10; ++i) {
      auto r = q.enqueue(call(prefix + std::to_string(i)), limits);
      if (r) ++accepted;
      else if (r.error().code != QueueErrc::full) ++other;
    }
  };
  std::thread ta([&] { run(*a, "a"); });
  std::thread tb([&] { run(*b, "b"); });
  ta.join();
  tb.join();
  EXPECT_EQ(accepted.load(), 4);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(*a->depth(), 4u);
}

}  // namespace
}  // namespace faasgate::queue
