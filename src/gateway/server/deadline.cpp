#include "faasgate/server/deadline.hpp"

#include <algorithm>

namespace faasgate::server {

namespace asio = boost::asio;

DeadlineSweeper::DeadlineSweeper(asio::execution_context& owner)
    : asio::execution_context::service(owner), timer_(static_cast<asio::io_context&>(owner)) {}

void DeadlineSweeper::shutdown() {
  shut_down_ = true;
  deadlines_.clear();
}

void DeadlineSweeper::add(Deadline* deadline) {
  deadlines_.push_back(deadline);
  arm();
}

void DeadlineSweeper::remove(Deadline* deadline) {
  // Unordered removal: swap with the last. Connections end in any order.
  auto it = std::find(deadlines_.rbegin(), deadlines_.rend(), deadline);
  if (it == deadlines_.rend()) return;
  *it = deadlines_.back();
  deadlines_.pop_back();
}

void DeadlineSweeper::arm() {
  if (armed_ || shut_down_ || deadlines_.empty()) return;
  armed_ = true;
  timer_.expires_after(kSweepInterval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    armed_ = false;
    if (ec || shut_down_) return;
    sweep();
    arm();
  });
}

void DeadlineSweeper::sweep() {
  const auto now = Deadline::clock::now();
  for (Deadline* d : deadlines_) {
    if (d->expired_ || now < d->at_) continue;
    d->expired_ = true;
    boost::system::error_code ignored;
    d->socket_.close(ignored);  // pending operations complete with operation_aborted
  }
}

Deadline::Deadline(asio::ip::tcp::socket& socket)
    : socket_(socket),
      sweeper_(asio::use_service<DeadlineSweeper>(
          static_cast<asio::io_context&>(asio::query(socket.get_executor(), asio::execution::context)))) {
  sweeper_.add(this);
}

Deadline::~Deadline() { sweeper_.remove(this); }

}  // namespace faasgate::server
