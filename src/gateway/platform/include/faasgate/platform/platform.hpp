#pragma once
// The functions platform's operations - deploy, update, delete, scale, secrets, namespaces,
// logs - over the store (what should exist) and a provider (what runs: the embedded runtime or
// another back end). Handlers call this and turn its errors into statuses; nothing here knows
// HTTP, and nothing above reaches the store or the provider but through it.
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/model/model.hpp"
#include "faasgate/provider/provider.hpp"
#include "faasgate/store/store.hpp"

namespace faasgate::platform {

enum class Errc { not_found, already_exists, invalid, conflict, internal };

struct Error {
  Errc code;
  std::string message;
};

template <class T>
using Result = core::Expected<T, Error>;

class Platform {
 public:
  Platform(store::Store& store, provider::Provider& provider);

  // Starts every stored function again (after a restart). Failures are logged, not fatal.
  void restore();

  Result<void> deploy(const model::FunctionDeployment& fn, core::Instant now);
  Result<void> update(const model::FunctionDeployment& fn);
  Result<void> remove(const std::string& ns, const std::string& name);
  Result<void> scale(const std::string& ns, const std::string& name, std::uint32_t replicas);
  Result<model::FunctionStatus> get(const std::string& ns, const std::string& name);
  Result<std::vector<model::FunctionStatus>> list(const std::string& ns);  // "" = every namespace

  Result<void> create_secret(const model::SecretRef& ref, const core::Secret& value);
  Result<void> update_secret(const model::SecretRef& ref, const core::Secret& value);
  Result<void> delete_secret(const model::SecretRef& ref);
  Result<std::vector<model::SecretRef>> list_secrets(const std::string& ns);

  Result<void> create_namespace(const model::Namespace& ns);
  Result<void> update_namespace(const model::Namespace& ns);
  Result<void> delete_namespace(const std::string& name);
  Result<model::Namespace> get_namespace(const std::string& name);
  Result<std::vector<model::Namespace>> list_namespaces();

  // Invocations are counted in memory and written to the store in batches (flush_invocations,
  // called periodically and at shutdown); get/list include what is not flushed yet.
  void record_invocation(const std::string& ns, const std::string& name);
  void flush_invocations();

  // Functions annotated com.openfaas.iam/jwt-auth: "true" are invoked only with a function token.
  static constexpr const char* kJwtAuthAnnotation = "com.openfaas.iam/jwt-auth";
  bool requires_token(const std::string& ns, const std::string& name) const;

  // The functions' output (GET /system/logs).
  const provider::LogSource& logs() const noexcept { return provider_.logs(); }

 private:
  Result<provider::FunctionSpec> spec_for(const model::FunctionDeployment& fn);
  Result<void> apply(const model::FunctionDeployment& fn);
  void add_live_state(model::FunctionStatus& status);

  store::Store& store_;
  provider::Provider& provider_;
  std::mutex counts_mu_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> pending_counts_;
  void remember_auth(const model::FunctionDeployment& fn);

  std::mutex write_mu_;  // serialises writes that touch both the store and the runtime
  mutable std::mutex auth_mu_;
  std::set<std::pair<std::string, std::string>> token_required_;  // read on every invocation
};

}  // namespace faasgate::platform
