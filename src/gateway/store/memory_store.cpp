#include "faasgate/store/memory_store.hpp"

#include <algorithm>
#include <limits>

#include "checks.hpp"

namespace faasgate::store {

using detail::error;

namespace {
StoreError not_found(std::string what) { return error(StoreErrc::not_found, std::move(what) + " not found"); }
std::string shown(std::string_view name) { return core::printable(name, 64); }
}  // namespace

MemoryStore::MemoryStore() {
  const std::string name(model::kDefaultNamespace);
  namespaces_.emplace(name, model::Namespace{name, {}, {}});
}

// ---- namespaces ---------------------------------------------------------------------------

Result<void> MemoryStore::create_namespace(const model::Namespace& ns) {
  if (auto bad = detail::check_name("namespace", ns.name)) return core::fail(*bad);
  std::lock_guard lock(mu_);
  if (!namespaces_.emplace(ns.name, ns).second) {
    return core::fail(error(StoreErrc::already_exists, "namespace " + ns.name + " already exists"));
  }
  return {};
}

Result<void> MemoryStore::update_namespace(const model::Namespace& ns) {
  if (auto bad = detail::check_name("namespace", ns.name)) return core::fail(*bad);
  std::lock_guard lock(mu_);
  auto it = namespaces_.find(ns.name);
  if (it == namespaces_.end()) return core::fail(not_found("namespace " + ns.name));
  it->second = ns;
  return {};
}

Result<void> MemoryStore::delete_namespace(const std::string& name) {
  if (auto bad = detail::check_name("namespace", name)) return core::fail(*bad);
  if (name == model::kDefaultNamespace) {
    return core::fail(error(StoreErrc::conflict, "the default namespace " + name + " cannot be deleted"));
  }
  std::lock_guard lock(mu_);
  auto it = namespaces_.find(name);
  if (it == namespaces_.end()) return core::fail(not_found("namespace " + name));
  auto in_ns = [&](const auto& entry) { return entry.first.first == name; };
  auto functions = std::count_if(functions_.begin(), functions_.end(), in_ns);
  auto secrets = std::count_if(secrets_.begin(), secrets_.end(), in_ns);
  if (functions != 0 || secrets != 0) {
    return core::fail(error(StoreErrc::conflict, "namespace " + name + " still holds " + std::to_string(functions) +
                                                     " functions and " + std::to_string(secrets) + " secrets"));
  }
  namespaces_.erase(it);
  return {};
}

Result<model::Namespace> MemoryStore::get_namespace(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = namespaces_.find(name);
  if (it == namespaces_.end()) return core::fail(not_found("namespace " + shown(name)));
  return it->second;
}

Result<std::vector<model::Namespace>> MemoryStore::list_namespaces() {
  std::lock_guard lock(mu_);
  std::vector<model::Namespace> out;
  for (const auto& [name, ns] : namespaces_) out.push_back(ns);
  return out;
}

// ---- functions ----------------------------------------------------------------------------

Result<void> MemoryStore::create_function(const model::FunctionDeployment& fn, core::Instant now) {
  if (auto bad = detail::check_name("namespace", fn.namespace_)) return core::fail(*bad);
  if (auto bad = detail::check_name("function", fn.service)) return core::fail(*bad);
  const auto what = detail::fn_label(fn.namespace_, fn.service);
  std::lock_guard lock(mu_);
  if (!namespaces_.contains(fn.namespace_)) {
    return core::fail(error(StoreErrc::conflict, what + ": the namespace does not exist"));
  }
  model::FunctionStatus status;
  status.deployment = fn;
  status.created_at = now;
  if (!functions_.emplace(Key{fn.namespace_, fn.service}, std::move(status)).second) {
    return core::fail(error(StoreErrc::already_exists, what + " already exists"));
  }
  return {};
}

Result<void> MemoryStore::update_function(const model::FunctionDeployment& fn) {
  if (auto bad = detail::check_name("namespace", fn.namespace_)) return core::fail(*bad);
  if (auto bad = detail::check_name("function", fn.service)) return core::fail(*bad);
  std::lock_guard lock(mu_);
  auto it = functions_.find({fn.namespace_, fn.service});
  if (it == functions_.end()) return core::fail(not_found(detail::fn_label(fn.namespace_, fn.service)));
  const auto replicas = fn.replicas == 0 ? it->second.deployment.replicas : fn.replicas;
  it->second.deployment = fn;
  it->second.deployment.replicas = replicas;
  return {};
}

Result<void> MemoryStore::delete_function(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  if (functions_.erase({ns, name}) == 0) return core::fail(not_found(detail::fn_label(shown(ns), shown(name))));
  return {};
}

Result<model::FunctionStatus> MemoryStore::get_function(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = functions_.find({ns, name});
  if (it == functions_.end()) return core::fail(not_found(detail::fn_label(shown(ns), shown(name))));
  return it->second;
}

Result<std::vector<model::FunctionStatus>> MemoryStore::list_functions(const std::string& ns) {
  std::lock_guard lock(mu_);
  std::vector<model::FunctionStatus> out;
  for (const auto& [key, status] : functions_) {
    if (ns.empty() || key.first == ns) out.push_back(status);
  }
  return out;
}

Result<void> MemoryStore::set_replicas(const std::string& ns, const std::string& name, std::uint32_t replicas) {
  std::lock_guard lock(mu_);
  auto it = functions_.find({ns, name});
  if (it == functions_.end()) return core::fail(not_found(detail::fn_label(shown(ns), shown(name))));
  it->second.deployment.replicas = replicas;
  return {};
}

Result<void> MemoryStore::add_invocations(const std::string& ns, const std::string& name, std::uint64_t count) {
  std::lock_guard lock(mu_);
  auto it = functions_.find({ns, name});
  if (it == functions_.end()) return core::fail(not_found(detail::fn_label(shown(ns), shown(name))));
  // Saturates at 2^63-1, as SqliteStore's integer column does.
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  auto& n = it->second.invocation_count;
  n = count > kMax - n ? kMax : n + count;
  return {};
}

// ---- secrets ------------------------------------------------------------------------------

Result<void> MemoryStore::create_secret(const model::SecretRef& ref, const core::Secret& value) {
  if (auto bad = detail::check_name("namespace", ref.namespace_)) return core::fail(*bad);
  if (auto bad = detail::check_name("secret", ref.name)) return core::fail(*bad);
  if (auto bad = detail::check_secret_value(ref, value)) return core::fail(*bad);
  const auto what = detail::secret_label(ref.namespace_, ref.name);
  std::lock_guard lock(mu_);
  if (!namespaces_.contains(ref.namespace_)) {
    return core::fail(error(StoreErrc::conflict, what + ": the namespace does not exist"));
  }
  if (!secrets_.emplace(Key{ref.namespace_, ref.name}, value).second) {
    return core::fail(error(StoreErrc::already_exists, what + " already exists"));
  }
  return {};
}

Result<void> MemoryStore::update_secret(const model::SecretRef& ref, const core::Secret& value) {
  if (auto bad = detail::check_name("namespace", ref.namespace_)) return core::fail(*bad);
  if (auto bad = detail::check_name("secret", ref.name)) return core::fail(*bad);
  if (auto bad = detail::check_secret_value(ref, value)) return core::fail(*bad);
  std::lock_guard lock(mu_);
  auto it = secrets_.find({ref.namespace_, ref.name});
  if (it == secrets_.end()) return core::fail(not_found(detail::secret_label(ref.namespace_, ref.name)));
  it->second = value;
  return {};
}

Result<void> MemoryStore::delete_secret(const model::SecretRef& ref) {
  std::lock_guard lock(mu_);
  if (secrets_.erase({ref.namespace_, ref.name}) == 0) {
    return core::fail(not_found(detail::secret_label(shown(ref.namespace_), shown(ref.name))));
  }
  return {};
}

Result<std::vector<model::SecretRef>> MemoryStore::list_secrets(const std::string& ns) {
  std::lock_guard lock(mu_);
  std::vector<model::SecretRef> out;
  for (const auto& [key, value] : secrets_) {
    if (key.first == ns) out.push_back({key.second, key.first});
  }
  return out;
}

Result<core::Secret> MemoryStore::secret_value(const model::SecretRef& ref) {
  std::lock_guard lock(mu_);
  auto it = secrets_.find({ref.namespace_, ref.name});
  if (it == secrets_.end()) return core::fail(not_found(detail::secret_label(shown(ref.namespace_), shown(ref.name))));
  return it->second;
}

Result<void> MemoryStore::add_revocation(const Revocation& revocation) {
  if (revocation.value.empty()) return core::fail(StoreError{StoreErrc::invalid, "a revocation needs a subject or a jti"});
  std::lock_guard lock(mu_);
  revocations_[{revocation.kind, revocation.issuer + '\n' + revocation.value}] = revocation;
  return {};
}

Result<std::vector<Revocation>> MemoryStore::list_revocations() {
  std::lock_guard lock(mu_);
  std::vector<Revocation> out;
  for (const auto& [key, r] : revocations_) out.push_back(r);
  return out;
}

}  // namespace faasgate::store
