#pragma once
// Internal to the provider: the http-mode replica supervisor. Each replica is a coroutine on a
// strand of its own that starts the function's process with a $PORT of its own, waits until the
// port accepts connections (ready), restarts the process with backoff when it dies or never
// listens, and stops it with SIGTERM, then SIGKILL after stop_grace.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <optional>

#include "faasgate/provider/runtime.hpp"
#include "process.hpp"
#include "runtime_spec.hpp"
#include "runtime_state.hpp"

namespace faasgate::provider::detail {

struct Replica {
  Replica(boost::asio::io_context& io, std::shared_ptr<const CompiledSpec> s, std::uint32_t i)
      : strand(boost::asio::make_strand(io)), spec(std::move(s)), index(i) {}
  Strand strand;
  const std::shared_ptr<const CompiledSpec> spec;
  const std::uint32_t index;
  // Guarded by State::mu.
  bool stopping = false;
  bool ready = false;
  bool checking = false;
  std::uint64_t generation = 0;
  boost::asio::ip::tcp::endpoint endpoint;
  std::shared_ptr<Child> child;
};

// Starts the replica's supervisor.
void start_replica(const std::shared_ptr<State>& st, const std::shared_ptr<Replica>& r);
// Asynchronous: SIGTERM now, SIGKILL after stop_grace; the supervisor reaps and exits.
void stop_replica(State& st, const std::shared_ptr<Replica>& r);

// Under State::mu: the replicas of `f` that accept connections.
std::uint32_t ready_replicas(const FunctionEntry& f);
// Under State::mu: the next ready replica of `f`, round robin; nullopt when none is ready.
std::optional<ReplicaEndpoint> pick_ready(FunctionEntry& f);

// After a failed connection to `replica` of `function`: stops handing it out and checks it; if it
// does not accept connections any more, kills it so that its supervisor restarts it.
void report_failure(const std::shared_ptr<State>& st, const FunctionKey& function, const ReplicaEndpoint& replica);

}  // namespace faasgate::provider::detail
