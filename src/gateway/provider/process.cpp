#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace faasgate::provider::detail {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

int UniqueFd::release() noexcept {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

namespace {

ExitStatus decode(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) {
    s.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
    s.code = 128 + s.signal;
  }
  return s;
}

int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // pidfds are always close-on-exec
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

// The child's ends must not be 0, 1 or 2 in the parent: dup2 onto the same number would leave the
// close-on-exec flag set. (Only possible when the gateway runs with a standard stream closed.)
bool lift(int& fd) {
  if (fd > 2) return true;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return false;
  ::close(fd);
  fd = moved;
  return true;
}

std::string errno_message(std::string_view what, int err) { return std::string(what) + ": " + std::strerror(err); }

struct FileActions {
  posix_spawn_file_actions_t fa;
  FileActions() { posix_spawn_file_actions_init(&fa); }
  ~FileActions() { posix_spawn_file_actions_destroy(&fa); }
};

struct Attributes {
  posix_spawnattr_t attr;
  Attributes() { posix_spawnattr_init(&attr); }
  ~Attributes() { posix_spawnattr_destroy(&attr); }
};

}  // namespace

Child::Child(pid_t pid, UniqueFd pidfd) noexcept : pid_(pid), pidfd_(std::move(pidfd)) {}

Child::~Child() = default;

int Child::dup_pidfd() const noexcept {
  if (!pidfd_) return -1;
  return ::fcntl(pidfd_.get(), F_DUPFD_CLOEXEC, 3);
}

bool Child::signal_group(int sig) noexcept {
  std::lock_guard lock(mu_);
  if (reaped_) return false;
  if (::kill(-pid_, sig) != 0) {
    // The leader left its group (setpgid/setsid): it is still ours until reaped.
    ::kill(pid_, sig);
  }
  return true;
}

std::optional<ExitStatus> Child::try_reap() noexcept {
  std::lock_guard lock(mu_);
  if (reaped_) return status_;
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  // Peek without reaping: while the zombie exists, the pid and the group id cannot be recycled.
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    // ECHILD: someone else reaped it (SIGCHLD ignored, or waitpid(-1) elsewhere). The status is lost.
    reaped_ = true;
    status_ = ExitStatus{};
    return status_;
  }
  if (info.si_pid == 0) return std::nullopt;  // still running
  ::kill(-pid_, SIGKILL);                      // what is left of the tree goes with its leader
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);  // does not block: the leader is a zombie
  } while (r < 0 && errno == EINTR);
  reaped_ = true;
  status_ = r == pid_ ? decode(status) : ExitStatus{};
  return status_;
}

std::optional<ExitStatus> Child::wait_until(std::chrono::steady_clock::time_point deadline) noexcept {
  for (;;) {
    if (auto s = try_reap()) return s;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    int wait_ms = static_cast<int>(std::min<long long>(left, 20));
    if (pidfd_) {
      pollfd p{pidfd_.get(), POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    } else {
      ::usleep(static_cast<useconds_t>(std::max(1, wait_ms)) * 1000);
    }
  }
}

std::optional<ExitStatus> Child::status() const noexcept {
  std::lock_guard lock(mu_);
  if (!reaped_) return std::nullopt;
  return status_;
}

core::Expected<Spawned, std::string> spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return core::fail(std::string("empty command"));

  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  if (options.stdin_socket) {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) return core::fail(errno_message("socketpair", errno));
  }
  UniqueFd in_ours(in[0]), in_theirs(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0) return core::fail(errno_message("pipe", errno));
  UniqueFd out_ours(out[0]), out_theirs(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return core::fail(errno_message("pipe", errno));
  UniqueFd err_ours(err[0]), err_theirs(err[1]);

  int child_in = in_theirs.release(), child_out = out_theirs.release(), child_err = err_theirs.release();
  const bool lifted = (!options.stdin_socket || lift(child_in)) && lift(child_out) && lift(child_err);
  in_theirs = UniqueFd(child_in);
  out_theirs = UniqueFd(child_out);
  err_theirs = UniqueFd(child_err);
  if (!lifted) return core::fail(errno_message("fcntl", errno));

  FileActions fa;
  int rc = 0;
  if (options.stdin_socket) {
    rc |= posix_spawn_file_actions_adddup2(&fa.fa, in_theirs.get(), 0);
  } else {
    rc |= posix_spawn_file_actions_addopen(&fa.fa, 0, "/dev/null", O_RDONLY, 0);
  }
  rc |= posix_spawn_file_actions_adddup2(&fa.fa, out_theirs.get(), 1);
  rc |= posix_spawn_file_actions_adddup2(&fa.fa, err_theirs.get(), 2);
  rc |= posix_spawn_file_actions_addclosefrom_np(&fa.fa, 3);  // no listener or client socket leaks
  if (!options.cwd.empty()) rc |= posix_spawn_file_actions_addchdir_np(&fa.fa, options.cwd.c_str());
  if (rc != 0) return core::fail(std::string("posix_spawn_file_actions failed"));

  Attributes at;
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig = 1; sig < 32; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaddset(&defaults, sig);
  }
  rc |= posix_spawnattr_setflags(&at.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  rc |= posix_spawnattr_setpgroup(&at.attr, 0);  // its own group: the whole tree can be signalled
  rc |= posix_spawnattr_setsigmask(&at.attr, &empty);
  rc |= posix_spawnattr_setsigdefault(&at.attr, &defaults);
  if (rc != 0) return core::fail(std::string("posix_spawnattr failed"));

  std::vector<char*> argv;
  argv.reserve(options.argv.size() + 1);
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(options.env.size() + 1);
  for (const auto& e : options.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  // glibc's posix_spawn uses clone(CLONE_VM | CLONE_VFORK) and reports exec failures as its result.
  rc = ::posix_spawn(&pid, options.executable.c_str(), &fa.fa, &at.attr, argv.data(), envp.data());
  if (rc != 0) return core::fail(errno_message("cannot run " + options.argv.front(), rc));

  UniqueFd pidfd(pidfd_open(pid));  // -1 where unsupported: Child then polls
  Spawned s;
  s.child = std::make_shared<Child>(pid, std::move(pidfd));
  s.stdin_fd = std::move(in_ours);
  s.stdout_fd = std::move(out_ours);
  s.stderr_fd = std::move(err_ours);
  return s;  // the child's ends close here, so EOF arrives when the child's tree is gone
}

std::optional<std::string> find_executable(std::string_view name, std::string_view path_var,
                                           const std::filesystem::path& cwd) {
  auto executable = [](const std::filesystem::path& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) {
    std::filesystem::path p(name);
    if (p.is_relative()) p = cwd / p;
    if (!executable(p)) return std::nullopt;
    return p.string();
  }
  std::size_t start = 0;
  while (start <= path_var.size()) {
    auto end = path_var.find(':', start);
    if (end == std::string_view::npos) end = path_var.size();
    auto dir = path_var.substr(start, end - start);
    // An empty PATH entry means the current directory (POSIX); only absolute entries are used, so
    // that what runs does not depend on the working directory.
    if (!dir.empty() && dir.front() == '/') {
      std::filesystem::path p = std::filesystem::path(dir) / std::string(name);
      if (executable(p)) return p.string();
    }
    start = end + 1;
  }
  return std::nullopt;
}

void ensure_sigchld_not_ignored() {
  struct sigaction current;
  if (::sigaction(SIGCHLD, nullptr, &current) != 0) return;
  if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN) {
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(SIGCHLD, &dfl, nullptr);
  } else if (current.sa_flags & SA_NOCLDWAIT) {
    current.sa_flags &= ~SA_NOCLDWAIT;  // keep whoever's handler, but let us collect exit statuses
    ::sigaction(SIGCHLD, &current, nullptr);
  }
}

}  // namespace faasgate::provider::detail
