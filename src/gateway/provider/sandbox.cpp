#include "faasgate/provider/sandbox.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <csignal>
#include <cstring>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "process.hpp"

namespace faasgate::provider {

namespace fs = std::filesystem;

std::optional<std::uint64_t> parse_quantity(const std::string& text) {
  std::size_t i = 0;
  std::uint64_t number = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (number > (UINT64_MAX - 9) / 10) return std::nullopt;
    number = number * 10 + static_cast<std::uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  const std::string suffix = text.substr(i);
  struct Unit {
    const char* name;
    std::uint64_t factor;
  };
  static constexpr Unit kUnits[] = {{"", 1},
                                    {"k", 1000ull},
                                    {"M", 1000ull * 1000},
                                    {"G", 1000ull * 1000 * 1000},
                                    {"T", 1000ull * 1000 * 1000 * 1000},
                                    {"Ki", 1ull << 10},
                                    {"Mi", 1ull << 20},
                                    {"Gi", 1ull << 30},
                                    {"Ti", 1ull << 40}};
  for (const auto& u : kUnits) {
    if (suffix != u.name) continue;
    if (number > UINT64_MAX / u.factor) return std::nullopt;
    return number * u.factor;
  }
  return std::nullopt;
}

std::optional<SandboxLimits> limits_for(const std::string& memory_quantity) {
  SandboxLimits limits;
  if (memory_quantity.empty()) return limits;
  auto bytes = parse_quantity(memory_quantity);
  // Below 16 MiB not even a shell starts: a typo ("128" for "128Mi") would look like a crash.
  if (!bytes || *bytes < (16ull << 20)) return std::nullopt;
  limits.memory_bytes = *bytes;
  return limits;
}

namespace {

// setpriv: the sandbox dies with the gateway (pasta stays outside bwrap's --die-with-parent, so it
// gets SIGKILL when the gateway does, and bwrap with it); as root, the functions' user. Not
// --no-new-privs: pasta's user namespace could not be mapped under it. bwrap sets it for the
// function itself.
std::vector<std::string> as_functions_user(const SandboxOptions& o) {
  std::vector<std::string> a = {"setpriv", "--pdeathsig=KILL"};
  if (o.run_as_uid) {
    a.insert(a.end(), {"--reuid=" + std::to_string(*o.run_as_uid),
                       "--regid=" + std::to_string(o.run_as_gid.value_or(*o.run_as_uid)), "--clear-groups"});
  }
  a.push_back("--");
  return a;
}

// pasta with its namespaces, the replica's port forwarded in (none for classic runs) and the
// gateway's forwarded out; the command follows.
std::vector<std::string> pasta(const SandboxOptions& o, std::uint16_t replica_port) {
  const auto port = [](std::uint16_t p) { return std::to_string(p); };
  return {o.pasta.string(), "-q", "-f", "--config-net", "--no-map-gw", "-t",
          replica_port ? "127.0.0.1/" + port(replica_port) + ":" + port(replica_port) : "none", "-T",
          o.gateway_port ? port(o.gateway_port) : "none", "-u", "none", "-U", "none", "--"};
}

}  // namespace

SandboxedCommand network_holder(const SandboxOptions& o) {
  SandboxedCommand out;
  out.executable = o.setpriv.string();
  out.argv = as_functions_user(o);
  const auto more = pasta(o, 0);
  out.argv.insert(out.argv.end(), more.begin(), more.end());
  out.argv.insert(out.argv.end(), {"/bin/sleep", "infinity"});
  return out;
}

pid_t inside_network(pid_t sandbox_pid) {
  std::ifstream children("/proc/" + std::to_string(sandbox_pid) + "/task/" + std::to_string(sandbox_pid) + "/children");
  pid_t inside = 0;
  if (!(children >> inside) || inside <= 0) return 0;
  return inside;
}

SandboxedCommand sandboxed(const SandboxOptions& o, const SandboxLimits& limits, const fs::path& dir,
                           const fs::path& secrets_dir, const std::string& executable,
                           const std::vector<std::string>& argv, std::uint16_t replica_port, pid_t network_of) {
  SandboxedCommand out;
  auto& a = out.argv;
  const uid_t uid = o.run_as_uid.value_or(::geteuid());
  const gid_t gid = o.run_as_uid ? o.run_as_gid.value_or(*o.run_as_uid) : ::getegid();
  out.executable = o.setpriv.string();
  a = as_functions_user(o);
  a.push_back(o.prlimit.string());
  a.insert(a.end(), {"--nproc=" + std::to_string(limits.processes), "--nofile=" + std::to_string(limits.open_files),
                     "--data=" + std::to_string(limits.memory_bytes), "--core=0", "--"});
  if (network_of > 0) {
    const std::string ns = "/proc/" + std::to_string(network_of) + "/ns/";
    a.insert(a.end(), {o.nsenter.string(), "--preserve-credentials", "--user=" + ns + "user", "--net=" + ns + "net", "--"});
  } else {
    const auto more = pasta(o, replica_port);
    a.insert(a.end(), more.begin(), more.end());
  }
  a.insert(a.end(), {o.bwrap.string(),
                     // pasta's user namespace makes us its uid 0; the function is the user it runs as
                     "--unshare-user", "--uid", std::to_string(uid), "--gid", std::to_string(gid), "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                     "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                     "--tmpfs", "/var/tmp"});
  // Later mounts go on top of earlier ones: hide first, then give the function its own directory
  // back (it usually lives inside the hidden data directory).
  for (const auto& path : o.hidden) {
    std::error_code ec;
    const bool directory = fs::is_directory(path, ec);
    if (ec && !fs::exists(path)) continue;  // nothing there to hide
    if (directory) {
      a.insert(a.end(), {"--tmpfs", path.string()});
    } else {
      a.insert(a.end(), {"--ro-bind", "/dev/null", path.string()});
    }
  }
  a.insert(a.end(), {"--bind", dir.string(), dir.string(), "--ro-bind-try", secrets_dir.string(),
                     secrets_dir.string()});
  // The program and the files its command line names (a script) stay readable wherever they
  // are - under /tmp too, which is the sandbox's own - unless they are hidden.
  auto within_hidden = [&](const fs::path& p) {
    for (const auto& h : o.hidden) {
      auto [hi, pi] = std::mismatch(h.begin(), h.end(), p.begin(), p.end());
      if (hi == h.end()) return true;
    }
    return false;
  };
  std::vector<std::string> named = {executable};
  named.insert(named.end(), argv.begin() + (argv.empty() ? 0 : 1), argv.end());
  for (const auto& arg : named) {
    const fs::path p(arg);
    std::error_code ec;
    if (!p.is_absolute() || !fs::is_regular_file(p, ec)) continue;
    // Judged by where it really is too: a symlink to a hidden file must not bring it back.
    const auto real = fs::canonical(p, ec);
    if (ec || within_hidden(p.lexically_normal()) || within_hidden(real)) continue;
    a.insert(a.end(), {"--ro-bind", arg, arg});
  }
  a.insert(a.end(), {"--chdir", dir.string(), "--", executable});
  a.insert(a.end(), argv.begin() + (argv.empty() ? 0 : 1), argv.end());
  return out;
}

bool socket_table_listens(const std::string& table, std::uint16_t port) {
  // "  sl  local_address rem_address   st ..." then one socket a line: "0: 0100007F:1F90 00000000:0000 0A ...";
  // the local port is the hex after the first ':' of the address, state 0A is LISTEN.
  std::size_t at = table.find('\n');
  while (at != std::string::npos && at + 1 < table.size()) {
    const std::size_t end = table.find('\n', at + 1);
    const std::string line = table.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
    at = end;
    char local[64] = {0}, remote[64] = {0};
    unsigned state = 0;
    if (std::sscanf(line.c_str(), " %*d: %63s %63s %x", local, remote, &state) != 3) continue;
    const char* colon = std::strrchr(local, ':');
    if (colon == nullptr || state != 0x0A) continue;
    if (std::strtoul(colon + 1, nullptr, 16) == port) return true;
  }
  return false;
}

bool listening_inside(pid_t sandbox_pid, std::uint16_t port) {
  const pid_t inside = inside_network(sandbox_pid);  // pasta's child (bwrap), in its namespaces
  if (inside == 0) return false;
  for (const char* table : {"tcp", "tcp6"}) {
    std::ifstream in("/proc/" + std::to_string(inside) + "/net/" + table);
    std::stringstream text;
    text << in.rdbuf();
    if (socket_table_listens(text.str(), port)) return true;
  }
  return false;
}

core::Expected<void, std::string> probe(const SandboxOptions& options, const fs::path& scratch_parent) {
  for (const auto* tool : {&options.bwrap, &options.setpriv, &options.prlimit, &options.pasta, &options.nsenter}) {
    if (::access(tool->c_str(), X_OK) != 0)
      return core::fail(tool->string() + " is missing (Debian: bubblewrap, util-linux, passt): no sandbox for functions");
  }

  std::string pattern = (scratch_parent / ".probe-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return core::fail("cannot create a probe directory in " + scratch_parent.string() + ": " + std::strerror(errno));
  const fs::path dir(pattern);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  if (options.run_as_uid &&
      ::chown(dir.c_str(), *options.run_as_uid, options.run_as_gid.value_or(*options.run_as_uid)) != 0)
    return core::fail(std::string("cannot hand a directory to the functions' user: ") + std::strerror(errno));

  // The probe writes into its directory and checks it is alone in its /proc (bwrap's init, the
  // shell and the pipeline): the namespaces really are there, not only accepted as flags.
  const std::vector<std::string> argv = {"sh", "-c",
                                         "echo ok > probe || exit 10; "
                                         "n=$(ls /proc | grep -c '^[0-9]'); [ \"$n\" -le 6 ] || { echo \"$n processes seen\" >&2; exit 11; }"};
  auto command = sandboxed(options, SandboxLimits{}, dir, dir / "secrets", "/bin/sh", argv);
  detail::SpawnOptions spawn;
  spawn.executable = command.executable;
  spawn.argv = command.argv;
  spawn.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  spawn.cwd = "/";
  spawn.stdin_socket = false;
  auto spawned = detail::spawn(spawn);
  if (!spawned) return core::fail("cannot start bwrap: " + spawned.error());
  auto status = spawned->child->wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  if (!status) {
    spawned->child->signal_group(SIGKILL);
    spawned->child->wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(2));
    return core::fail(std::string("a sandboxed process did not finish in 10 s"));
  }
  if (status->code != 0) {
    std::string why;
    char buf[512];
    ssize_t n;
    while ((n = ::read(spawned->stderr_fd.get(), buf, sizeof buf)) > 0 && why.size() < 2048) why.append(buf, static_cast<std::size_t>(n));
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    if (why.empty()) why = "no user, mount or PID namespace for unprivileged users?";
    if (why.find("tun") != std::string::npos)
      why += " (pasta needs /dev/net/tun usable by the functions' user: Debian's udev makes it 0666)";
    if (options.run_as_uid && why.find("Permission denied") != std::string::npos)
      why += " (the functions' user, uid " + std::to_string(*options.run_as_uid) + ", must pass through every directory above " +
             scratch_parent.string() + ": give them o+x)";
    return core::fail("a sandboxed process failed (exit " + std::to_string(status->code) + "): " + why);
  }
  return {};
}

}  // namespace faasgate::provider
