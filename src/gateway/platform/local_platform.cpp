#include "faasgate/platform/local_platform.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace faasgate::platform {

namespace {

Error from_store(const store::StoreError& e) {
  switch (e.code) {
    case store::StoreErrc::not_found: return {Errc::not_found, e.message};
    case store::StoreErrc::already_exists: return {Errc::already_exists, e.message};
    case store::StoreErrc::conflict: return {Errc::conflict, e.message};
    case store::StoreErrc::invalid: return {Errc::invalid, e.message};
    case store::StoreErrc::io: return {Errc::internal, e.message};
  }
  return {Errc::internal, e.message};
}

template <class T>
Result<T> lift(store::Result<T>&& r) {
  if (!r) return core::fail(from_store(r.error()));
  if constexpr (std::is_void_v<T>) {
    return {};
  } else {
    return std::move(*r);
  }
}

Error from_runtime(const provider::RuntimeError& e) {
  switch (e.code) {
    case provider::RuntimeErrc::not_found: return {Errc::not_found, e.message};
    case provider::RuntimeErrc::bad_command:
    case provider::RuntimeErrc::invalid_spec: return {Errc::invalid, e.message};
    default: return {Errc::internal, e.message};
  }
}

// The provider's in-memory logs as a feed: what matches now, then (following) what is appended,
// polled: a follower costs a timer, not a thread.
class LocalLogFeed final : public LogFeed {
 public:
  LocalLogFeed(boost::asio::any_io_executor executor, const provider::LogSource& source, provider::LogQuery query,
               bool follow)
      : timer_(std::move(executor)), source_(source), query_(std::move(query)), follow_(follow) {}

  boost::asio::awaitable<std::optional<std::vector<provider::LogLine>>> next(std::chrono::milliseconds wait) override {
    if (!started_) {
      started_ = true;
      seen_ = source_.last_sequence();  // before the read: a line appended in between is in the read
      co_return remember(source_.read(query_));
    }
    if (!follow_) co_return std::nullopt;
    constexpr std::chrono::milliseconds poll{200};
    timer_.expires_after(std::min(wait, poll));
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return remember(source_.read_after(query_, seen_, 1000));
  }

 private:
  std::vector<provider::LogLine> remember(std::vector<provider::LogLine> lines) {
    for (const auto& line : lines) seen_ = std::max(seen_, line.sequence);
    return lines;
  }

  boost::asio::steady_timer timer_;
  const provider::LogSource& source_;
  provider::LogQuery query_;
  bool follow_;
  bool started_ = false;
  std::uint64_t seen_ = 0;
};

}  // namespace

LocalPlatform::LocalPlatform(store::Store& store, provider::Provider& provider, ProviderInfo info)
    : store_(store), provider_(provider), info_(std::move(info)) {}

Result<provider::FunctionSpec> LocalPlatform::spec_for(const model::FunctionDeployment& fn) {
  if (!provider::split_command(fn.env_process)) {
    return core::fail(Error{Errc::invalid, "envProcess is not a valid command line (unterminated quote?)"});
  }
  provider::FunctionSpec spec{fn, {}};
  for (const auto& name : fn.secrets) {
    auto value = store_.secret_value({name, fn.namespace_});
    if (!value) {
      if (value.error().code == store::StoreErrc::not_found)
        return core::fail(Error{Errc::invalid, "secret " + name + " does not exist in namespace " + fn.namespace_});
      return core::fail(from_store(value.error()));
    }
    spec.secrets.emplace(name, std::move(*value));
  }
  return spec;
}

Result<void> LocalPlatform::apply(const model::FunctionDeployment& fn) {
  auto spec = spec_for(fn);
  if (!spec) return core::fail(spec.error());
  auto applied = provider_.apply(*spec);
  if (!applied) return core::fail(from_runtime(applied.error()));
  remember_auth(fn);
  return {};
}

void LocalPlatform::remember_auth(const model::FunctionDeployment& fn) {
  auto it = fn.annotations.find(kJwtAuthAnnotation);
  const bool required = it != fn.annotations.end() && it->second == "true";
  std::lock_guard lock(auth_mu_);
  if (required) token_required_.insert({fn.namespace_, fn.service});
  else token_required_.erase({fn.namespace_, fn.service});
}

Platform::TokenRule LocalPlatform::token_rule(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(auth_mu_);
  return token_required_.count({ns, name}) != 0 ? TokenRule::required : TokenRule::none;
}

void LocalPlatform::restore() {
  auto all = store_.list_functions("");
  if (!all) {
    spdlog::error("cannot list functions to restore: {}", all.error().message);
    return;
  }
  for (const auto& status : *all) {
    if (auto r = apply(status.deployment); !r) {
      spdlog::error("cannot start function {}.{}: {}", status.deployment.service, status.deployment.namespace_,
                    r.error().message);
    }
  }
  spdlog::info("restored {} functions", all->size());
}

Result<void> LocalPlatform::deploy(const model::FunctionDeployment& fn, core::Instant now) {
  if (!model::valid_dns_label(fn.service))
    return core::fail(Error{Errc::invalid, "a function's name must be " + std::string(model::kDnsLabelRule)});
  std::lock_guard lock(write_mu_);
  if (auto ns = store_.get_namespace(fn.namespace_); !ns) return core::fail(from_store(ns.error()));
  auto spec = spec_for(fn);  // secrets must exist before anything is written
  if (!spec) return core::fail(spec.error());
  if (auto created = store_.create_function(fn, now); !created) return core::fail(from_store(created.error()));
  remember_auth(fn);
  if (auto applied = provider_.apply(*spec); !applied) {
    // Keep store and runtime in agreement: a function that cannot start is not half-deployed.
    (void)store_.delete_function(fn.namespace_, fn.service);
    provider_.remove(fn.namespace_, fn.service);
    return core::fail(from_runtime(applied.error()));
  }
  return {};
}

Result<void> LocalPlatform::update(const model::FunctionDeployment& fn) {
  std::lock_guard lock(write_mu_);
  auto existing = store_.get_function(fn.namespace_, fn.service);
  if (!existing) return core::fail(from_store(existing.error()));
  model::FunctionDeployment next = fn;
  next.replicas = existing->deployment.replicas;  // an update does not scale
  auto spec = spec_for(next);
  if (!spec) return core::fail(spec.error());
  if (auto updated = store_.update_function(next); !updated) return core::fail(from_store(updated.error()));
  if (auto applied = provider_.apply(*spec); !applied) return core::fail(from_runtime(applied.error()));
  remember_auth(next);
  return {};
}

Result<void> LocalPlatform::remove(const std::string& ns, const std::string& name) {
  std::lock_guard lock(write_mu_);
  if (auto deleted = store_.delete_function(ns, name); !deleted) return core::fail(from_store(deleted.error()));
  provider_.remove(ns, name);
  {
    std::lock_guard auth(auth_mu_);
    token_required_.erase({ns, name});
  }
  std::lock_guard counts(counts_mu_);
  pending_counts_.erase({ns, name});
  return {};
}

Result<void> LocalPlatform::scale(const std::string& ns, const std::string& name, std::uint32_t replicas) {
  std::lock_guard lock(write_mu_);
  if (auto set = store_.set_replicas(ns, name, replicas); !set) return core::fail(from_store(set.error()));
  if (auto scaled = provider_.scale(ns, name, replicas); !scaled) return core::fail(from_runtime(scaled.error()));
  return {};
}

void LocalPlatform::add_live_state(model::FunctionStatus& status) {
  const auto& d = status.deployment;
  status.available_replicas = provider_.available_replicas(d.namespace_, d.service);
  std::lock_guard lock(counts_mu_);
  if (auto it = pending_counts_.find({d.namespace_, d.service}); it != pending_counts_.end())
    status.invocation_count += it->second;
}

Result<model::FunctionStatus> LocalPlatform::get(const std::string& ns, const std::string& name) {
  auto status = store_.get_function(ns, name);
  if (!status) return core::fail(from_store(status.error()));
  add_live_state(*status);
  return std::move(*status);
}

Result<std::vector<model::FunctionStatus>> LocalPlatform::list(const std::string& ns) {
  if (!ns.empty())
    if (auto exists = store_.get_namespace(ns); !exists) return core::fail(from_store(exists.error()));
  auto all = store_.list_functions(ns);
  if (!all) return core::fail(from_store(all.error()));
  for (auto& status : *all) add_live_state(status);
  return std::move(*all);
}

Result<void> LocalPlatform::create_secret(const model::SecretRef& ref, const core::Secret& value) {
  return lift(store_.create_secret(ref, value));
}

Result<void> LocalPlatform::update_secret(const model::SecretRef& ref, const core::Secret& value) {
  std::lock_guard lock(write_mu_);
  if (auto updated = store_.update_secret(ref, value); !updated) return core::fail(from_store(updated.error()));
  // Functions that use the secret see the new value in their secret files.
  auto functions = store_.list_functions(ref.namespace_);
  if (!functions) return core::fail(from_store(functions.error()));
  for (const auto& status : *functions) {
    const auto& names = status.deployment.secrets;
    if (std::find(names.begin(), names.end(), ref.name) == names.end()) continue;
    if (auto applied = apply(status.deployment); !applied) return applied;
  }
  return {};
}

Result<void> LocalPlatform::delete_secret(const model::SecretRef& ref) { return lift(store_.delete_secret(ref)); }

Result<std::vector<model::SecretRef>> LocalPlatform::list_secrets(const std::string& ns) {
  if (auto exists = store_.get_namespace(ns); !exists) return core::fail(from_store(exists.error()));
  return lift(store_.list_secrets(ns));
}

namespace {
// Upstream marks the namespaces it serves functions in with openfaas=1, as a label and as an
// annotation, and forces both on every create and update: a client that does not resend them
// (an update of other labels) must not unmark the namespace.
model::Namespace marked(model::Namespace ns) {
  ns.labels["openfaas"] = "1";
  ns.annotations["openfaas"] = "1";
  return ns;
}
}  // namespace

Result<void> LocalPlatform::create_namespace(const model::Namespace& ns) {
  if (!model::valid_dns_label(ns.name))
    return core::fail(Error{Errc::invalid, "a namespace's name must be " + std::string(model::kDnsLabelRule)});
  return lift(store_.create_namespace(marked(ns)));
}
Result<void> LocalPlatform::update_namespace(const model::Namespace& ns) { return lift(store_.update_namespace(marked(ns))); }
Result<void> LocalPlatform::delete_namespace(const std::string& name) { return lift(store_.delete_namespace(name)); }
Result<model::Namespace> LocalPlatform::get_namespace(const std::string& name) { return lift(store_.get_namespace(name)); }
Result<std::vector<model::Namespace>> LocalPlatform::list_namespaces() { return lift(store_.list_namespaces()); }

boost::asio::awaitable<Result<std::unique_ptr<LogFeed>>> LocalPlatform::open_logs(boost::asio::any_io_executor executor,
                                                                                 provider::LogQuery query, bool follow) {
  co_return std::unique_ptr<LogFeed>(std::make_unique<LocalLogFeed>(std::move(executor), provider_.logs(), std::move(query), follow));
}

void LocalPlatform::record_invocation(const std::string& ns, const std::string& name) {
  std::lock_guard lock(counts_mu_);
  ++pending_counts_[{ns, name}];
}

void LocalPlatform::flush_invocations() {
  std::map<std::pair<std::string, std::string>, std::uint64_t> counts;
  {
    std::lock_guard lock(counts_mu_);
    counts.swap(pending_counts_);
  }
  for (const auto& [key, n] : counts) {
    if (auto r = store_.add_invocations(key.first, key.second, n); !r && r.error().code != store::StoreErrc::not_found) {
      spdlog::warn("cannot record {} invocations of {}.{}: {}", n, key.second, key.first, r.error().message);
    }
  }
}

}  // namespace faasgate::platform
