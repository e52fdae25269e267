#pragma once
// The platform of one machine: what should exist is kept in the gateway's store, what runs in a
// provider::Provider (the embedded runtime, or FakeProvider in tests). The store is the source of
// truth: restore() makes the provider run what it says after a restart.
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "faasgate/platform/platform.hpp"
#include "faasgate/provider/provider.hpp"
#include "faasgate/store/store.hpp"

namespace faasgate::platform {

class LocalPlatform final : public Platform {
 public:
  LocalPlatform(store::Store& store, provider::Provider& provider, ProviderInfo info = {"faasgate", "local", "", "", ""});

  // Starts every stored function again (after a restart). Failures are logged, not fatal.
  void restore();

  Result<void> deploy(const model::FunctionDeployment& fn, core::Instant now) override;
  Result<void> update(const model::FunctionDeployment& fn) override;
  Result<void> remove(const std::string& ns, const std::string& name) override;
  Result<void> scale(const std::string& ns, const std::string& name, std::uint32_t replicas) override;
  Result<model::FunctionStatus> get(const std::string& ns, const std::string& name) override;
  Result<std::vector<model::FunctionStatus>> list(const std::string& ns) override;

  Result<void> create_secret(const model::SecretRef& ref, const core::Secret& value) override;
  Result<void> update_secret(const model::SecretRef& ref, const core::Secret& value) override;
  Result<void> delete_secret(const model::SecretRef& ref) override;
  Result<std::vector<model::SecretRef>> list_secrets(const std::string& ns) override;

  Result<void> create_namespace(const model::Namespace& ns) override;
  Result<void> update_namespace(const model::Namespace& ns) override;
  Result<void> delete_namespace(const std::string& name) override;
  Result<model::Namespace> get_namespace(const std::string& name) override;
  Result<std::vector<model::Namespace>> list_namespaces() override;

  Result<ProviderInfo> info() override { return info_; }
  boost::asio::awaitable<Result<std::unique_ptr<LogFeed>>> open_logs(boost::asio::any_io_executor executor,
                                                                     provider::LogQuery query, bool follow) override;

  void record_invocation(const std::string& ns, const std::string& name) override;
  void flush_invocations() override;
  TokenRule token_rule(const std::string& ns, const std::string& name) const override;

 private:
  Result<provider::FunctionSpec> spec_for(const model::FunctionDeployment& fn);
  Result<void> apply(const model::FunctionDeployment& fn);
  void add_live_state(model::FunctionStatus& status);
  void remember_auth(const model::FunctionDeployment& fn);

  store::Store& store_;
  provider::Provider& provider_;
  ProviderInfo info_;
  std::mutex counts_mu_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> pending_counts_;
  std::mutex write_mu_;  // serialises writes that touch both the store and the runtime
  mutable std::mutex auth_mu_;
  std::set<std::pair<std::string, std::string>> token_required_;  // read on every invocation
};

}  // namespace faasgate::platform
