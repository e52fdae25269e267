#include "faasgate/server/event_loops.hpp"

#include <spdlog/spdlog.h>

namespace faasgate::server {

namespace {

// Runs `io` until it is stopped, polling for up to `busy_poll` after it runs out of work before
// it blocks for the next event.
void run_loop(boost::asio::io_context& io, std::chrono::microseconds busy_poll) {
  if (busy_poll.count() <= 0) {
    io.run();
    return;
  }
  using clock = std::chrono::steady_clock;
  while (!io.stopped()) {
    if (io.poll() > 0) continue;
    const auto until = clock::now() + busy_poll;
    std::size_t handled = 0;
    while (handled == 0 && !io.stopped() && clock::now() < until) handled = io.poll();
    if (handled == 0 && !io.stopped()) io.run_one();
  }
}

}  // namespace

EventLoops::EventLoops(unsigned count, std::chrono::microseconds busy_poll) : busy_poll_(busy_poll) {
  if (count == 0) count = 1;
  for (unsigned i = 0; i < count; ++i) {
    // Concurrency hint 1: one thread runs this context, so the scheduler never wakes another.
    loops_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(loops_.back()->get_executor());
  }
}

EventLoops::~EventLoops() {
  stop();
  join();
}

boost::asio::io_context& EventLoops::next() noexcept {
  return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

void EventLoops::start() {
  for (auto& loop : loops_) {
    threads_.emplace_back([io = loop.get(), busy_poll = busy_poll_] {
      try {
        run_loop(*io, busy_poll);
      } catch (const std::exception& e) {
        // A handler let an exception escape: the process cannot serve correctly any more.
        spdlog::critical("event loop stopped by an exception: {}", e.what());
        std::terminate();
      }
    });
  }
}

void EventLoops::stop() {
  for (auto& guard : guards_) guard.reset();
  for (auto& loop : loops_) loop->stop();
}

void EventLoops::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace faasgate::server
