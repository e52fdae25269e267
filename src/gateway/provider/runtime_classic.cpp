#include "runtime_classic.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <signal.h>

#include <array>
#include <exception>
#include <string>
#include <thread>
#include <utility>

#include "faasgate/provider/sandbox.hpp"

namespace faasgate::provider::detail {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// How long a classic invocation keeps reading after its process exited, for output still held by a
// descendant that left the process group.
constexpr milliseconds kDrainAfterExit{2000};

// The function's network holder, started again when it died. nullptr when functions are not
// sandboxed (or the function is gone).
core::Expected<std::shared_ptr<NetworkHolder>, RuntimeError> network_for(State& st, const CompiledSpec& spec) {
  if (!st.options.sandbox.enabled) return std::shared_ptr<NetworkHolder>();
  std::lock_guard lock(st.network_mu);  // one restart at a time
  std::shared_ptr<NetworkHolder> current;
  {
    std::lock_guard state(st.mu);
    auto it = st.functions.find({spec.ns, spec.name});
    if (it == st.functions.end()) return core::fail(error(RuntimeErrc::not_found, "no such function"));
    current = it->second.network;
  }
  if (current && !current->pasta->try_reap()) return current;
  auto fresh = start_network(st, spec);
  if (!fresh) return core::fail(fresh.error());
  {
    std::lock_guard state(st.mu);
    auto it = st.functions.find({spec.ns, spec.name});
    if (it != st.functions.end()) {
      if (current) spdlog::warn("function {}.{}: its network had stopped; started it again", spec.name, spec.ns);
      it->second.network = *fresh;
      return *fresh;
    }
  }
  stop_network(st, *fresh);
  return core::fail(error(RuntimeErrc::not_found, "no such function"));
}

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

}  // namespace

core::Expected<std::shared_ptr<NetworkHolder>, RuntimeError> start_network(State& st, const CompiledSpec& spec) {
  auto command = network_holder(st.options.sandbox);
  SpawnOptions so;
  so.executable = std::move(command.executable);
  so.argv = std::move(command.argv);
  so.env = {"PATH=" + st.options.default_path};
  so.cwd = "/";
  so.stdin_socket = false;
  auto spawned = spawn(so);
  if (!spawned) return core::fail(error(RuntimeErrc::spawn_failed, "cannot start the function's network: " + spawned.error()));
  if (auto adopted = st.adopt(spawned->child); !adopted) return core::fail(std::move(adopted).error());
  auto holder = std::make_shared<NetworkHolder>();
  holder->pasta = spawned->child;
  // What pasta says goes to the function's logs.
  st.start_pump(st.io.get_executor(), std::move(spawned->stdout_fd), std::make_shared<const CompiledSpec>(spec), "network");
  st.start_pump(st.io.get_executor(), std::move(spawned->stderr_fd), std::make_shared<const CompiledSpec>(spec), "network");
  // Ready once its namespaces exist and pasta listens in them for the gateway's port (it starts
  // the command before its forwarding is up: a call in the first milliseconds would be refused).
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  const auto gateway_port = st.options.sandbox.gateway_port;
  auto ready = [&] {
    holder->inside = inside_network(holder->pasta->pid());
    return holder->inside != 0 && (gateway_port == 0 || listening_inside(holder->pasta->pid(), gateway_port));
  };
  while (!ready() && Clock::now() < deadline) {
    if (holder->pasta->try_reap()) break;
    std::this_thread::sleep_for(milliseconds(2));
  }
  if (!ready()) {
    stop_network(st, holder);
    return core::fail(error(RuntimeErrc::spawn_failed, "the function's network (pasta) did not start"));
  }
  return holder;
}

void stop_network(State& st, const std::shared_ptr<NetworkHolder>& holder) {
  if (!holder) return;
  holder->pasta->signal_group(SIGKILL);  // it only holds namespaces: nothing to end gracefully
  holder->pasta->wait_until(Clock::now() + kKillWait);
  st.release(holder->pasta);
}

asio::awaitable<ClassicOutcome> run_classic(std::shared_ptr<State> st, std::shared_ptr<const CompiledSpec> spec,
                                            ClassicRequest request) {
  ClassicOutcome outcome;
  auto ex = co_await asio::this_coro::executor;  // a strand of its own
  const auto started = Clock::now();
  auto network = network_for(*st, *spec);
  if (!network) {
    outcome.error = std::move(network.error());
    co_return outcome;
  }
  auto spawned = st->spawn(*spec, classic_env(*spec, request), /*stdin_socket=*/true, 0,
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

}  // namespace faasgate::provider::detail
