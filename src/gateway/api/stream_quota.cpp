#include "faasgate/api/stream_quota.hpp"

namespace faasgate::api {

core::Expected<StreamQuota::Slot, std::string> StreamQuota::acquire(const std::string& caller) {
  {
    std::lock_guard lock(state_->mu);
    if (state_->open >= state_->total) {
      return core::fail("the gateway serves at most " + std::to_string(state_->total) +
                        " log streams at once: retry later");
    }
    auto& mine = state_->by_caller[caller];
    if (mine >= state_->per_caller) {
      return core::fail("at most " + std::to_string(state_->per_caller) +
                        " log streams at once per caller: close one, or retry later");
    }
    ++mine;
    ++state_->open;
  }
  struct Held {
    Held(std::shared_ptr<State> s, std::string c) : state(std::move(s)), caller(std::move(c)) {}
    Held(const Held&) = delete;  // one Held per slot: its destructor gives the slot back
    Held& operator=(const Held&) = delete;
    std::shared_ptr<State> state;
    std::string caller;
    ~Held() {
      std::lock_guard lock(state->mu);
      --state->open;
      if (auto it = state->by_caller.find(caller); it != state->by_caller.end() && --it->second == 0)
        state->by_caller.erase(it);
    }
  };
  return Slot(std::make_shared<const Held>(state_, caller));
}

std::size_t StreamQuota::open() const {
  std::lock_guard lock(state_->mu);
  return state_->open;
}

}  // namespace faasgate::api
