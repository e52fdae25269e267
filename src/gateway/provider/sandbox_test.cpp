// The sandbox: its command line (pure), and real sandboxed processes through the runtime, as the
// gateway runs them (bwrap from Debian's bubblewrap; as root, setpriv to an unprivileged user).
#include "faasgate/provider/sandbox.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "faasgate/core/secret.hpp"
#include "faasgate/provider/runtime.hpp"
#include "test_support.hpp"

namespace faasgate::provider {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Not serve's default (65532): a fork bomb here must not take the process budget of functions
// that end-to-end tests run at the same time as that user.
constexpr uid_t kFunctionsUid = 65531;

TEST(Sandbox, QuantitiesAsKubernetesWritesThem) {
  EXPECT_EQ(parse_quantity("128Mi"), 128ull << 20);
  EXPECT_EQ(parse_quantity("1Gi"), 1ull << 30);
  EXPECT_EQ(parse_quantity("500M"), 500'000'000ull);
  EXPECT_EQ(parse_quantity("1048576"), 1048576ull);
  EXPECT_EQ(parse_quantity("2k"), 2000ull);
  for (const char* bad : {"", "Mi", "12x", "1.5Gi", "-1", "99999999999999999999Ti", "1 Gi"})
    EXPECT_FALSE(parse_quantity(bad).has_value()) << bad;
  EXPECT_EQ(limits_for("")->memory_bytes, SandboxLimits{}.memory_bytes);
  EXPECT_EQ(limits_for("64Mi")->memory_bytes, 64ull << 20);
  EXPECT_FALSE(limits_for("128").has_value());  // 128 bytes: a typo for 128Mi
}

TEST(Sandbox, HidesFirstThenGivesTheFunctionItsOwnDirectory) {
  SandboxOptions o;
  o.enabled = true;
  o.hidden = {"/etc", "/etc/hostname", "/nonexistent/path"};
  const std::vector<std::string> argv = {"cat", "-n"};
  auto c = sandboxed(o, SandboxLimits{256 << 20, 64, 128}, "/data/functions/dev/fn", "/data/functions/dev/fn/secrets",
                     "/usr/bin/cat", argv);
  EXPECT_EQ(c.executable, "/usr/bin/setpriv");  // it dies with the gateway, whoever runs it
  const auto& a = c.argv;
  auto at = [&](const std::string& s) { return std::find(a.begin(), a.end(), s) - a.begin(); };
  // prlimit, then pasta (a network of its own; no replica port for a classic run, no gateway
  // port unless one is set), then bwrap.
  EXPECT_LT(at("--nproc=64"), at("/usr/bin/pasta"));
  EXPECT_LT(at("/usr/bin/pasta"), at("/usr/bin/bwrap"));
  EXPECT_EQ(a[at("-t") + 1], "none");
  EXPECT_EQ(a[at("-T") + 1], "none");
  EXPECT_NE(at("--no-map-gw"), static_cast<std::ptrdiff_t>(a.size()));
  EXPECT_LT(at("--data=268435456"), at("/usr/bin/bwrap"));
  EXPECT_LT(at("--nofile=128"), at("/usr/bin/bwrap"));
  for (const char* ns : {"--unshare-user", "--unshare-pid", "--unshare-ipc", "--die-with-parent"})
    EXPECT_NE(at(ns), static_cast<std::ptrdiff_t>(a.size())) << ns;
  // The directory /etc is covered by a tmpfs, the file by /dev/null; a path that does not exist
  // is skipped. All before the function's own directory comes back, writable.
  EXPECT_EQ(a[at("/etc") - 1], "--tmpfs");
  EXPECT_EQ(a[at("/etc/hostname") - 1], "/dev/null");
  EXPECT_EQ(at("/nonexistent/path"), static_cast<std::ptrdiff_t>(a.size()));
  EXPECT_LT(at("/etc/hostname"), at("--bind"));
  EXPECT_EQ(a[at("--bind") + 1], "/data/functions/dev/fn");
  EXPECT_EQ(a[at("--ro-bind-try") + 1], "/data/functions/dev/fn/secrets");
  // The function's own command comes last, its argv[0] replaced by the resolved executable.
  EXPECT_EQ(std::vector<std::string>(a.end() - 3, a.end()), (std::vector<std::string>{"--", "/usr/bin/cat", "-n"}));
  EXPECT_EQ(a[1], "--pdeathsig=KILL");
  EXPECT_EQ(std::count_if(a.begin(), a.end(), [](const std::string& s) { return s.starts_with("--reuid"); }), 0);
  // The program stays readable (it may live under the sandbox's own /tmp); a named file that is
  // hidden is not given back.
  EXPECT_EQ(a[at("/usr/bin/cat") - 1], "--ro-bind");
  c = sandboxed(o, SandboxLimits{}, "/d", "/d/secrets", "/usr/bin/cat", {"cat", "/etc/hostname"});
  EXPECT_EQ(std::count(c.argv.begin(), c.argv.end(), "/etc/hostname"), 2);  // the /dev/null cover, the argument: not bound back
  // Nor through a symlink elsewhere.
  char link_dir[] = "/tmp/faasgate-link-XXXXXX";
  ASSERT_NE(::mkdtemp(link_dir), nullptr);
  const auto link = std::filesystem::path(link_dir) / "innocent";
  std::filesystem::create_symlink("/etc/hostname", link);
  c = sandboxed(o, SandboxLimits{}, "/d", "/d/secrets", "/usr/bin/cat", {"cat", link.string()});
  EXPECT_EQ(std::count(c.argv.begin(), c.argv.end(), link.string()), 1);  // only as the argument
  std::filesystem::remove_all(link_dir);

  o.gateway_port = 8080;
  c = sandboxed(o, SandboxLimits{}, "/d", "/d/secrets", "/usr/bin/cat", argv, 31337);
  EXPECT_EQ(c.argv[std::find(c.argv.begin(), c.argv.end(), "-t") - c.argv.begin() + 1], "127.0.0.1/31337:31337");
  EXPECT_EQ(c.argv[std::find(c.argv.begin(), c.argv.end(), "-T") - c.argv.begin() + 1], "8080");

  o.run_as_uid = kFunctionsUid;
  o.run_as_gid = kFunctionsUid;
  c = sandboxed(o, SandboxLimits{}, "/d", "/d/secrets", "/usr/bin/cat", argv);
  EXPECT_EQ(c.executable, "/usr/bin/setpriv");
  EXPECT_EQ(c.argv[2], "--reuid=65531");
  EXPECT_EQ(c.argv[3], "--regid=65531");
}

TEST(Sandbox, ListeningSocketsAreReadFromTheSocketTable) {
  const std::string table =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0\n"
      "   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0\n";
  EXPECT_TRUE(socket_table_listens(table, 8080));    // 0x1F90, LISTEN
  EXPECT_FALSE(socket_table_listens(table, 50000));  // 0xC350 is a connection, not a listener
  EXPECT_FALSE(socket_table_listens(table, 80));
  EXPECT_FALSE(socket_table_listens("", 8080));
}

// Real sandboxed processes, started by the runtime as `faasgate serve` starts them.
class SandboxedRuntimeTest : public test_support::RuntimeFixture {
 protected:
  void SetUp() override {
    make_dir_and_threads("faasgate-sandbox");
    std::filesystem::create_directories(dir_ / "hidden-dir");
    std::ofstream(dir_ / "hidden-dir" / "key") << "gateway key";
    std::ofstream(dir_ / "hidden-file") << "admin password";
    RuntimeOptions o;
    o.work_dir = dir_ / "functions";
    o.stop_grace = 2s;
    o.sandbox.enabled = true;
    o.sandbox.hidden = {dir_ / "hidden-dir", dir_ / "hidden-file"};
    o.sandbox.gateway_port = gateway_.local_endpoint().port();
    if (::geteuid() == 0) {
      o.sandbox.run_as_uid = kFunctionsUid;
      o.sandbox.run_as_gid = kFunctionsUid;
      ASSERT_EQ(::chmod(dir_.c_str(), 0711), 0);  // as `serve` makes its data directory
    }
    std::filesystem::create_directories(o.work_dir);
    ASSERT_EQ(::chmod(o.work_dir.c_str(), 0711), 0);
    auto probed = probe(o.sandbox, o.work_dir);
    ASSERT_TRUE(probed.has_value()) << probed.error();
    start(std::move(o));
  }

  // Two listeners on the host's loopback: one stands for the gateway's public API (forwarded into
  // sandboxes), the other for anything else there (a neighbour's replica, the metrics listener).
  asio::ip::tcp::acceptor gateway_{io_, {asio::ip::address_v4::loopback(), 0}};
  asio::ip::tcp::acceptor other_{io_, {asio::ip::address_v4::loopback(), 0}};

  std::string run(const std::string& name, const std::string& script, std::string memory = {}) {
    return run_command(name, "sh -c '" + script + "'", std::move(memory));
  }

  // envProcess as given: files it names as arguments stay readable in the sandbox (a script under
  // /tmp, as a clone there has its test data), files named inside a shell's script do not.
  std::string run_command(const std::string& name, const std::string& env_process, std::string memory = {}) {
    FunctionSpec spec;
    spec.deployment.service = name;
    spec.deployment.env_process = env_process;
    spec.deployment.secrets = {"db"};
    if (!memory.empty()) spec.deployment.limits = model::Resources{memory, ""};
    spec.secrets.emplace("db", core::Secret(std::string("s3cr3t")));
    auto applied = runtime_->apply(spec);
    EXPECT_TRUE(applied.has_value()) << applied.error().message;
    auto r = invoke(name);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? r->body : std::string();
  }
};

TEST_F(SandboxedRuntimeTest, AFunctionSeesOnlyWhatIsItsOwn) {
  const std::string hidden = dir_.string();
  auto out = run("probe",
                 "cat " + hidden + "/hidden-file; echo file=$?; ls " + hidden + "/hidden-dir; echo dir=$?; "
                 "ls " + hidden + "/functions; echo procs=$(ls /proc | grep -c \"^[0-9]\"); "
                 "echo mine > own.txt && cat own.txt; cat \"$secret_mount_path/db\"; echo; "
                 "echo x > \"$secret_mount_path/db\" 2>/dev/null; echo secret-write=$?; "
                 "echo x > /usr/evil 2>/dev/null; echo root-write=$?; echo uid=$(id -u)");
  EXPECT_EQ(out.find("admin password"), std::string::npos) << out;
  EXPECT_EQ(out.find("gateway key"), std::string::npos) << out;
  // The hidden directory is an empty tmpfs; the hidden file is /dev/null, or absent when it lived
  // under /tmp (a private tmpfs too).
  EXPECT_NE(out.find("dir=0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("mine\n"), std::string::npos) << out;
  EXPECT_NE(out.find("s3cr3t"), std::string::npos) << out;
  EXPECT_EQ(out.find("secret-write=0"), std::string::npos) << out;
  EXPECT_EQ(out.find("root-write=0"), std::string::npos) << out;
  // Its own processes only: bwrap's init, the shell and what it runs (ls, grep).
  auto procs = out.find("procs=");
  ASSERT_NE(procs, std::string::npos) << out;
  EXPECT_LE(std::stoi(out.substr(procs + 6)), 5) << out;
  if (::geteuid() == 0) {
    EXPECT_NE(out.find("uid=65531"), std::string::npos) << out;
  }
}

// A network of its own: the host's loopback is out of reach but for the gateway's port.
TEST_F(SandboxedRuntimeTest, OnlyTheGatewaysPortOfTheHostsLoopbackIsReachable) {
  const auto try_port = [](unsigned short port) {
    return "python3 -c \"import socket, sys; s = socket.socket(); s.settimeout(3); "
           "print(s.connect_ex((sys.argv[1], int(sys.argv[2]))))\" 127.0.0.1 " + std::to_string(port);
  };
  auto out = run("net", "echo gateway=$(" + try_port(gateway_.local_endpoint().port()) + "); echo other=$(" +
                            try_port(other_.local_endpoint().port()) + ")");
  EXPECT_NE(out.find("gateway=0\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("other=0\n"), std::string::npos) << out;
}

TEST_F(SandboxedRuntimeTest, ForkBombsAndMemoryHogsHitTheirLimits) {
  auto out = run("hog", "python3 -c \"x = bytearray(300 * 1024 * 1024)\" 2>/dev/null; echo hog=$?", "128Mi");
  EXPECT_NE(out.find("hog=1"), std::string::npos) << out;  // MemoryError
  out = run_command("bomb", "python3 " + std::string(FAASGATE_SOURCE_DIR) + "/src/gateway/provider/testdata/fork_bomb.py");
  auto procs = out.find("procs=");
  ASSERT_NE(procs, std::string::npos) << out;
  EXPECT_LE(std::stoi(out.substr(procs + 6)), static_cast<int>(SandboxLimits{}.processes) + 4) << out;
  // The runtime still runs functions.
  EXPECT_NE(run("after", "echo alive").find("alive"), std::string::npos);
}

}  // namespace
}  // namespace faasgate::provider
