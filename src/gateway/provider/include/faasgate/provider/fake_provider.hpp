#pragma once
// A Provider for tests: functions are entries in memory, every replica asked for is ready at
// once, and logs are a LogStore the test appends to. It can be told to refuse the next apply.
// Thread-safe.
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "faasgate/provider/provider.hpp"

namespace faasgate::provider {

class FakeProvider final : public Provider {
 public:
  core::Expected<void, RuntimeError> apply(const FunctionSpec& spec) override {
    std::lock_guard lock(mu_);
    if (refusal_) return core::fail(*std::exchange(refusal_, std::nullopt));
    const auto& d = spec.deployment;
    functions_[{d.namespace_, d.service}] = spec;
    return {};
  }
  void remove(const std::string& ns, const std::string& name) override {
    std::lock_guard lock(mu_);
    functions_.erase({ns, name});
  }
  core::Expected<void, RuntimeError> scale(const std::string& ns, const std::string& name, std::uint32_t replicas) override {
    std::lock_guard lock(mu_);
    auto it = functions_.find({ns, name});
    if (it == functions_.end()) return core::fail(RuntimeError{RuntimeErrc::not_found, "function " + name + " not found"});
    it->second.deployment.replicas = replicas;
    return {};
  }
  std::uint32_t available_replicas(const std::string& ns, const std::string& name) const override {
    std::lock_guard lock(mu_);
    auto it = functions_.find({ns, name});
    return it == functions_.end() ? 0 : it->second.deployment.replicas;
  }
  const LogSource& logs() const override { return logs_; }

  // For tests: what is deployed, the next apply's refusal, the logs to append to.
  std::optional<FunctionSpec> applied(const std::string& ns, const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = functions_.find({ns, name});
    return it == functions_.end() ? std::nullopt : std::optional(it->second);
  }
  void refuse_next_apply(RuntimeError error) {
    std::lock_guard lock(mu_);
    refusal_ = std::move(error);
  }
  LogStore& log_store() { return logs_; }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, FunctionSpec> functions_;
  std::optional<RuntimeError> refusal_;
  LogStore logs_;
};

}  // namespace faasgate::provider
