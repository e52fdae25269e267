#pragma once
// Internal to the provider: spawning a child process without a shell, and reaping it without a
// SIGCHLD handler.
//
// Invariants (each backed by a test in runtime_test.cpp):
//  - Every child is spawned with posix_spawn into its own process group (pgid = pid), with a
//    clean environment, an empty signal mask, default signal dispositions, and no inherited file
//    descriptors other than 0, 1 and 2 (posix_spawn_file_actions_addclosefrom_np).
//  - Only pids we spawned are ever waited for, always by pid (never waitpid(-1)), and at most once:
//    a Child's mutex serialises reaping, so the pid cannot be reused under us.
//  - The process group is signalled only while its leader is unreaped (alive or a zombie), so the
//    group id cannot have been recycled. When the leader has exited, its remaining group members
//    are SIGKILLed before the leader is reaped (WNOWAIT peek, kill, then waitpid).
//  - Exit is observed through a pidfd (pollable, so Asio waits on it like a socket); where
//    pidfd_open is not available we fall back to polling waitid(WNOHANG|WNOWAIT).
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/result.hpp"

namespace faasgate::provider::detail {

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const noexcept { return fd_; }
  int release() noexcept;
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct ExitStatus {
  int code = -1;    // the exit status, or 128 + signal when killed by a signal; -1 when unknown
  int signal = 0;   // the terminating signal, 0 when it exited normally
};

class Child {
 public:
  Child(pid_t pid, UniqueFd pidfd) noexcept;
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // A new descriptor (the caller owns it) that becomes readable when the process exits; -1 when
  // pidfds are not available.
  int dup_pidfd() const noexcept;

  // Sends `sig` to the whole process group, unless the leader has been reaped already.
  bool signal_group(int sig) noexcept;
  // Non-blocking: when the leader has exited, kills what is left of its group and reaps it.
  std::optional<ExitStatus> try_reap() noexcept;
  // Blocks until the leader exited and is reaped, or until `deadline`.
  std::optional<ExitStatus> wait_until(std::chrono::steady_clock::time_point deadline) noexcept;
  std::optional<ExitStatus> status() const noexcept;

 private:
  const pid_t pid_;
  UniqueFd pidfd_;
  mutable std::mutex mu_;
  bool reaped_ = false;
  ExitStatus status_;
};

struct SpawnOptions {
  std::string executable;            // a path (absolute, or relative to cwd); see find_executable
  std::vector<std::string> argv;     // argv[0] as the user wrote it
  std::vector<std::string> env;      // "NAME=value", the complete environment
  std::filesystem::path cwd;
  bool stdin_socket = true;          // a socketpair for stdin (see Spawned); else /dev/null
};

struct Spawned {
  std::shared_ptr<Child> child;
  // Our ends. stdin is one end of an AF_UNIX socketpair rather than a pipe: writing to a socket
  // uses MSG_NOSIGNAL, so a function that exits without reading its input cannot raise SIGPIPE in
  // the gateway, and the gateway need not ignore SIGPIPE process-wide.
  UniqueFd stdin_fd;
  UniqueFd stdout_fd;
  UniqueFd stderr_fd;
};

core::Expected<Spawned, std::string> spawn(const SpawnOptions& options);

// The executable for argv[0]: a name containing '/' is taken as a path (relative to cwd); a bare
// name is searched in `path_var` (the child's PATH). nullopt when nothing executable is found.
std::optional<std::string> find_executable(std::string_view name, std::string_view path_var,
                                           const std::filesystem::path& cwd);

// Makes sure SIGCHLD is not ignored (an ignored SIGCHLD makes the kernel reap children itself, and
// their exit status is lost). Only resets SIG_IGN to SIG_DFL; installs no handler.
void ensure_sigchld_not_ignored();

}  // namespace faasgate::provider::detail
