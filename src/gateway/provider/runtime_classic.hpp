#pragma once
// Internal to the provider: classic mode, one process per request - the body on stdin, the answer
// from stdout (at most max_output_bytes), stderr into the logs, all bounded by the function's
// timeout. Sandboxed classic functions share one network per function (a NetworkHolder), which
// every invocation joins.
#include <boost/asio/awaitable.hpp>

#include <sys/types.h>

#include <memory>
#include <optional>

#include "faasgate/core/result.hpp"
#include "faasgate/provider/provider.hpp"
#include "faasgate/provider/runtime.hpp"
#include "process.hpp"
#include "runtime_spec.hpp"
#include "runtime_state.hpp"

namespace faasgate::provider::detail {

// A sandboxed classic function's network (provider/sandbox.hpp, network_holder): pasta and a
// process holding its namespaces, which every invocation of the function joins.
struct NetworkHolder {
  std::shared_ptr<Child> pasta;
  pid_t inside = 0;
};

// Starts a network holder and waits (at most a few seconds: pasta sets up in tens of
// milliseconds) until its namespaces exist. Blocks the calling thread.
core::Expected<std::shared_ptr<NetworkHolder>, RuntimeError> start_network(State& st, const CompiledSpec& spec);
// Kills the holder (nullptr: nothing to do) and waits for it; blocks the calling thread.
void stop_network(State& st, const std::shared_ptr<NetworkHolder>& holder);

struct ClassicOutcome {  // default-constructible, as co_spawn(use_awaitable) wants
  std::optional<RuntimeError> error;
  ClassicResponse response;
};

// Runs one process for `request` on the calling coroutine's executor (a strand of its own); the
// caller has admitted the call.
boost::asio::awaitable<ClassicOutcome> run_classic(std::shared_ptr<State> st, std::shared_ptr<const CompiledSpec> spec,
                                                   ClassicRequest request);

}  // namespace faasgate::provider::detail
