#pragma once
// Internal to the provider: which calls may run now. A function's max_inflight (an envVar, as
// upstream's watchdog reads it) bounds its calls at once; max_classic_processes bounds classic
// calls of all functions together, since every one starts a process and invocation is open to
// anyone unless the function asks for a token.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "faasgate/core/result.hpp"
#include "faasgate/provider/provider.hpp"
#include "runtime_spec.hpp"

namespace faasgate::provider::detail {

class Admissions : public std::enable_shared_from_this<Admissions> {
 public:
  explicit Admissions(std::size_t max_classic_processes) : max_classic_processes_(max_classic_processes) {}

  // Admits a call to the function `spec` describes, or says why not (busy). The slot is held
  // until the last copy of the pointer is gone; it keeps this object alive. Callers may hold
  // State::mu (so that the function cannot go between lookup and admission): this lock is only
  // ever taken inside it, and releasing a slot takes this lock alone.
  core::Expected<std::shared_ptr<void>, RuntimeError> admit(const CompiledSpec& spec);

 private:
  struct Slot;
  void release(const FunctionKey& key, bool classic);

  const std::size_t max_classic_processes_;
  std::mutex mu_;
  std::map<FunctionKey, std::uint32_t> inflight_;  // admitted calls per function
  std::size_t classic_running_ = 0;                // admitted classic calls, all functions
};

}  // namespace faasgate::provider::detail
