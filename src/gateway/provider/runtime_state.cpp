#include "runtime_state.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <signal.h>

#include <array>
#include <string_view>

#include "faasgate/provider/sandbox.hpp"

namespace faasgate::provider::detail {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

std::vector<std::string> env_list(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

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

}  // namespace

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

State::State(asio::io_context& i, RuntimeOptions o)
    : io(i),
      options(std::move(o)),
      logs(options.log_limits),
      ledger(options.work_dir.empty() ? std::filesystem::path() : options.work_dir / ".processes"),
      admissions(std::make_shared<Admissions>(options.max_classic_processes)) {}

core::Expected<void, RuntimeError> State::adopt(const std::shared_ptr<Child>& child) {
  {
    std::lock_guard lock(mu);
    if (!stopping) {
      children.emplace(child.get(), child);
      ledger.add(child->pid());
      return {};
    }
  }
  child->signal_group(SIGKILL);
  child->wait_until(Clock::now() + kKillWait);
  return core::fail(error(RuntimeErrc::unavailable, "the runtime is shutting down"));
}

void State::release(const std::shared_ptr<Child>& child) {
  std::lock_guard lock(mu);
  children.erase(child.get());
  ledger.remove(child->pid());
}

core::Expected<Spawned, RuntimeError> State::spawn(const CompiledSpec& spec, std::map<std::string, std::string> env,
                                                   bool stdin_socket, std::uint16_t port, pid_t network_of) {
  auto exe = find_executable(spec.argv.front(), spec.path_var, spec.dir);
  if (!exe) return core::fail(error(RuntimeErrc::bad_command, "executable not found: " + spec.argv.front()));
  SpawnOptions so;
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
  if (auto adopted = adopt(spawned->child); !adopted) return core::fail(std::move(adopted).error());
  return std::move(*spawned);
}

asio::awaitable<void> State::pump(std::shared_ptr<State> self, asio::posix::stream_descriptor& in,
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

void State::start_pump(const asio::any_io_executor& ex, UniqueFd fd, std::shared_ptr<const CompiledSpec> spec,
                       std::string instance) {
  auto d = std::make_shared<asio::posix::stream_descriptor>(ex, fd.release());
  asio::co_spawn(ex, pump(shared_from_this(), *d, d, std::move(spec), std::move(instance)), asio::detached);
}

}  // namespace faasgate::provider::detail
