#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "faasgate/provider/logs.hpp"

namespace faasgate::provider {
namespace {

using namespace std::chrono_literals;
const auto kT0 = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50);

LogLine line(std::string text, std::string instance = "fn-0", std::chrono::seconds at = 0s,
             std::string name = "fn", std::string ns = "openfaas-fn") {
  LogLine l;
  l.name = std::move(name);
  l.namespace_ = std::move(ns);
  l.instance = std::move(instance);
  l.timestamp = kT0 + at;
  l.text = std::move(text);
  return l;
}

LogQuery query(std::string name = "fn", std::string ns = "openfaas-fn") {
  LogQuery q;
  q.name = std::move(name);
  q.namespace_ = std::move(ns);
  return q;
}

std::vector<std::string> texts(const std::vector<LogLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

TEST(LogStore, AppendAssignsIncreasingSequences) {
  LogStore store;
  EXPECT_EQ(store.last_sequence(), 0u);
  store.append(line("a"));
  store.append(line("b"));
  auto lines = store.read(query());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].sequence, 1u);
  EXPECT_EQ(lines[1].sequence, 2u);
  EXPECT_EQ(store.last_sequence(), 2u);
}

TEST(LogStore, QueriesAreScopedToOneFunction) {
  LogStore store;
  store.append(line("a", "fn-0", 0s, "fn", "dev"));
  store.append(line("b", "fn-0", 0s, "fn", "prod"));
  store.append(line("c", "fn2-0", 0s, "fn2", "dev"));
  EXPECT_EQ(texts(store.read(query("fn", "dev"))), std::vector<std::string>({"a"}));
  EXPECT_EQ(texts(store.read(query("fn", "prod"))), std::vector<std::string>({"b"}));
  EXPECT_TRUE(store.read(query("nope", "dev")).empty());
}

TEST(LogStore, InstanceSinceAndTail) {
  LogStore store;
  store.append(line("a0", "fn-0", 1s));
  store.append(line("b0", "fn-1", 2s));
  store.append(line("c0", "fn-0", 3s));
  store.append(line("d0", "fn-1", 4s));
  store.append(line("e0", "fn-0", 5s));

  auto q = query();
  q.instance = "fn-0";
  EXPECT_EQ(texts(store.read(q)), std::vector<std::string>({"a0", "c0", "e0"}));

  q = query();
  q.since = kT0 + 3s;  // inclusive
  EXPECT_EQ(texts(store.read(q)), std::vector<std::string>({"c0", "d0", "e0"}));

  q = query();
  q.tail = 2;
  EXPECT_EQ(texts(store.read(q)), std::vector<std::string>({"d0", "e0"}));

  q.instance = "fn-1";  // tail applies after the other filters
  EXPECT_EQ(texts(store.read(q)), std::vector<std::string>({"b0", "d0"}));

  q = query();
  q.tail = 0;
  EXPECT_TRUE(store.read(q).empty());
  q.tail = 100;
  EXPECT_EQ(store.read(q).size(), 5u);
}

TEST(LogStore, EvictsOldestBeyondLineLimit) {
  LogLimits limits;
  limits.max_lines_per_function = 3;
  LogStore store(limits);
  for (int i = 0; i < 10; ++i) store.append(line(std::to_string(i)));
  EXPECT_EQ(texts(store.read(query())), std::vector<std::string>({"7", "8", "9"}));
  store.append(line("other", "x-0", 0s, "other"));  // limits are per function
  EXPECT_EQ(store.read(query()).size(), 3u);
}

TEST(LogStore, EvictsOldestBeyondByteLimit) {
  LogLimits limits;
  limits.max_bytes_per_function = 100;  // a line costs its text plus its instance name
  LogStore store(limits);
  for (int i = 0; i < 10; ++i) store.append(line(std::string(26, static_cast<char>('a' + i)), "fn-0"));
  auto lines = store.read(query());
  ASSERT_EQ(lines.size(), 3u);  // 3 * 30 <= 100 < 4 * 30
  EXPECT_EQ(lines.back().text[0], 'j');
}

TEST(LogStore, CutsLongLinesWithoutSplittingUtf8) {
  LogLimits limits;
  limits.max_line_bytes = 5;
  LogStore store(limits);
  store.append(line("abcdefgh"));
  store.append(line("abcd\xC3\xA9z"));  // the é would straddle the cut
  auto lines = store.read(query());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "abcde");
  EXPECT_EQ(lines[1].text, "abcd");
}

TEST(LogStore, ReadAfterForFollowers) {
  LogStore store;
  store.append(line("a", "fn-0"));
  const auto mark = store.last_sequence();
  store.append(line("other", "x-0", 0s, "other"));
  store.append(line("b", "fn-1"));
  store.append(line("c", "fn-0"));
  store.append(line("d", "fn-0"));

  EXPECT_EQ(texts(store.read_after(query(), mark, 100)), std::vector<std::string>({"b", "c", "d"}));
  EXPECT_EQ(texts(store.read_after(query(), mark, 2)), std::vector<std::string>({"b", "c"}));
  auto q = query();
  q.instance = "fn-0";
  q.tail = 1;  // ignored
  EXPECT_EQ(texts(store.read_after(q, mark, 100)), std::vector<std::string>({"c", "d"}));
  EXPECT_TRUE(store.read_after(query(), store.last_sequence(), 100).empty());
}

TEST(LogStore, Remove) {
  LogStore store;
  store.append(line("a"));
  store.remove("openfaas-fn", "fn");
  EXPECT_TRUE(store.read(query()).empty());
}

TEST(LogStore, SubscribersAreCalledUntilTheyUnsubscribe) {
  LogStore store;
  int calls = 0;
  auto handle = store.subscribe([&] { ++calls; });
  EXPECT_TRUE(handle);
  store.append(line("a"));
  store.append(line("b"));
  EXPECT_EQ(calls, 2);
  handle.reset();
  store.append(line("c"));
  EXPECT_EQ(calls, 2);
}

TEST(LogStore, ListenerMayUnsubscribeItself) {
  LogStore store;
  int calls = 0;
  std::shared_ptr<void> handle;
  handle = store.subscribe([&] {
    ++calls;
    handle.reset();
  });
  store.append(line("a"));
  store.append(line("b"));
  EXPECT_EQ(calls, 1);
}

TEST(LogStore, HandleMayOutliveTheStore) {
  std::shared_ptr<void> handle;
  {
    LogStore store;
    handle = store.subscribe([] {});
  }
  handle.reset();  // must not touch the destroyed store
}

TEST(LogStore, ConcurrentAppendsAndReads) {
  LogLimits limits;
  limits.max_lines_per_function = 100'000;
  LogStore store(limits);
  std::atomic<int> notified{0};
  auto handle = store.subscribe([&] { ++notified; });
  constexpr int kThreads = 4, kLines = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) {
        store.append(line(std::to_string(i), "fn-" + std::to_string(t)));
        if (i % 100 == 0) (void)store.read_after(query(), 0, 10);
      }
    });
  }
  for (auto& th : threads) th.join();
  auto lines = store.read(query());
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  std::set<std::uint64_t> sequences;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    sequences.insert(lines[i].sequence);
    if (i > 0) {
      EXPECT_LT(lines[i - 1].sequence, lines[i].sequence);
    }
  }
  EXPECT_EQ(sequences.size(), lines.size());
  EXPECT_EQ(notified.load(), kThreads * kLines);
}

}  // namespace
}  // namespace faasgate::provider
