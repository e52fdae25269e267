#pragma once
// Socket timeouts without a timer per operation.
//
// beast::tcp_stream arms, and on completion cancels, a timer around every read and write; on the
// epoll reactor that is a timer-queue update per operation and often a timerfd_settime system
// call. A keep-alive HTTP exchange is several operations, so at tens of thousands of requests
// per second those timers cost more than the parsing. Here a socket carries a Deadline - a time
// point, set with a store - and one sweeper per io_context closes the sockets whose deadline has
// passed, a few times a second. A timeout therefore fires up to kSweepInterval late, which is
// nothing next to timeouts counted in seconds.
//
// Threading: a Deadline, its socket and the sweeper of their io_context are used on that
// io_context's thread only. Use it on io_contexts that one thread runs (server::EventLoops, the
// gateway's control loop); the sweeper takes no locks.
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <vector>

namespace faasgate::server {

class Deadline;

// One per io_context (an Asio service): the registry of that context's deadlines and the timer
// that sweeps it. The timer runs only while deadlines are registered.
class DeadlineSweeper final : public boost::asio::execution_context::service {
 public:
  static constexpr std::chrono::milliseconds kSweepInterval{250};
  static inline boost::asio::execution_context::id id;

  // `owner` must be an io_context (Deadline only ever asks an io_context for this service).
  explicit DeadlineSweeper(boost::asio::execution_context& owner);

  std::size_t registered() const noexcept { return deadlines_.size(); }

 private:
  friend class Deadline;
  void shutdown() override;
  void add(Deadline* deadline);
  void remove(Deadline* deadline);
  void arm();
  void sweep();

  boost::asio::steady_timer timer_;
  std::vector<Deadline*> deadlines_;
  bool armed_ = false;
  bool shut_down_ = false;
};

// A deadline for the operations on one socket. The socket must outlive the Deadline, and both
// must not move (keep them side by side in an object that stays put).
class Deadline {
 public:
  using clock = std::chrono::steady_clock;

  explicit Deadline(boost::asio::ip::tcp::socket& socket);
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // Operations still pending when `timeout` has passed fail: the socket is closed.
  void expires_after(clock::duration timeout) noexcept { at_ = clock::now() + timeout; }
  void expires_at(clock::time_point at) noexcept { at_ = at; }
  void expires_never() noexcept { at_ = clock::time_point::max(); }
  // True once the sweeper closed the socket because the deadline passed: an operation's error is
  // then a timeout, not the peer's doing.
  bool expired() const noexcept { return expired_; }

 private:
  friend class DeadlineSweeper;
  boost::asio::ip::tcp::socket& socket_;
  DeadlineSweeper& sweeper_;
  clock::time_point at_ = clock::time_point::max();
  bool expired_ = false;
};

}  // namespace faasgate::server
