#include "faasgate/provider/runtime.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <signal.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "process.hpp"
#include "runtime_admission.hpp"
#include "runtime_classic.hpp"
#include "runtime_files.hpp"
#include "runtime_replicas.hpp"
#include "runtime_spec.hpp"
#include "runtime_state.hpp"

// The Runtime facade: it composes the units - the spec (runtime_spec.hpp) and the function's
// files (runtime_files.hpp), the state they share (runtime_state.hpp), the http replica
// supervisor (runtime_replicas.hpp), classic runs (runtime_classic.hpp) and admission
// (runtime_admission.hpp).
namespace faasgate::provider {

namespace asio = boost::asio;
using detail::Child;
using detail::Clock;
using detail::CompiledSpec;
using detail::error;
using detail::NetworkHolder;
using detail::Replica;
using detail::State;

std::string_view to_string(RuntimeErrc code) noexcept {
  switch (code) {
    case RuntimeErrc::not_found: return "not_found";
    case RuntimeErrc::bad_command: return "bad_command";
    case RuntimeErrc::invalid_spec: return "invalid_spec";
    case RuntimeErrc::io_failed: return "io_failed";
    case RuntimeErrc::spawn_failed: return "spawn_failed";
    case RuntimeErrc::timeout: return "timeout";
    case RuntimeErrc::crashed: return "crashed";
    case RuntimeErrc::too_large: return "too_large";
    case RuntimeErrc::unavailable: return "unavailable";
    case RuntimeErrc::wrong_mode: return "wrong_mode";
    case RuntimeErrc::busy: return "busy";
  }
  return "unknown";
}

struct Runtime::Impl {
  std::shared_ptr<State> state;
};

Runtime::Runtime(asio::io_context& io, RuntimeOptions options) : impl_(std::make_unique<Impl>()) {
  detail::ensure_sigchld_not_ignored();
  impl_->state = std::make_shared<State>(io, std::move(options));
  if (auto stopped = impl_->state->ledger.stop_leftovers(); stopped > 0)
    spdlog::warn("runtime: stopped {} function processes a previous gateway left running", stopped);
}

Runtime::~Runtime() { shutdown(); }

const LogStore& Runtime::logs() const { return impl_->state->logs; }

core::Expected<void, RuntimeError> Runtime::apply(const FunctionSpec& spec) {
  auto& st = *impl_->state;
  auto compiled = detail::compile(st.options, spec);
  if (!compiled) return core::fail(std::move(compiled).error());
  std::shared_ptr<const CompiledSpec> c = std::move(*compiled);
  {
    std::lock_guard lock(st.mu);
    if (st.stopping) return core::fail(error(RuntimeErrc::unavailable, "the runtime is shutting down"));
  }

  {
    std::lock_guard files(st.files_mu);
    if (auto r = detail::write_function_files(st.options, *c, spec); !r) return core::fail(std::move(r).error());
  }
  if (!detail::find_executable(c->argv.front(), c->path_var, c->dir)) {
    return core::fail(error(RuntimeErrc::bad_command, "executable not found: " + c->argv.front()));
  }

  // A sandboxed classic function's invocations share one network, started now (http replicas
  // each have their own).
  std::shared_ptr<NetworkHolder> network, old_network;
  if (st.options.sandbox.enabled && c->mode == Mode::classic) {
    auto started = detail::start_network(st, *c);
    if (!started) return core::fail(started.error());
    network = std::move(*started);
  }
  std::vector<std::shared_ptr<Replica>> old, fresh;
  {
    std::lock_guard lock(st.mu);
    if (st.stopping) {
      detail::stop_network(st, network);
      return core::fail(error(RuntimeErrc::unavailable, "the runtime is shutting down"));
    }
    auto& f = st.functions[{c->ns, c->name}];
    old = std::move(f.running);
    f.running.clear();
    old_network = std::exchange(f.network, network);
    f.spec = c;
    f.replicas = spec.deployment.replicas;
    if (c->mode == Mode::http) {
      for (std::uint32_t i = 0; i < f.replicas; ++i) fresh.push_back(std::make_shared<Replica>(st.io, c, i));
      f.running = fresh;
    }
  }
  for (auto& r : old) detail::stop_replica(st, r);
  detail::stop_network(st, old_network);  // invocations still in it keep its namespaces, not its pasta
  for (auto& r : fresh) detail::start_replica(impl_->state, r);
  spdlog::info("function {}.{}: applied ({} mode, {} replicas)", c->name, c->ns,
               c->mode == Mode::http ? "http" : "classic", spec.deployment.replicas);
  return {};
}

void Runtime::remove(const std::string& ns, const std::string& name) {
  auto& st = *impl_->state;
  std::vector<std::shared_ptr<Replica>> old;
  std::shared_ptr<const CompiledSpec> spec;
  std::shared_ptr<NetworkHolder> network;
  {
    std::lock_guard lock(st.mu);
    auto it = st.functions.find({ns, name});
    if (it == st.functions.end()) return;
    old = std::move(it->second.running);
    spec = it->second.spec;
    network = std::move(it->second.network);
    st.functions.erase(it);
  }
  for (auto& r : old) detail::stop_replica(st, r);
  detail::stop_network(st, network);
  {
    std::lock_guard files(st.files_mu);
    std::error_code ec;
    std::filesystem::remove_all(spec->dir, ec);  // its secrets go with it
    if (ec) spdlog::warn("function {}.{}: cannot delete {}: {}", name, ns, spec->dir.string(), ec.message());
  }
  st.logs.remove(ns, name);
  spdlog::info("function {}.{}: removed", name, ns);
}

core::Expected<void, RuntimeError> Runtime::scale(const std::string& ns, const std::string& name,
                                                  std::uint32_t replicas) {
  auto& st = *impl_->state;
  std::vector<std::shared_ptr<Replica>> stop, start;
  {
    std::lock_guard lock(st.mu);
    if (st.stopping) return core::fail(error(RuntimeErrc::unavailable, "the runtime is shutting down"));
    auto it = st.functions.find({ns, name});
    if (it == st.functions.end()) return core::fail(error(RuntimeErrc::not_found, "no such function"));
    auto& f = it->second;
    if (auto r = detail::check_replicas(st.options, f.spec->mode, replicas); !r) return core::fail(std::move(r).error());
    f.replicas = replicas;
    if (f.spec->mode == Mode::http) {
      while (f.running.size() > replicas) {
        stop.push_back(f.running.back());
        f.running.pop_back();
      }
      while (f.running.size() < replicas) {
        auto r = std::make_shared<Replica>(st.io, f.spec, static_cast<std::uint32_t>(f.running.size()));
        f.running.push_back(r);
        start.push_back(r);
      }
    }
  }
  for (auto& r : stop) detail::stop_replica(st, r);
  for (auto& r : start) detail::start_replica(impl_->state, r);
  return {};
}

std::optional<Mode> Runtime::mode(const std::string& ns, const std::string& name) const {
  auto& st = *impl_->state;
  std::lock_guard lock(st.mu);
  auto it = st.functions.find({ns, name});
  if (it == st.functions.end()) return std::nullopt;
  return it->second.spec->mode;
}

std::uint32_t Runtime::available_replicas(const std::string& ns, const std::string& name) const {
  auto& st = *impl_->state;
  std::lock_guard lock(st.mu);
  auto it = st.functions.find({ns, name});
  if (it == st.functions.end()) return 0;
  const auto& f = it->second;
  if (f.spec->mode == Mode::classic) return f.replicas;  // nothing stands by: a process per request
  return detail::ready_replicas(f);
}

std::chrono::seconds Runtime::timeout(const std::string& ns, const std::string& name) const {
  auto& st = *impl_->state;
  std::lock_guard lock(st.mu);
  auto it = st.functions.find({ns, name});
  if (it == st.functions.end()) return st.options.default_timeout;
  return std::chrono::ceil<std::chrono::seconds>(it->second.spec->timeout);
}

std::optional<ReplicaEndpoint> Runtime::pick(const std::string& ns, const std::string& name) {
  auto& st = *impl_->state;
  std::lock_guard lock(st.mu);
  auto it = st.functions.find({ns, name});
  if (it == st.functions.end() || st.stopping) return std::nullopt;
  return detail::pick_ready(it->second);
}

void Runtime::report_failure(const std::string& ns, const std::string& name, const ReplicaEndpoint& replica) {
  detail::report_failure(impl_->state, {ns, name}, replica);
}

core::Expected<Runtime::Admission, RuntimeError> Runtime::admit(const std::string& ns, const std::string& name) {
  auto st = impl_->state;
  std::lock_guard lock(st->mu);
  auto it = st->functions.find({ns, name});
  if (it == st->functions.end()) return core::fail(error(RuntimeErrc::not_found, "no such function"));
  auto slot = st->admissions->admit(*it->second.spec);
  if (!slot) return core::fail(std::move(slot).error());
  return Admission(std::move(*slot));
}

asio::awaitable<core::Expected<ClassicResponse, RuntimeError>> Runtime::invoke_classic(const std::string& ns,
                                                                                        const std::string& name,
                                                                                        ClassicRequest request) {
  auto st = impl_->state;
  std::shared_ptr<const CompiledSpec> spec;
  std::shared_ptr<void> slot;  // held until the process is done
  {
    std::lock_guard lock(st->mu);
    if (st->stopping) co_return core::fail(error(RuntimeErrc::unavailable, "the runtime is shutting down"));
    auto it = st->functions.find({ns, name});
    if (it == st->functions.end()) co_return core::fail(error(RuntimeErrc::not_found, "no such function"));
    spec = it->second.spec;
    if (spec->mode != Mode::classic) {
      co_return core::fail(error(RuntimeErrc::wrong_mode, "the function runs in http mode"));
    }
    auto admitted = st->admissions->admit(*spec);
    if (!admitted) co_return core::fail(std::move(admitted).error());
    slot = std::move(*admitted);
  }
  // The invocation's streams and timers live on a strand of their own, whatever thread calls.
  auto outcome = co_await asio::co_spawn(asio::make_strand(st->io), detail::run_classic(st, spec, std::move(request)),
                                         asio::use_awaitable);
  if (outcome.error) co_return core::fail(std::move(*outcome.error));
  co_return std::move(outcome.response);
}

void Runtime::shutdown() {
  auto& st = *impl_->state;
  std::vector<std::shared_ptr<Child>> children;
  {
    std::lock_guard lock(st.mu);
    st.stopping = true;
    for (auto& [key, f] : st.functions) {
      for (auto& r : f.running) {
        r->stopping = true;
        r->ready = false;
      }
    }
    for (auto& [ptr, child] : st.children) children.push_back(child);
  }
  if (children.empty()) return;
  for (auto& c : children) c->signal_group(SIGTERM);
  const auto grace = Clock::now() + st.options.stop_grace;
  std::size_t killed = 0;
  for (auto& c : children) {
    if (c->wait_until(grace)) continue;
    c->signal_group(SIGKILL);
    ++killed;
  }
  const auto limit = Clock::now() + detail::kKillWait;
  for (auto& c : children) {
    if (c->wait_until(limit)) {
      // Reaped: no longer the runtime's. The io_context that would release it has stopped, so a
      // second shutdown (the destructor's, after the daemon's) would wait for it again.
      st.release(c);
    } else {
      spdlog::error("process {} did not die after SIGKILL", c->pid());
    }
  }
  spdlog::info("runtime: stopped {} processes ({} needed SIGKILL)", children.size(), killed);
}

}  // namespace faasgate::provider
