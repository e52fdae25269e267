#include "runtime_replicas.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <spdlog/spdlog.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>
#include <utility>

#include "faasgate/provider/sandbox.hpp"

namespace faasgate::provider::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

namespace {

unsigned short reserve_port(State& st) {
  std::lock_guard lock(st.mu);
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
    if (st.ports.insert(port).second) return port;  // not one a replica of ours was given
  }
  return 0;
}

void release_port(State& st, unsigned short port) {
  std::lock_guard lock(st.mu);
  st.ports.erase(port);
}

bool replica_stopping(const State& st, const Replica& r) {
  std::lock_guard lock(st.mu);
  return st.stopping || r.stopping;
}

// Records the replica's new process; false when it is being stopped (the caller kills it).
bool attach(State& st, Replica& r, const std::shared_ptr<Child>& child, tcp::endpoint endpoint,
            std::uint64_t& generation) {
  std::lock_guard lock(st.mu);
  if (st.stopping || r.stopping) return false;
  r.child = child;
  r.endpoint = endpoint;
  r.ready = false;
  r.generation = generation = ++st.generations;
  return true;
}

bool mark_ready(State& st, Replica& r, std::uint64_t generation) {
  std::lock_guard lock(st.mu);
  if (st.stopping || r.stopping || r.generation != generation) return false;
  r.ready = true;
  return true;
}

void detach(State& st, Replica& r, std::uint64_t generation, const std::shared_ptr<Child>& child,
            unsigned short port) {
  std::lock_guard lock(st.mu);
  if (r.generation == generation) {
    r.ready = false;
    r.child.reset();
  }
  st.children.erase(child.get());
  st.ports.erase(port);
}

asio::awaitable<void> sleep_unless_stopping(const State& st, const Replica& r, milliseconds total) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  const auto until = Clock::now() + total;
  while (!replica_stopping(st, r) && Clock::now() < until) {
    timer.expires_at(std::min(until, Clock::now() + milliseconds(100)));
    (void)co_await timer.async_wait(use_tuple);
  }
}

struct Run {
  explicit Run(const asio::any_io_executor& ex) : exited(ex) {}
  Event exited;
  ExitStatus status;
};

asio::awaitable<void> watch_replica(std::shared_ptr<Child> child, std::shared_ptr<Run> run) {
  run->status = co_await wait_exit(child);
  run->exited.set();
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

// Whether a replica accepts connections: connecting tells, unless the sandbox forwards its port
// (the host side accepts whether the function listens or not); then its namespace tells.
asio::awaitable<bool> accepting(const State& st, const Child& child, tcp::endpoint endpoint) {
  if (st.options.sandbox.enabled) co_return listening_inside(child.pid(), endpoint.port());
  co_return co_await can_connect(endpoint, milliseconds(1000));
}

// `st` is a parameter so that the state is alive for as long as the supervisor runs.
asio::awaitable<void> supervise(std::shared_ptr<State> st, std::shared_ptr<Replica> r) {
  auto ex = co_await asio::this_coro::executor;
  const auto& options = st->options;
  const auto& spec = *r->spec;
  const std::string instance = spec.name + "-" + std::to_string(r->index);
  const std::string who = spec.name + "." + spec.ns + " replica " + std::to_string(r->index);
  auto backoff = options.restart_backoff_min;

  while (!replica_stopping(*st, *r)) {
    bool became_ready = false;
    const auto started = Clock::now();
    const auto port = reserve_port(*st);
    if (port == 0) {
      spdlog::error("function {}: no free loopback port", who);
    } else {
      auto env = spec.env;
      env["PORT"] = std::to_string(port);
      auto spawned = st->spawn(spec, std::move(env), /*stdin_socket=*/false, port);
      if (!spawned) {
        release_port(*st, port);
        if (spawned.error().code == RuntimeErrc::unavailable) break;
        spdlog::error("function {}: cannot start: {}", who, spawned.error().message);
      } else {
        auto child = spawned->child;
        const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
        std::uint64_t generation = 0;
        if (!attach(*st, *r, child, endpoint, generation)) {
          child->signal_group(SIGKILL);
          (void)co_await wait_exit(child);
          st->release(child);
          release_port(*st, port);
          break;
        }
        spdlog::info("function {}: started pid {} on port {} (generation {})", who, child->pid(), port, generation);
        st->start_pump(ex, std::move(spawned->stdout_fd), r->spec, instance);
        st->start_pump(ex, std::move(spawned->stderr_fd), r->spec, instance);
        auto run = std::make_shared<Run>(ex);
        asio::co_spawn(ex, watch_replica(child, run), asio::detached);

        // Ready = the port accepts a connection.
        const auto deadline = Clock::now() + options.ready_timeout;
        milliseconds interval(20);
        asio::steady_timer timer(ex);
        while (!run->exited.is_set() && !replica_stopping(*st, *r) && Clock::now() < deadline) {
          if (co_await accepting(*st, *child, endpoint)) {
            became_ready = mark_ready(*st, *r, generation);
            break;
          }
          timer.expires_after(interval);
          (void)co_await timer.async_wait(use_tuple);
          interval = std::min(interval * 2, milliseconds(200));
        }
        if (became_ready) {
          spdlog::info("function {}: ready", who);
        } else if (!run->exited.is_set() && !replica_stopping(*st, *r)) {
          spdlog::warn("function {}: not listening on port {} after {}s, killing it", who, port,
                       options.ready_timeout.count());
          child->signal_group(SIGKILL);
        }
        co_await run->exited.wait();
        detach(*st, *r, generation, child, port);
        if (replica_stopping(*st, *r)) {
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
    co_await sleep_unless_stopping(*st, *r, backoff);
    backoff = std::min(backoff * 2, options.restart_backoff_max);
  }
}

// After a failed connection: check the replica; if it does not accept connections any more,
// kill it so that its supervisor restarts it. `st` is a parameter so that it is held throughout.
asio::awaitable<void> check(std::shared_ptr<State> st, std::shared_ptr<Replica> r, std::uint64_t generation,
                            tcp::endpoint endpoint) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  std::shared_ptr<Child> running;
  {
    std::lock_guard lock(st->mu);
    running = r->child;
  }
  bool alive = false;
  for (int attempt = 0; attempt < 3 && !alive && running; ++attempt) {
    if (attempt > 0) {
      timer.expires_after(milliseconds(100));
      (void)co_await timer.async_wait(use_tuple);
    }
    alive = co_await accepting(*st, *running, endpoint);
  }
  std::shared_ptr<Child> child;
  {
    std::lock_guard lock(st->mu);
    r->checking = false;
    if (r->generation != generation || r->stopping || st->stopping) co_return;
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

}  // namespace

void start_replica(const std::shared_ptr<State>& st, const std::shared_ptr<Replica>& r) {
  asio::co_spawn(r->strand, supervise(st, r), asio::detached);
}

void stop_replica(State& st, const std::shared_ptr<Replica>& r) {
  std::shared_ptr<Child> child;
  {
    std::lock_guard lock(st.mu);
    r->stopping = true;
    r->ready = false;
    child = r->child;
  }
  if (!child) return;
  child->signal_group(SIGTERM);
  auto timer = std::make_shared<asio::steady_timer>(st.io, st.options.stop_grace);
  timer->async_wait([timer, child](const boost::system::error_code& ec) {
    if (!ec) child->signal_group(SIGKILL);  // a no-op once it has been reaped
  });
}

std::uint32_t ready_replicas(const FunctionEntry& f) {
  std::uint32_t n = 0;
  for (const auto& r : f.running) n += r->ready ? 1 : 0;
  return n;
}

std::optional<ReplicaEndpoint> pick_ready(FunctionEntry& f) {
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

void report_failure(const std::shared_ptr<State>& st, const FunctionKey& function, const ReplicaEndpoint& replica) {
  std::shared_ptr<Replica> r;
  {
    std::lock_guard lock(st->mu);
    auto it = st->functions.find(function);
    if (it == st->functions.end() || st->stopping) return;
    for (const auto& candidate : it->second.running) {
      if (candidate->index == replica.replica && candidate->generation == replica.generation) r = candidate;
    }
    if (!r || r->stopping || r->checking || !r->ready) return;
    r->ready = false;  // until the check below says otherwise
    r->checking = true;
  }
  asio::co_spawn(r->strand, check(st, r, replica.generation, replica.endpoint), asio::detached);
}

}  // namespace faasgate::provider::detail
