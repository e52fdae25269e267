#pragma once
// Internal to the provider: what the runtime's units share - the function table, the processes
// the runtime owns (spawned, adopted for shutdown and written in the ledger), and the pumps that
// carry their output into the logs. The replica supervisor (runtime_replicas.hpp), classic runs
// (runtime_classic.hpp) and admission (runtime_admission.hpp) work on it; Runtime composes them.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/provider/logs.hpp"
#include "faasgate/provider/runtime.hpp"
#include "process.hpp"
#include "process_ledger.hpp"
#include "runtime_admission.hpp"
#include "runtime_spec.hpp"

namespace faasgate::provider::detail {

inline constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
using Clock = std::chrono::steady_clock;
using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

inline constexpr std::chrono::milliseconds kKillWait{5000};  // after SIGKILL, how long shutdown waits for a zombie

// A one-shot event for coroutines on one strand.
class Event {
 public:
  explicit Event(const boost::asio::any_io_executor& ex) : timer_(ex, Clock::time_point::max()) {}
  void set() {
    set_ = true;
    timer_.cancel();
  }
  bool is_set() const noexcept { return set_; }
  boost::asio::awaitable<void> wait() {
    while (!set_) (void)co_await timer_.async_wait(use_tuple);
  }

 private:
  boost::asio::steady_timer timer_;
  bool set_ = false;
};

// Reaps `child` once it exits: waits on its pidfd, or polls where there is none.
boost::asio::awaitable<ExitStatus> wait_exit(std::shared_ptr<Child> child);

struct Replica;        // runtime_replicas.hpp
struct NetworkHolder;  // runtime_classic.hpp

struct FunctionEntry {
  std::shared_ptr<const CompiledSpec> spec;
  std::shared_ptr<NetworkHolder> network;  // sandboxed classic functions
  std::uint32_t replicas = 1;
  std::vector<std::shared_ptr<Replica>> running;  // http mode
  std::uint64_t next = 0;                         // round robin
};

// Everything the coroutines touch: shared, so that a coroutine resumed after ~Runtime (while the
// io_context still runs) finds valid memory and sees `stopping`.
struct State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& i, RuntimeOptions o);

  boost::asio::io_context& io;
  const RuntimeOptions options;
  LogStore logs;
  ProcessLedger ledger;  // what is running, for the next gateway if this one crashes
  const std::shared_ptr<Admissions> admissions;

  mutable std::mutex mu;
  bool stopping = false;
  std::map<FunctionKey, FunctionEntry> functions;
  std::map<const Child*, std::shared_ptr<Child>> children;  // spawned, not yet released by their owner
  std::set<unsigned short> ports;                            // ports handed to live replicas
  std::uint64_t generations = 0;

  std::mutex files_mu;  // apply/remove file work, one at a time
  std::mutex network_mu;  // restarts of classic functions' networks, one at a time

  // Takes ownership of a child just spawned, for shutdown; when shutting down, kills it instead
  // and fails (unavailable).
  core::Expected<void, RuntimeError> adopt(const std::shared_ptr<Child>& child);
  void release(const std::shared_ptr<Child>& child);

  // `port`: an http replica's $PORT, which the sandbox forwards from the host's loopback.
  core::Expected<Spawned, RuntimeError> spawn(const CompiledSpec& spec, std::map<std::string, std::string> env,
                                              bool stdin_socket, std::uint16_t port = 0, pid_t network_of = 0);

  // Copies `in`, line by line, into the function's logs as `instance`, until EOF.
  // `self` and `keep_alive` are parameters so that they are held from the moment of the call.
  boost::asio::awaitable<void> pump(std::shared_ptr<State> self, boost::asio::posix::stream_descriptor& in,
                                    std::shared_ptr<void> keep_alive, std::shared_ptr<const CompiledSpec> spec,
                                    std::string instance);
  void start_pump(const boost::asio::any_io_executor& ex, UniqueFd fd, std::shared_ptr<const CompiledSpec> spec,
                  std::string instance);
};

}  // namespace faasgate::provider::detail
