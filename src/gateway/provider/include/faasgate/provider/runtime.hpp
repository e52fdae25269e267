#pragma once
// The embedded function runtime: functions are local processes (reference §3 and issue 3).
//
// Modes follow the upstream watchdog's vocabulary, chosen by envVars["mode"]:
//  - "streaming" / "classic" / absent: one process per request; the request body on stdin, the
//    answer from stdout; request facts in Http_Method, Http_Path, Http_Query, Http_Content_Type
//    and one Http_<Header> per header (dashes become underscores, as the watchdog does).
//  - "http": `replicas` long-running processes, each told to listen on 127.0.0.1:$PORT; the
//    gateway proxies to them. A process that dies is restarted with backoff.
// envProcess is split as a shell would split words (quotes and backslashes respected; no shell
// runs unless the command is one). envVars reach the process; secrets named by the function are
// files in a private directory whose path is in the environment variable `secret_mount_path`.
// stderr (and stdout in http mode) are captured, line by line with timestamps, into bounded
// per-function logs.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/provider/logs.hpp"
#include "faasgate/provider/provider.hpp"
#include "faasgate/provider/sandbox.hpp"

namespace faasgate::provider {

enum class Mode { classic, http };

struct RuntimeOptions {
  std::filesystem::path work_dir;               // <data-dir>/functions: per-function dirs and secrets
  std::chrono::seconds default_timeout{60};     // per invocation; envVars "exec_timeout" overrides (Go duration)
  std::size_t max_output_bytes = 16 * 1024 * 1024;  // classic mode stdout
  LogLimits log_limits;
  std::chrono::milliseconds restart_backoff_min{200};
  std::chrono::milliseconds restart_backoff_max{10000};
  std::chrono::seconds ready_timeout{30};       // http mode: how long a replica may take to listen
  std::chrono::seconds stop_grace{5};           // SIGTERM, then SIGKILL
  std::uint32_t max_replicas = 64;              // per function, http mode (apply and scale refuse more)
  // Classic processes running at once, all functions together: every call to a classic function
  // starts a process, and invocation is open to anyone unless the function asks for a token.
  std::size_t max_classic_processes = 256;
  // PATH of every function process unless its envVars set one.
  std::string default_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  // Every function process runs in it when enabled (provider/sandbox.hpp, docs/isolation.md).
  SandboxOptions sandbox;
};


struct ClassicRequest {
  std::string method;
  std::string path;    // the part after the function name, with its leading '/'
  std::string query;   // raw, without '?'
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A process that exits non-zero, or is killed by a signal we did not send, still answers: the API
// layer decides the status (upstream answers 500 with the output).
struct ClassicResponse {
  int exit_code = 0;         // the exit status, or 128 + signal
  int signal = 0;            // the terminating signal when killed by one, else 0
  std::string body;          // stdout
  std::chrono::microseconds duration{};
};

struct ReplicaEndpoint {
  boost::asio::ip::tcp::endpoint endpoint;  // 127.0.0.1:<port>
  std::uint32_t replica = 0;
  std::uint64_t generation = 0;             // changes when the process is restarted
};

// Processes and signals (what the rest of the program must not break):
//  - Children are started with posix_spawn (no shell, no fork of the gateway), each in its own
//    process group, with a clean environment, default signal dispositions, an empty signal mask
//    and only fds 0-2 (all other descriptors are closed in the child).
//  - No SIGCHLD handler is installed. Exits are observed through pidfds on the io_context (polling
//    waitid where pidfds are unavailable), and only pids the runtime spawned are waited for, by pid.
//    So nobody else in the process may reap children it does not own (no wait(), no
//    waitpid(-1, ...)) or set SIGCHLD to SIG_IGN / SA_NOCLDWAIT (the kernel would then reap them and
//    exit statuses would be lost); the constructor undoes an inherited SIG_IGN / SA_NOCLDWAIT.
//  - No SIGPIPE handling is needed: a child's stdin is an AF_UNIX socket written with MSG_NOSIGNAL.
//  - When a process exits, what is left of its process group is SIGKILLed before it is reaped.
//  - apply(), remove() and scale() never wait for processes: they send SIGTERM and arm a timer for
//    SIGKILL after stop_grace (on the io_context). shutdown() is synchronous and works whether or
//    not the io_context still runs: it may block up to stop_grace plus a few seconds, so call it
//    after io.run() has returned or from a thread that may block.
//  - If the gateway itself dies, its children are not killed (no PR_SET_PDEATHSIG with
//    posix_spawn); they are orphans in their own groups. The next Runtime on the same work_dir
//    stops them when it starts (process_ledger.hpp).
class Runtime final : public Provider {
 public:
  Runtime(boost::asio::io_context& io, RuntimeOptions options);
  ~Runtime();  // stops every process
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Creates or replaces a function: validates the spec (names, mode, exec_timeout, envVars, that
  // every secret named in deployment.secrets has a value in `secrets`, that the executable exists),
  // writes its secrets (files no longer named are deleted), (re)starts its replicas in http mode.
  // Replacing an http function stops the old replicas and starts new ones (stop-then-start).
  core::Expected<void, RuntimeError> apply(const FunctionSpec& spec) override;
  // Stops its replicas, deletes <work_dir>/<ns>/<name> (secrets included) and its logs. In-flight
  // classic invocations finish (bounded by their timeout).
  void remove(const std::string& ns, const std::string& name) override;
  // http mode: starts/stops replicas (highest indices stop first). classic mode: only recorded.
  core::Expected<void, RuntimeError> scale(const std::string& ns, const std::string& name, std::uint32_t replicas) override;

  std::optional<Mode> mode(const std::string& ns, const std::string& name) const;
  // http mode: replicas that accept connections; classic mode: the recorded replica count (nothing
  // stands by, a process starts per request).
  std::uint32_t available_replicas(const std::string& ns, const std::string& name) const override;
  // exec_timeout (rounded up to whole seconds) or default_timeout; also meant for proxying to http mode.
  std::chrono::seconds timeout(const std::string& ns, const std::string& name) const;

  // A call admitted under the function's max_inflight (an envVar, as upstream's watchdog reads it:
  // that many calls at once, more are refused; absent or 0, no limit of its own). The slot is
  // held until the last copy of the Admission is gone. invoke_classic admits by itself; the
  // http-mode proxy asks here first. Errors: not_found, busy.
  class Admission {
   public:
    Admission() = default;

   private:
    friend class Runtime;
    explicit Admission(std::shared_ptr<void> slot) : slot_(std::move(slot)) {}
    std::shared_ptr<void> slot_;
  };
  core::Expected<Admission, RuntimeError> admit(const std::string& ns, const std::string& name);

  // http mode: the next ready replica, round robin; nullopt when none is ready (the caller answers 502/503).
  std::optional<ReplicaEndpoint> pick(const std::string& ns, const std::string& name);
  // http mode: tell the runtime a replica failed a connection, so it can be checked and restarted.
  void report_failure(const std::string& ns, const std::string& name, const ReplicaEndpoint& replica);

  // classic mode: runs one process for the request, bounded by the function's timeout and
  // max_output_bytes. Never blocks the calling thread (async pipes). Non-zero exits answer with
  // exit_code set; errors: not_found, wrong_mode, busy, bad_command, spawn_failed, timeout,
  // too_large, unavailable. Any thread/executor may call it; the work runs on a strand of its own.
  // Caution (GCC 12): pass `request` as a named variable (std::move(req)), never as a braced or
  // prvalue temporary inside a co_await expression (`co_await rt.invoke_classic(ns, n, {})`): GCC 12
  // miscompiles that (the temporary's strings end up pointing into the caller's frame; ASan reports
  // a bad free).
  boost::asio::awaitable<core::Expected<ClassicResponse, RuntimeError>> invoke_classic(
      const std::string& ns, const std::string& name, ClassicRequest request);

  const LogStore& logs() const override;

  // Graceful stop of every process (SIGTERM, then SIGKILL after stop_grace).
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faasgate::provider
