#include "runtime_admission.hpp"

#include <string>
#include <utility>

namespace faasgate::provider::detail {

// An admitted call's slot: released when the last Admission holding it goes.
struct Admissions::Slot {
  Slot(std::shared_ptr<Admissions> o, FunctionKey k, bool c) : owner(std::move(o)), key(std::move(k)), classic(c) {}
  ~Slot() { owner->release(key, classic); }
  std::shared_ptr<Admissions> owner;
  FunctionKey key;
  bool classic;
};

core::Expected<std::shared_ptr<void>, RuntimeError> Admissions::admit(const CompiledSpec& spec) {
  std::lock_guard lock(mu_);
  FunctionKey key{spec.ns, spec.name};
  auto& count = inflight_[key];
  if (spec.max_inflight > 0 && count >= spec.max_inflight) {
    if (count == 0) inflight_.erase(key);
    return core::fail(error(RuntimeErrc::busy, "function " + key.second + "." + key.first + " already has " +
                                                   std::to_string(spec.max_inflight) + " calls in flight (max_inflight)"));
  }
  const bool classic = spec.mode == Mode::classic;
  if (classic && classic_running_ >= max_classic_processes_) {
    if (count == 0) inflight_.erase(key);
    return core::fail(error(RuntimeErrc::busy, "the gateway already runs " + std::to_string(max_classic_processes_) +
                                                   " classic function processes; retry later"));
  }
  ++count;
  if (classic) ++classic_running_;
  return std::shared_ptr<void>(std::make_shared<Slot>(shared_from_this(), std::move(key), classic));
}

void Admissions::release(const FunctionKey& key, bool classic) {
  std::lock_guard lock(mu_);
  if (auto it = inflight_.find(key); it != inflight_.end() && --it->second == 0) inflight_.erase(it);
  if (classic) --classic_running_;
}

}  // namespace faasgate::provider::detail
