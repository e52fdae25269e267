// Deadlines on a real loopback socket pair, on an io_context run by one thread (as in the server).
#include "faasgate/server/deadline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <optional>

namespace faasgate::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct Pair {
  explicit Pair(asio::io_context& io) : a(io), b(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    a.connect(acceptor.local_endpoint());
    acceptor.accept(b);
  }
  tcp::socket a, b;
};

struct ReadOutcome {
  boost::system::error_code ec;
  std::size_t bytes = 0;
  bool expired = false;
};

// Reads once from `socket` under a deadline of `timeout`, running `io` until the read ends.
ReadOutcome read_with_deadline(asio::io_context& io, tcp::socket& socket, std::chrono::milliseconds timeout) {
  std::optional<ReadOutcome> out;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        Deadline deadline(socket);
        deadline.expires_after(timeout);
        char buf[16];
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), use_tuple);
        out = ReadOutcome{ec, n, deadline.expired()};
      },
      asio::detached);
  io.run_for(std::chrono::seconds(10));  // bounded: a broken sweeper fails the test, not hangs it
  io.restart();
  EXPECT_TRUE(out.has_value()) << "the read never ended";
  return out.value_or(ReadOutcome{});
}

TEST(Deadline, ClosesTheSocketOfAnOperationThatOverruns) {
  asio::io_context io(1);
  Pair pair(io);
  auto outcome = read_with_deadline(io, pair.b, std::chrono::milliseconds(100));
  EXPECT_TRUE(outcome.expired);
  EXPECT_TRUE(outcome.ec) << "the read should have failed";
  EXPECT_FALSE(pair.b.is_open());
}

TEST(Deadline, LeavesAnOperationThatFinishesInTime) {
  asio::io_context io(1);
  Pair pair(io);
  asio::write(pair.a, asio::buffer("hi", 2));
  auto outcome = read_with_deadline(io, pair.b, std::chrono::seconds(5));
  EXPECT_FALSE(outcome.expired);
  EXPECT_FALSE(outcome.ec);
  EXPECT_EQ(outcome.bytes, 2u);
  EXPECT_TRUE(pair.b.is_open());
}

TEST(Deadline, NeverMeansNever) {
  asio::io_context io(1);
  Pair pair(io);
  bool expired = true;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        Deadline deadline(pair.b);
        deadline.expires_after(std::chrono::milliseconds(1));
        deadline.expires_never();
        asio::steady_timer wait(pair.b.get_executor(), 3 * DeadlineSweeper::kSweepInterval);
        co_await wait.async_wait(use_tuple);
        expired = deadline.expired();
      },
      asio::detached);
  io.run_for(std::chrono::seconds(10));
  EXPECT_FALSE(expired);
  EXPECT_TRUE(pair.b.is_open());
}

TEST(Deadline, TheSweeperStopsWhenNothingIsRegistered) {
  asio::io_context io(1);
  Pair pair(io);
  read_with_deadline(io, pair.b, std::chrono::milliseconds(50));
  // The Deadline is gone: with nothing to sweep the timer is not re-armed, so the context runs
  // out of work and run() returns by itself.
  EXPECT_EQ(asio::use_service<DeadlineSweeper>(io).registered(), 0u);
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(io.stopped());
}

}  // namespace
}  // namespace faasgate::server
