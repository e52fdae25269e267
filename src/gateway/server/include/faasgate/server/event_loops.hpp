#pragma once
// The threads that serve connections: one io_context per thread, and each connection lives on
// one of them from accept to close.
//
// Why not one io_context run by every thread (Asio's default): then a completion is picked up by
// whichever thread wakes first, a connection's steps hop between threads, per-connection strands
// are needed to serialise them, and the scheduler wakes idle threads for each queued handler. On
// a virtual machine every such wakeup is an inter-processor interrupt that costs microseconds.
// With a loop per thread, a request - and the function call it proxies, on a pooled upstream
// connection of the same loop - runs start to finish on one thread without locks or handoffs.
// The cost: connections are balanced when accepted (round robin), not per request.
//
// Busy polling (off by default): after a loop has run out of work it may keep polling for new
// events for a short window before it sleeps. On a virtual machine, waking a thread whose vCPU
// went idle costs tens of microseconds (the host must schedule the vCPU again), and a proxied
// call has two such wakeups inside the gateway: the request arriving and the function's answer.
// A window a little longer than a function's round trip removes both, at the price of CPU time
// spent polling - which counts against a container's CPU quota, hence off unless asked for.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace faasgate::server {

class EventLoops {
 public:
  // `busy_poll`: how long a loop keeps polling before it sleeps (0: it sleeps at once).
  explicit EventLoops(unsigned count, std::chrono::microseconds busy_poll = std::chrono::microseconds(0));
  ~EventLoops();  // stops and joins
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  unsigned size() const noexcept { return static_cast<unsigned>(loops_.size()); }
  boost::asio::io_context& at(unsigned i) { return *loops_.at(i); }
  // The loop for the next connection (round robin).
  boost::asio::io_context& next() noexcept;

  void start();  // one thread per loop; the loops run until stop()
  void stop();   // makes every loop return (pending work is abandoned); idempotent
  void join();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<unsigned> next_{0};
  std::chrono::microseconds busy_poll_;
};

}  // namespace faasgate::server
