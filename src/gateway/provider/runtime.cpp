#include "faasgate/provider/runtime.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "process.hpp"
#include "process_ledger.hpp"
#include "runtime_admission.hpp"
#include "runtime_files.hpp"
#include "runtime_spec.hpp"

namespace faasgate::provider {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using detail::Child;
using detail::CompiledSpec;
using detail::error;
using detail::ExitStatus;
using detail::Spawned;
using detail::UniqueFd;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

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

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using Strand = asio::strand<asio::io_context::executor_type>;
using Key = std::pair<std::string, std::string>;  // (namespace, name)

// How long a classic invocation keeps reading after its process exited, for output still held by a
// descendant that left the process group.
constexpr milliseconds kDrainAfterExit{2000};
constexpr milliseconds kKillWait{5000};  // after SIGKILL, how long shutdown waits for a zombie

std::vector<std::string> env_list(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// A one-shot event for coroutines on one strand.
class Event {
 public:
  explicit Event(const asio::any_io_executor& ex) : timer_(ex, Clock::time_point::max()) {}
  void set() {
    set_ = true;
    timer_.cancel();
  }
  bool is_set() const noexcept { return set_; }
  asio::awaitable<void> wait() {
    while (!set_) (void)co_await timer_.async_wait(use_tuple);
  }

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

// Splits a byte stream into lines of at most max_line bytes (the rest of a longer line is dropped).
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) : max_(max_line) {}
  template <class Emit>
  void feed(std::string_view data, Emit&& emit) {
    for (char c : data) {
      if (c == '\n') {
        flush(emit);
        skipping_ = false;
        continue;
      }
      if (skipping_) continue;
      line_ += c;
      if (line_.size() >= max_) {
        flush(emit);
        skipping_ = true;
      }
    }
  }
  template <class Emit>
  void finish(Emit&& emit) {
    if (!line_.empty()) flush(emit);
  }

 private:
  template <class Emit>
  void flush(Emit& emit) {
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (!skipping_ || !line_.empty()) emit(std::move(line_));
    line_.clear();
  }
  std::size_t max_;
  std::string line_;
  bool skipping_ = false;
};

asio::awaitable<ExitStatus> wait_exit(std::shared_ptr<Child> child) {
  auto ex = co_await asio::this_coro::executor;
  if (int fd = child->dup_pidfd(); fd >= 0) {
    asio::posix::stream_descriptor pidfd(ex, fd);
    for (;;) {
      if (auto s = child->try_reap()) co_return *s;
      auto [ec] = co_await pidfd.async_wait(asio::posix::descriptor_base::wait_read, use_tuple);
      if (ec) break;
    }
  }
  asio::steady_timer poll(ex);  // no pidfd: poll, never a SIGCHLD handler
  for (;;) {
    if (auto s = child->try_reap()) co_return *s;
    poll.expires_after(milliseconds(25));
    (void)co_await poll.async_wait(use_tuple);
  }
}

asio::awaitable<bool> can_connect(tcp::endpoint endpoint, milliseconds limit) {
  auto ex = co_await asio::this_coro::executor;  // a strand: the timer's handler and this coroutine do not race
  tcp::socket socket(ex);
  asio::steady_timer timer(ex, limit);
  timer.async_wait([&socket](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the socket may be gone already, do not touch it
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  auto [ec] = co_await socket.async_connect(endpoint, use_tuple);
  timer.cancel();
  boost::system::error_code ignored;
  socket.close(ignored);
  co_return !ec;
}

}  // namespace

struct Replica {
  Replica(asio::io_context& io, std::shared_ptr<const CompiledSpec> s, std::uint32_t i)
      : strand(asio::make_strand(io)), spec(std::move(s)), index(i) {}
  Strand strand;
  const std::shared_ptr<const CompiledSpec> spec;
  const std::uint32_t index;
  // Guarded by State::mu.
  bool stopping = false;
  bool ready = false;
  bool checking = false;
  std::uint64_t generation = 0;
  tcp::endpoint endpoint;
  std::shared_ptr<Child> child;
};

// A sandboxed classic function's network (provider/sandbox.hpp, network_holder): pasta and a
// process holding its namespaces, which every invocation of the function joins.
struct NetworkHolder {
  std::shared_ptr<Child> pasta;
  pid_t inside = 0;
};

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
  State(asio::io_context& i, RuntimeOptions o)
      : io(i),
        options(std::move(o)),
        logs(options.log_limits),
        ledger(options.work_dir.empty() ? std::filesystem::path() : options.work_dir / ".processes"),
        admissions(std::make_shared<detail::Admissions>(options.max_classic_processes)) {}

  asio::io_context& io;
  const RuntimeOptions options;
  LogStore logs;
  detail::ProcessLedger ledger;  // what is running, for the next gateway if this one crashes
  const std::shared_ptr<detail::Admissions> admissions;

  mutable std::mutex mu;
  bool stopping = false;
  std::map<Key, FunctionEntry> functions;
  std::map<const Child*, std::shared_ptr<Child>> children;  // spawned, not yet released by their owner
  std::set<unsigned short> ports;                            // ports handed to live replicas
  std::uint64_t generations = 0;

  std::mutex files_mu;  // apply/remove file work, one at a time
  std::mutex network_mu;  // restarts of classic functions' networks, one at a time

  // --- children -------------------------------------------------------------------------------

  // Takes ownership for shutdown; false when shutting down (the caller kills the child).
  bool adopt(const std::shared_ptr<Child>& child) {
    std::lock_guard lock(mu);
    if (stopping) return false;
    children.emplace(child.get(), child);
    ledger.add(child->pid());
    return true;
  }
  void release(const std::shared_ptr<Child>& child) {
    std::lock_guard lock(mu);
    children.erase(child.get());
    ledger.remove(child->pid());
  }

  // `port`: an http replica's $PORT, which the sandbox forwards from the host's loopback.
  core::Expected<Spawned, RuntimeError> spawn(const CompiledSpec& spec, std::map<std::string, std::string> env,
                                              bool stdin_socket, std::uint16_t port = 0, pid_t network_of = 0) {
    auto exe = detail::find_executable(spec.argv.front(), spec.path_var, spec.dir);
    if (!exe) return core::fail(error(RuntimeErrc::bad_command, "executable not found: " + spec.argv.front()));
    detail::SpawnOptions so;
    if (options.sandbox.enabled) {
      auto command =
          sandboxed(options.sandbox, spec.limits, spec.dir, spec.secrets_dir, *exe, spec.argv, port, network_of);
      so.executable = std::move(command.executable);
      so.argv = std::move(command.argv);
    } else {
      so.executable = std::move(*exe);
      so.argv = spec.argv;
    }
    so.env = env_list(env);
    so.cwd = spec.dir;
    so.stdin_socket = stdin_socket;
    auto spawned = detail::spawn(so);
    if (!spawned) return core::fail(error(RuntimeErrc::spawn_failed, spawned.error()));
    if (!adopt(spawned->child)) {
      spawned->child->signal_group(SIGKILL);
      spawned->child->wait_until(Clock::now() + kKillWait);
      return core::fail(error(RuntimeErrc::unavailable, "the runtime is shutting down"));
    }
    return std::move(*spawned);
  }

  // --- classic functions' networks -----------------------------------------------------------

  // Starts a network holder and waits (at most a few seconds: pasta sets up in tens of
  // milliseconds) until its namespaces exist. Blocks the calling thread.
  core::Expected<std::shared_ptr<NetworkHolder>, RuntimeError> start_network(const CompiledSpec& spec) {
    auto command = network_holder(options.sandbox);
    detail::SpawnOptions so;
    so.executable = std::move(command.executable);
    so.argv = std::move(command.argv);
    so.env = {"PATH=" + options.default_path};
    so.cwd = "/";
    so.stdin_socket = false;
    auto spawned = detail::spawn(so);
    if (!spawned) return core::fail(error(RuntimeErrc::spawn_failed, "cannot start the function's network: " + spawned.error()));
    if (!adopt(spawned->child)) {
      spawned->child->signal_group(SIGKILL);
      spawned->child->wait_until(Clock::now() + kKillWait);
      return core::fail(error(RuntimeErrc::unavailable, "the runtime is shutting down"));
    }
    auto holder = std::make_shared<NetworkHolder>();
    holder->pasta = spawned->child;
    // What pasta says goes to the function's logs.
    start_pump(io.get_executor(), std::move(spawned->stdout_fd), std::make_shared<const CompiledSpec>(spec), "network");
    start_pump(io.get_executor(), std::move(spawned->stderr_fd), std::make_shared<const CompiledSpec>(spec), "network");
    // Ready once its namespaces exist and pasta listens in them for the gateway's port (it starts
    // the command before its forwarding is up: a call in the first milliseconds would be refused).
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    const auto gateway_port = options.sandbox.gateway_port;
    auto ready = [&] {
      holder->inside = inside_network(holder->pasta->pid());
      return holder->inside != 0 && (gateway_port == 0 || listening_inside(holder->pasta->pid(), gateway_port));
    };
    while (!ready() && Clock::now() < deadline) {
      if (holder->pasta->try_reap()) break;
      std::this_thread::sleep_for(milliseconds(2));
    }
    if (!ready()) {
      stop_network(holder);
      return core::fail(error(RuntimeErrc::spawn_failed, "the function's network (pasta) did not start"));
    }
    return holder;
  }

  void stop_network(const std::shared_ptr<NetworkHolder>& holder) {
    if (!holder) return;
    holder->pasta->signal_group(SIGKILL);  // it only holds namespaces: nothing to end gracefully
    holder->pasta->wait_until(Clock::now() + kKillWait);
    release(holder->pasta);
  }

  // The function's network holder, started again when it died. nullptr when functions are not
  // sandboxed (or the function is gone).
  core::Expected<std::shared_ptr<NetworkHolder>, RuntimeError> network_for(const CompiledSpec& spec) {
    if (!options.sandbox.enabled) return std::shared_ptr<NetworkHolder>();
    std::lock_guard lock(network_mu);  // one restart at a time
    std::shared_ptr<NetworkHolder> current;
    {
      std::lock_guard state(mu);
      auto it = functions.find({spec.ns, spec.name});
      if (it == functions.end()) return core::fail(error(RuntimeErrc::not_found, "no such function"));
      current = it->second.network;
    }
    if (current && !current->pasta->try_reap()) return current;
    auto fresh = start_network(spec);
    if (!fresh) return core::fail(fresh.error());
    {
      std::lock_guard state(mu);
      auto it = functions.find({spec.ns, spec.name});
      if (it != functions.end()) {
        if (current) spdlog::warn("function {}.{}: its network had stopped; started it again", spec.name, spec.ns);
        it->second.network = *fresh;
        return *fresh;
      }
    }
    stop_network(*fresh);
    return core::fail(error(RuntimeErrc::not_found, "no such function"));
  }

  // --- logs -----------------------------------------------------------------------------------

  // `self` and `keep_alive` are parameters so that they are held from the moment of the call.
  asio::awaitable<void> pump(std::shared_ptr<State> self, asio::posix::stream_descriptor& in,
                             std::shared_ptr<void> keep_alive, std::shared_ptr<const CompiledSpec> spec,
                             std::string instance) {
    (void)self;
    (void)keep_alive;
    LineSplitter lines(options.log_limits.max_line_bytes);
    auto emit = [&](std::string text) {
      LogLine line;
      line.name = spec->name;
      line.namespace_ = spec->ns;
      line.instance = instance;
      line.timestamp = std::chrono::system_clock::now();
      line.text = std::move(text);
      logs.append(std::move(line));
    };
    std::array<char, 8192> buf;
    for (;;) {
      auto [ec, n] = co_await in.async_read_some(asio::buffer(buf), use_tuple);
      if (n > 0) lines.feed(std::string_view(buf.data(), n), emit);
      if (ec) break;
    }
    lines.finish(emit);
    boost::system::error_code ignored;
    in.close(ignored);
  }

  void start_pump(const asio::any_io_executor& ex, UniqueFd fd, std::shared_ptr<const CompiledSpec> spec,
                  std::string instance) {
    auto d = std::make_shared<asio::posix::stream_descriptor>(ex, fd.release());
    asio::co_spawn(ex, pump(shared_from_this(), *d, d, std::move(spec), std::move(instance)), asio::detached);
  }

  // --- http replicas --------------------------------------------------------------------------

  unsigned short reserve_port() {
    std::lock_guard lock(mu);
    for (int attempt = 0; attempt < 32; ++attempt) {
      UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (!fd) return 0;
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = 0;
      socklen_t len = sizeof addr;
      if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 0;
      if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
      const auto port = ntohs(addr.sin_port);
      if (ports.insert(port).second) return port;  // not one a replica of ours was given
    }
    return 0;
  }
  void release_port(unsigned short port) {
    std::lock_guard lock(mu);
    ports.erase(port);
  }

  bool replica_stopping(const Replica& r) const {
    std::lock_guard lock(mu);
    return stopping || r.stopping;
  }

  // Records the replica's new process; false when it is being stopped (the caller kills it).
  bool attach(Replica& r, const std::shared_ptr<Child>& child, tcp::endpoint endpoint, std::uint64_t& generation) {
    std::lock_guard lock(mu);
    if (stopping || r.stopping) return false;
    r.child = child;
    r.endpoint = endpoint;
    r.ready = false;
    r.generation = generation = ++generations;
    return true;
  }

  bool mark_ready(Replica& r, std::uint64_t generation) {
    std::lock_guard lock(mu);
    if (stopping || r.stopping || r.generation != generation) return false;
    r.ready = true;
    return true;
  }

  void detach(Replica& r, std::uint64_t generation, const std::shared_ptr<Child>& child, unsigned short port) {
    std::lock_guard lock(mu);
    if (r.generation == generation) {
      r.ready = false;
      r.child.reset();
    }
    children.erase(child.get());
    ports.erase(port);
  }

  asio::awaitable<void> sleep_unless_stopping(const Replica& r, milliseconds total) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    const auto until = Clock::now() + total;
    while (!replica_stopping(r) && Clock::now() < until) {
      timer.expires_at(std::min(until, Clock::now() + milliseconds(100)));
      (void)co_await timer.async_wait(use_tuple);
    }
  }

  struct Run {
    explicit Run(const asio::any_io_executor& ex) : exited(ex) {}
    Event exited;
    ExitStatus status;
  };

  static asio::awaitable<void> watch_replica(std::shared_ptr<Child> child, std::shared_ptr<Run> run) {
    run->status = co_await wait_exit(child);
    run->exited.set();
  }

  asio::awaitable<void> supervise(std::shared_ptr<State> self, std::shared_ptr<Replica> r) {
    (void)self;  // keeps the state alive for as long as the supervisor runs
    auto ex = co_await asio::this_coro::executor;
    const auto& spec = *r->spec;
    const std::string instance = spec.name + "-" + std::to_string(r->index);
    const std::string who = spec.name + "." + spec.ns + " replica " + std::to_string(r->index);
    auto backoff = options.restart_backoff_min;

    while (!replica_stopping(*r)) {
      bool became_ready = false;
      const auto started = Clock::now();
      const auto port = reserve_port();
      if (port == 0) {
        spdlog::error("function {}: no free loopback port", who);
      } else {
        auto env = spec.env;
        env["PORT"] = std::to_string(port);
        auto spawned = spawn(spec, std::move(env), /*stdin_socket=*/false, port);
        if (!spawned) {
          release_port(port);
          if (spawned.error().code == RuntimeErrc::unavailable) break;
          spdlog::error("function {}: cannot start: {}", who, spawned.error().message);
        } else {
          auto child = spawned->child;
          const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
          std::uint64_t generation = 0;
          if (!attach(*r, child, endpoint, generation)) {
            child->signal_group(SIGKILL);
            (void)co_await wait_exit(child);
            release(child);
            release_port(port);
            break;
          }
          spdlog::info("function {}: started pid {} on port {} (generation {})", who, child->pid(), port, generation);
          start_pump(ex, std::move(spawned->stdout_fd), r->spec, instance);
          start_pump(ex, std::move(spawned->stderr_fd), r->spec, instance);
          auto run = std::make_shared<Run>(ex);
          asio::co_spawn(ex, watch_replica(child, run), asio::detached);

          // Ready = the port accepts a connection.
          const auto deadline = Clock::now() + options.ready_timeout;
          milliseconds interval(20);
          asio::steady_timer timer(ex);
          while (!run->exited.is_set() && !replica_stopping(*r) && Clock::now() < deadline) {
            if (co_await accepting(*child, endpoint)) {
              became_ready = mark_ready(*r, generation);
              break;
            }
            timer.expires_after(interval);
            (void)co_await timer.async_wait(use_tuple);
            interval = std::min(interval * 2, milliseconds(200));
          }
          if (became_ready) {
            spdlog::info("function {}: ready", who);
          } else if (!run->exited.is_set() && !replica_stopping(*r)) {
            spdlog::warn("function {}: not listening on port {} after {}s, killing it", who, port,
                         options.ready_timeout.count());
            child->signal_group(SIGKILL);
          }
          co_await run->exited.wait();
          detach(*r, generation, child, port);
          if (replica_stopping(*r)) {
            spdlog::info("function {}: stopped (pid {}, status {})", who, child->pid(), run->status.code);
            break;
          }
          spdlog::warn("function {}: pid {} exited with status {}, restarting in {} ms", who, child->pid(),
                       run->status.code, backoff.count());
          if (became_ready && Clock::now() - started >= options.restart_backoff_max) {
            backoff = options.restart_backoff_min;  // it ran well for a while: not a crash loop
          }
        }
      }
      co_await sleep_unless_stopping(*r, backoff);
      backoff = std::min(backoff * 2, options.restart_backoff_max);
    }
  }

  void start_replica(const std::shared_ptr<Replica>& r) {
    asio::co_spawn(r->strand, supervise(shared_from_this(), r), asio::detached);
  }

  // Asynchronous: SIGTERM now, SIGKILL after stop_grace; the supervisor reaps and exits.
  void stop_replica(const std::shared_ptr<Replica>& r) {
    std::shared_ptr<Child> child;
    {
      std::lock_guard lock(mu);
      r->stopping = true;
      r->ready = false;
      child = r->child;
    }
    if (!child) return;
    child->signal_group(SIGTERM);
    auto timer = std::make_shared<asio::steady_timer>(io, options.stop_grace);
    timer->async_wait([timer, child](const boost::system::error_code& ec) {
      if (!ec) child->signal_group(SIGKILL);  // a no-op once it has been reaped
    });
  }

  // Whether a replica accepts connections: connecting tells, unless the sandbox forwards its port
  // (the host side accepts whether the function listens or not); then its namespace tells.
  asio::awaitable<bool> accepting(const Child& child, tcp::endpoint endpoint) {
    if (options.sandbox.enabled) co_return listening_inside(child.pid(), endpoint.port());
    co_return co_await can_connect(endpoint, milliseconds(1000));
  }

  // After a failed connection: check the replica; if it does not accept connections any more,
  // kill it so that its supervisor restarts it.
  asio::awaitable<void> check(std::shared_ptr<State> self, std::shared_ptr<Replica> r, std::uint64_t generation,
                              tcp::endpoint endpoint) {
    (void)self;
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    std::shared_ptr<Child> running;
    {
      std::lock_guard lock(mu);
      running = r->child;
    }
    bool alive = false;
    for (int attempt = 0; attempt < 3 && !alive && running; ++attempt) {
      if (attempt > 0) {
        timer.expires_after(milliseconds(100));
        (void)co_await timer.async_wait(use_tuple);
      }
      alive = co_await accepting(*running, endpoint);
    }
    std::shared_ptr<Child> child;
    {
      std::lock_guard lock(mu);
      r->checking = false;
      if (r->generation != generation || r->stopping || stopping) co_return;
      if (alive) {
        r->ready = true;
        co_return;
      }
      child = r->child;
    }
    if (child) {
      spdlog::warn("function {}.{} replica {}: not accepting connections, restarting it", r->spec->name, r->spec->ns,
                   r->index);
      child->signal_group(SIGKILL);
    }
  }
};

// ----------------------------------------------------------------------------------------------
// Classic mode: one process per request.

namespace {

struct Invocation {
  explicit Invocation(const asio::any_io_executor& ex)
      : in(ex), out(ex), err(ex), deadline(ex), drain(ex), done(ex) {}
  asio::local::stream_protocol::socket in;
  asio::posix::stream_descriptor out;
  asio::posix::stream_descriptor err;
  asio::steady_timer deadline;
  asio::steady_timer drain;
  Event done;
  int pending = 0;
  std::shared_ptr<Child> child;
  std::string output;
  ExitStatus status;
  bool exited = false;
  bool timed_out = false;
  bool too_large = false;

  void close_streams() {
    boost::system::error_code ignored;
    in.close(ignored);
    out.close(ignored);
    err.close(ignored);
  }
};

struct Outcome {  // default-constructible, as co_spawn(use_awaitable) wants
  std::optional<RuntimeError> error;
  ClassicResponse response;
};

// (Named coroutines rather than coroutine lambdas: GCC 12 mishandles by-value parameters of the
// latter.)
asio::awaitable<void> write_stdin(std::shared_ptr<Invocation> inv, std::string body) {
  if (!body.empty()) (void)co_await asio::async_write(inv->in, asio::buffer(body), use_tuple);
  boost::system::error_code ignored;
  inv->in.close(ignored);
}

asio::awaitable<void> read_stdout(std::shared_ptr<Invocation> inv, std::size_t max) {
  std::array<char, 16384> buf;
  for (;;) {
    auto [ec, n] = co_await inv->out.async_read_some(asio::buffer(buf), use_tuple);
    if (n > 0) {
      if (inv->output.size() + n > max) {
        inv->too_large = true;
        inv->child->signal_group(SIGKILL);
        break;
      }
      inv->output.append(buf.data(), n);
    }
    if (ec) break;
  }
  boost::system::error_code ignored;
  inv->out.close(ignored);
}

asio::awaitable<void> watch_exit(std::shared_ptr<Invocation> inv) {
  inv->status = co_await wait_exit(inv->child);
  inv->exited = true;
  inv->drain.expires_after(kDrainAfterExit);
  inv->drain.async_wait([inv](const boost::system::error_code& ec) {
    if (!ec) inv->close_streams();
  });
}

asio::awaitable<Outcome> run_classic(std::shared_ptr<State> st, std::shared_ptr<const CompiledSpec> spec,
                                     ClassicRequest request) {
  Outcome outcome;
  auto ex = co_await asio::this_coro::executor;  // a strand of its own
  const auto started = Clock::now();
  auto network = st->network_for(*spec);
  if (!network) {
    outcome.error = std::move(network.error());
    co_return outcome;
  }
  auto spawned = st->spawn(*spec, detail::classic_env(*spec, request), /*stdin_socket=*/true, 0,
                           *network ? (*network)->inside : 0);
  if (!spawned) {
    outcome.error = std::move(spawned.error());
    co_return outcome;
  }
  auto inv = std::make_shared<Invocation>(ex);
  inv->child = spawned->child;
  inv->in.assign(asio::local::stream_protocol(), spawned->stdin_fd.release());
  inv->out.assign(spawned->stdout_fd.release());
  inv->err.assign(spawned->stderr_fd.release());
  const std::string instance = spec->name + "-" + std::to_string(inv->child->pid());
  const std::size_t max_output = st->options.max_output_bytes;

  auto finished = [inv](std::exception_ptr) {
    if (--inv->pending == 0) inv->done.set();
  };
  auto spawn_task = [&](asio::awaitable<void> task) {
    ++inv->pending;
    asio::co_spawn(ex, std::move(task), asio::bind_executor(ex, finished));
  };

  inv->deadline.expires_after(spec->timeout);
  inv->deadline.async_wait(asio::bind_executor(ex, [inv](const boost::system::error_code& ec) {
    if (ec) return;
    if (!inv->exited) {
      inv->timed_out = true;
      inv->child->signal_group(SIGKILL);
    }
    inv->close_streams();
  }));

  // stdin: the body, then EOF. A process that exits without reading it is no error.
  spawn_task(write_stdin(inv, std::move(request.body)));
  // stdout: the answer, bounded.
  spawn_task(read_stdout(inv, max_output));
  // stderr: into the logs.
  spawn_task(st->pump(st, inv->err, inv, spec, instance));
  // Exit: reap; then give descendants that escaped the group a moment before the streams close.
  spawn_task(watch_exit(inv));

  co_await inv->done.wait();
  inv->deadline.cancel();
  inv->drain.cancel();
  st->release(inv->child);

  if (inv->timed_out) {
    outcome.error = error(RuntimeErrc::timeout, "the function ran longer than its timeout of " +
                                                    std::to_string(spec->timeout.count()) + " ms and was killed");
  } else if (inv->too_large) {
    outcome.error = error(RuntimeErrc::too_large,
                          "the function wrote more than " + std::to_string(max_output) + " bytes and was killed");
  } else {
    outcome.response.exit_code = inv->status.code;
    outcome.response.signal = inv->status.signal;
    outcome.response.body = std::move(inv->output);
  }
  outcome.response.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  if (inv->status.code != 0) {
    spdlog::debug("function {}.{}: pid {} exited with status {}", spec->name, spec->ns, inv->child->pid(),
                  inv->status.code);
  }
  co_return outcome;
}

}  // namespace

// ----------------------------------------------------------------------------------------------

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
    auto started = st.start_network(*c);
    if (!started) return core::fail(started.error());
    network = std::move(*started);
  }
  std::vector<std::shared_ptr<Replica>> old, fresh;
  {
    std::lock_guard lock(st.mu);
    if (st.stopping) {
      st.stop_network(network);
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
  for (auto& r : old) st.stop_replica(r);
  st.stop_network(old_network);  // invocations still in it keep its namespaces, not its pasta
  for (auto& r : fresh) st.start_replica(r);
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
  for (auto& r : old) st.stop_replica(r);
  st.stop_network(network);
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
  for (auto& r : stop) st.stop_replica(r);
  for (auto& r : start) st.start_replica(r);
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
  std::uint32_t n = 0;
  for (const auto& r : f.running) n += r->ready ? 1 : 0;
  return n;
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
  auto& f = it->second;
  const auto n = f.running.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& r = f.running[(f.next + i) % n];
    if (r->ready) {
      f.next = (f.next + i + 1) % n;
      return ReplicaEndpoint{r->endpoint, r->index, r->generation};
    }
  }
  return std::nullopt;
}

void Runtime::report_failure(const std::string& ns, const std::string& name, const ReplicaEndpoint& replica) {
  auto& st = *impl_->state;
  std::shared_ptr<Replica> r;
  {
    std::lock_guard lock(st.mu);
    auto it = st.functions.find({ns, name});
    if (it == st.functions.end() || st.stopping) return;
    for (const auto& candidate : it->second.running) {
      if (candidate->index == replica.replica && candidate->generation == replica.generation) r = candidate;
    }
    if (!r || r->stopping || r->checking || !r->ready) return;
    r->ready = false;  // until the check below says otherwise
    r->checking = true;
  }
  asio::co_spawn(r->strand, st.check(st.shared_from_this(), r, replica.generation, replica.endpoint), asio::detached);
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
  auto outcome = co_await asio::co_spawn(asio::make_strand(st->io), run_classic(st, spec, std::move(request)),
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
  const auto limit = Clock::now() + kKillWait;
  for (auto& c : children) {
    if (c->wait_until(limit)) {
      st.ledger.remove(c->pid());
    } else {
      spdlog::error("process {} did not die after SIGKILL", c->pid());
    }
  }
  spdlog::info("runtime: stopped {} processes ({} needed SIGKILL)", children.size(), killed);
}

}  // namespace faasgate::provider
