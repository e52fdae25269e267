#pragma once
// A cap on long-lived streams (logs with follow), per caller and in total. Each stream holds a
// connection and a poll loop for as long as it lasts, so without a cap one caller could hold them
// all. Thread-safe; a slot is given back when the last copy of it is destroyed.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "faasgate/core/result.hpp"

namespace faasgate::api {

class StreamQuota {
 public:
  StreamQuota(std::size_t total, std::size_t per_caller) : state_(std::make_shared<State>(total, per_caller)) {}

  // Held while a stream runs; copyable (std::function needs it), released by its last copy.
  using Slot = std::shared_ptr<const void>;
  // A slot for `caller`, or why not (which cap was reached).
  core::Expected<Slot, std::string> acquire(const std::string& caller);

  std::size_t open() const;

 private:
  struct State {
    State(std::size_t t, std::size_t p) : total(t), per_caller(p) {}
    const std::size_t total;
    const std::size_t per_caller;
    std::mutex mu;
    std::size_t open = 0;
    std::unordered_map<std::string, std::size_t> by_caller;
  };
  std::shared_ptr<State> state_;  // shared with the slots, which may outlive the quota's owner
};

}  // namespace faasgate::api
