#pragma once
// MemoryStore: the Store contract in memory, for tests of the modules above the store. It keeps
// the same invariants and returns the same error codes as SqliteStore (one contract test runs
// against both); it persists nothing and encrypts nothing. One mutex guards everything.
#include <map>
#include <mutex>
#include <utility>

#include "faasgate/store/store.hpp"

namespace faasgate::store {

class MemoryStore final : public Store {
 public:
  MemoryStore();

  Result<void> create_namespace(const model::Namespace& ns) override;
  Result<void> update_namespace(const model::Namespace& ns) override;
  Result<void> delete_namespace(const std::string& name) override;
  Result<model::Namespace> get_namespace(const std::string& name) override;
  Result<std::vector<model::Namespace>> list_namespaces() override;

  Result<void> create_function(const model::FunctionDeployment& fn, core::Instant now) override;
  Result<void> update_function(const model::FunctionDeployment& fn) override;
  Result<void> delete_function(const std::string& ns, const std::string& name) override;
  Result<model::FunctionStatus> get_function(const std::string& ns, const std::string& name) override;
  Result<std::vector<model::FunctionStatus>> list_functions(const std::string& ns) override;
  Result<void> set_replicas(const std::string& ns, const std::string& name, std::uint32_t replicas) override;
  Result<void> add_invocations(const std::string& ns, const std::string& name, std::uint64_t count) override;

  Result<void> create_secret(const model::SecretRef& ref, const core::Secret& value) override;
  Result<void> update_secret(const model::SecretRef& ref, const core::Secret& value) override;
  Result<void> delete_secret(const model::SecretRef& ref) override;
  Result<std::vector<model::SecretRef>> list_secrets(const std::string& ns) override;
  Result<core::Secret> secret_value(const model::SecretRef& ref) override;

  Result<void> add_revocation(const Revocation& revocation) override;
  Result<std::vector<Revocation>> list_revocations() override;

 private:
  using Key = std::pair<std::string, std::string>;  // (namespace, name)
  std::mutex mu_;
  std::map<std::string, model::Namespace> namespaces_;
  std::map<Key, model::FunctionStatus> functions_;
  std::map<Key, core::Secret> secrets_;
  std::map<std::pair<Revocation::Kind, std::string>, Revocation> revocations_;  // key: kind, "issuer\nvalue"
};

}  // namespace faasgate::store
