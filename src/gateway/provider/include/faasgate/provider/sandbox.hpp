#pragma once
// The sandbox every function process runs in (docs/isolation.md): a tenant controls every byte of
// its function's code, and that code must not reach the gateway's files, other processes, or
// more than its share of the machine.
//
// Built from Debian's packages rather than by hand: bubblewrap (bwrap) makes the namespaces and
// the mounts - the fiddly, security-critical part (recursive read-only binds, a private /proc) -
// and util-linux's setpriv and prlimit change the user and the resource limits before bwrap runs.
// setpriv and prlimit exec the next step; pasta and bwrap stay on as parents. All of them are in
// the process group of the pid our posix_spawn made, which the runtime watches and signals.
//
//   setpriv --pdeathsig=KILL [--reuid U --regid G --clear-groups]  the user only when the gateway is root
//   prlimit --nproc --nofile --data --core=0
//   pasta --config-net --no-map-gw -t 127.0.0.1/P:P -T G -f -q    a network namespace of its own
//         (Debian's passt): the host's 127.0.0.1:P reaches an http replica's 127.0.0.1:P (P is
//         $PORT; classic runs forward none), the function's 127.0.0.1:G reaches the gateway's
//         public API, outbound traffic is translated, and nothing else of the host's loopback
//         (other replicas, the metrics listener) is reachable
//   bwrap --unshare-user --uid U --gid G --unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try
//         --die-with-parent
//         --ro-bind / /             the machine, read-only, as an unprivileged user sees it
//         --dev /dev --proc /proc   a fresh /proc: only the sandbox's own processes
//         --tmpfs /tmp --tmpfs /var/tmp
//         --tmpfs <each hidden directory>, --ro-bind /dev/null <each hidden file>
//         --bind <the function's directory>, --ro-bind <its secrets>
//         --ro-bind <the program, and each file its arguments name>   unless hidden
//         --chdir <the function's directory>
//         -- <executable> <args>
//
// What it guarantees, and what it does not, is written down in docs/isolation.md.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "faasgate/core/result.hpp"

namespace faasgate::provider {

struct SandboxOptions {
  bool enabled = false;  // off only with serve's --unsafe-no-isolation (and in unit tests)
  std::filesystem::path bwrap = "/usr/bin/bwrap";
  std::filesystem::path setpriv = "/usr/bin/setpriv";
  std::filesystem::path prlimit = "/usr/bin/prlimit";
  std::filesystem::path pasta = "/usr/bin/pasta";
  std::filesystem::path nsenter = "/usr/bin/nsenter";
  // The gateway's public API port: the one port of the host's loopback a function reaches (at
  // 127.0.0.1 in its own network namespace). 0: none.
  std::uint16_t gateway_port = 0;
  // When the gateway runs as root, functions run as this unprivileged user and group (no other
  // process of the machine should use them); nullopt: as the gateway's own user.
  std::optional<uid_t> run_as_uid;
  std::optional<gid_t> run_as_gid;
  // Absolute, canonical paths a function must not see: the data directory, and the files and
  // directories named on the gateway's command line (IAM objects, keys, passwords, audit log).
  // Directories are covered by an empty tmpfs, files by /dev/null.
  std::vector<std::filesystem::path> hidden;
};

// What one function process may use. Processes count threads too, and bound the sandbox's user:
// every function of one gateway shares it (see docs/isolation.md).
struct SandboxLimits {
  std::uint64_t memory_bytes = 1ull << 30;  // RLIMIT_DATA of each process (heap and private mappings)
  std::uint32_t processes = 512;            // RLIMIT_NPROC
  std::uint32_t open_files = 1024;          // RLIMIT_NOFILE
};

// The limits of a deployment: `limits.memory` as a Kubernetes quantity ("128Mi", "1G", "512000"),
// else the defaults. nullopt for a quantity that does not parse or is below 16 MiB.
std::optional<SandboxLimits> limits_for(const std::string& memory_quantity);
// "128Mi" -> 134217728; nullopt when it does not parse.
std::optional<std::uint64_t> parse_quantity(const std::string& text);

struct SandboxedCommand {
  std::string executable;          // what posix_spawn runs
  std::vector<std::string> argv;   // its argv, ending with the function's own
};

// Pure: the command line running `executable argv...` in the sandbox, with `dir` (the function's
// own directory, its working directory) writable and `secrets_dir` read-only inside it, and the
// host's 127.0.0.1:`replica_port` forwarded to the sandbox's (0: none, for classic runs).
// With `network_of` (a process inside a network holder, below), the sandbox joins that holder's
// user and network namespaces (nsenter) instead of starting a pasta of its own.
SandboxedCommand sandboxed(const SandboxOptions& options, const SandboxLimits& limits,
                           const std::filesystem::path& dir, const std::filesystem::path& secrets_dir,
                           const std::string& executable, const std::vector<std::string>& argv,
                           std::uint16_t replica_port = 0, pid_t network_of = 0);

// A network holder: pasta (no port forwarded in, the gateway's forwarded out) around a process
// that only sleeps, keeping the namespaces up. A classic function's invocations join it: starting
// pasta costs tens of milliseconds, joining its namespaces about one.
SandboxedCommand network_holder(const SandboxOptions& options);
// The process inside the namespaces pasta `sandbox_pid` made (its child); 0 while there is none.
pid_t inside_network(pid_t sandbox_pid);

// Whether a process in the sandbox started as `sandbox_pid` (pasta, whose child is in the
// sandbox's network namespace) listens on TCP `port`. The forwarded host port accepts as soon as
// pasta runs, so readiness is read from the namespace's own socket table.
bool listening_inside(pid_t sandbox_pid, std::uint16_t port);
// From the text of /proc/<pid>/net/tcp or tcp6: whether a socket is in LISTEN on `port`.
bool socket_table_listens(const std::string& table, std::uint16_t port);

// Runs a sandboxed `/bin/true` the way functions will run, so a machine that cannot give the
// guarantees (no bwrap, no user namespaces, no setpriv) is found at start, not at the first
// deployment. The error names what is missing.
// The probe's directory is made in `scratch_parent` (the runtime's work directory), so it also
// finds a functions' user that cannot reach the directories functions run in.
core::Expected<void, std::string> probe(const SandboxOptions& options, const std::filesystem::path& scratch_parent);

}  // namespace faasgate::provider
