#include "reloader.hpp"

namespace faasgate::app {

Reloader::Reloader(std::chrono::milliseconds period, std::vector<Chore> chores)
    : period_(period), chores_(std::move(chores)) {}

Reloader::~Reloader() { stop(); }

void Reloader::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
      lock.unlock();
      for (const auto& chore : chores_) chore();
      lock.lock();
    }
  });
}

void Reloader::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace faasgate::app
