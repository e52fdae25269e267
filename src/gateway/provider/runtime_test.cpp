// The embedded runtime against real processes (/bin/sh, cat, env, python3), loopback only.
// Timing: every wait is a generous deadline on a condition, never a fixed sleep that must be enough.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "faasgate/provider/runtime.hpp"
#include "test_support.hpp"

namespace faasgate::provider {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Result = core::Expected<ClassicResponse, RuntimeError>;

const std::string kServer = std::string(FAASGATE_SOURCE_DIR) + "/src/gateway/provider/testdata/http_server.py";

// Alive = exists and is not a zombie (an orphan re-parented to a PID 1 that does not reap stays a
// zombie, but it is dead).
bool alive(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  if (!f) return false;
  std::string line;
  std::getline(f, line);
  const auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return false;
  const char state = line[close + 2];
  return state != 'Z' && state != 'X';
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 30s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text)) {
    if (l == line) return true;
  }
  return false;
}

// A blocking HTTP/1.0 GET against a replica, on a private io_context.
std::optional<std::string> http_get(const asio::ip::tcp::endpoint& endpoint) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect(endpoint, ec);
  if (ec) return std::nullopt;
  const std::string request = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  asio::write(socket, asio::buffer(request), ec);
  if (ec) return std::nullopt;
  std::string response;
  asio::read(socket, asio::dynamic_buffer(response), ec);
  if (ec != asio::error::eof) return std::nullopt;
  return response;
}

pid_t pid_in(const std::string& response) {
  const auto at = response.find("pid=");
  if (at == std::string::npos) return -1;
  return static_cast<pid_t>(std::stol(response.substr(at + 4)));
}

RuntimeOptions test_options(const std::filesystem::path& dir) {
  RuntimeOptions o;
  o.work_dir = dir / "functions";
  o.default_timeout = 60s;
  o.restart_backoff_min = 50ms;
  o.restart_backoff_max = 1000ms;
  o.ready_timeout = 30s;
  o.stop_grace = 2s;
  return o;
}

FunctionSpec function(std::string name, std::string command, std::map<std::string, std::string> env = {}) {
  FunctionSpec spec;
  spec.deployment.service = std::move(name);
  spec.deployment.namespace_ = "openfaas-fn";
  spec.deployment.env_process = std::move(command);
  spec.deployment.env_vars = std::move(env);
  return spec;
}

FunctionSpec http_function(std::string name, std::uint32_t replicas) {
  auto spec = function(std::move(name), "python3 " + kServer, {{"mode", "http"}});
  spec.deployment.replicas = replicas;
  return spec;
}

class RuntimeTest : public test_support::RuntimeFixture {
 protected:
  void SetUp() override {
    make_dir_and_threads("faasgate-provider");
    start(test_options(dir_));
  }

  ClassicResponse ok(const std::string& name, std::string body = {}) {
    ClassicRequest request;
    request.method = "POST";
    request.body = std::move(body);
    auto r = invoke(name, std::move(request));
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : ClassicResponse{};
  }

  void apply(const FunctionSpec& spec) {
    auto r = runtime_->apply(spec);
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  // The pid behind each ready replica, by replica index.
  std::map<std::uint32_t, pid_t> replica_pids(const std::string& name, std::size_t expected) {
    std::map<std::uint32_t, pid_t> pids;
    eventually([&] {
      for (std::size_t i = 0; i < expected * 2; ++i) {
        auto e = runtime_->pick("openfaas-fn", name);
        if (!e) continue;
        if (auto body = http_get(e->endpoint)) pids[e->replica] = pid_in(*body);
      }
      return pids.size() >= expected;
    });
    return pids;
  }
};

// --- classic mode ---------------------------------------------------------------------------------

TEST_F(RuntimeTest, ClassicEchoThroughCat) {
  apply(function("echo", "cat"));
  EXPECT_EQ(runtime_->mode("openfaas-fn", "echo"), Mode::classic);
  auto r = ok("echo", "hello, world");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.body, "hello, world");
  EXPECT_GT(r.duration.count(), 0);
}

TEST_F(RuntimeTest, LargeBodyInAndOut) {
  apply(function("wc", "sh -c 'cat; wc -c </dev/null >/dev/null'"));
  std::string body(3 * 1024 * 1024, 'x');
  for (std::size_t i = 0; i < body.size(); i += 997) body[i] = static_cast<char>('a' + i % 26);
  auto r = ok("wc", body);
  EXPECT_EQ(r.body.size(), body.size());
  EXPECT_TRUE(r.body == body);
}

TEST_F(RuntimeTest, CountsTheBodyOnStdin) {
  apply(function("count", "wc -c"));
  EXPECT_EQ(std::stoul(ok("count", std::string(100000, 'z')).body), 100000u);
  EXPECT_EQ(std::stoul(ok("count", "").body), 0u);
}

TEST_F(RuntimeTest, CleanEnvironmentWithFunctionAndRequestVariables) {
  ::setenv("FAASGATE_PARENT_ONLY", "leak", 1);
  apply(function("env", "/usr/bin/env", {{"greeting", "hi there"}, {"Http_Method", "configured"}}));
  ClassicRequest request;
  request.method = "PUT";
  request.path = "/a/b";
  request.query = "x=1&y=2";
  request.headers = {{"content-type", "text/plain"}, {"X-Custom-thing", "v1"}, {"x-custom-thing", "v2"},
                     {"Bad Header", "no"}, {"Host", "example"}};
  request.body = "abc";
  auto r = invoke("env", request);
  ASSERT_TRUE(r.has_value());
  const auto& out = r->body;
  EXPECT_TRUE(has_line(out, "greeting=hi there")) << out;
  EXPECT_TRUE(has_line(out, "Http_Method=configured")) << "the function's own configuration wins";
  EXPECT_TRUE(has_line(out, "Http_Path=/a/b"));
  EXPECT_TRUE(has_line(out, "Http_Query=x=1&y=2"));
  EXPECT_TRUE(has_line(out, "Http_Content_Type=text/plain"));
  EXPECT_TRUE(has_line(out, "Http_X_Custom_Thing=v1")) << "the first value wins";
  EXPECT_TRUE(has_line(out, "Http_Content_Length=3"));
  EXPECT_TRUE(has_line(out, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  const auto fn_dir = (dir_ / "functions" / "openfaas-fn" / "env").string();
  EXPECT_TRUE(has_line(out, "HOME=" + fn_dir));
  EXPECT_TRUE(has_line(out, "secret_mount_path=" + fn_dir + "/secrets"));
  EXPECT_EQ(out.find("FAASGATE_PARENT_ONLY"), std::string::npos) << "the gateway's environment leaked";
  EXPECT_EQ(out.find("Http_Host"), std::string::npos);
  EXPECT_EQ(out.find("Bad"), std::string::npos);
  EXPECT_EQ(out.find("PORT="), std::string::npos);
  ::unsetenv("FAASGATE_PARENT_ONLY");
}

TEST_F(RuntimeTest, RunsInTheFunctionDirectoryInItsOwnProcessGroupWithOnlyStandardStreams) {
  apply(function("facts", R"(sh -c 'pwd; cut -d" " -f5 /proc/$$/stat; echo $$; ls /proc/$$/fd')"));
  auto lines = lines_of(ok("facts").body);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], (dir_ / "functions" / "openfaas-fn" / "facts").string());
  EXPECT_EQ(lines[1], lines[2]) << "the process leads its own group";
  std::set<std::string> fds(lines.begin() + 3, lines.end());
  EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2"})) << "descriptors leaked into the function";
}

TEST_F(RuntimeTest, NonZeroExitStillAnswers) {
  apply(function("fail", "sh -c 'echo partial; exit 3'"));
  auto r = ok("fail");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.body, "partial\n");
}

TEST_F(RuntimeTest, KilledBySignalReportsIt) {
  apply(function("abort", "sh -c 'kill -SEGV $$'"));
  auto r = ok("abort");
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.exit_code, 128 + SIGSEGV);
}

TEST_F(RuntimeTest, TimeoutKillsTheWholeProcessGroup) {
  apply(function("slow", "sh -c 'sleep 30 & echo $! >&2; sleep 30'", {{"exec_timeout", "1s"}}));
  EXPECT_EQ(runtime_->timeout("openfaas-fn", "slow"), 1s);
  const auto started = std::chrono::steady_clock::now();
  auto r = invoke("slow");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, RuntimeErrc::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);

  LogQuery q;
  q.name = "slow";
  q.namespace_ = "openfaas-fn";
  auto logs = runtime_->logs().read(q);
  ASSERT_EQ(logs.size(), 1u);
  const pid_t grandchild = std::stoi(logs[0].text);
  const pid_t leader = std::stoi(logs[0].instance.substr(std::string("slow-").size()));
  EXPECT_TRUE(eventually([&] { return !alive(grandchild) && !alive(leader); }));
}

TEST_F(RuntimeTest, OutputTooLargeKillsTheProcess) {
  auto o = test_options(dir_);
  o.max_output_bytes = 64 * 1024;
  start(o);
  apply(function("yes", "yes"));
  auto r = invoke("yes");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, RuntimeErrc::too_large);

  apply(function("exact", "head -c 65536 /dev/zero"));  // exactly the limit is fine
  EXPECT_EQ(ok("exact").body.size(), 64u * 1024);
}

TEST_F(RuntimeTest, StderrLinesGoToTheLogsWithTimestamps) {
  auto o = test_options(dir_);
  o.log_limits.max_line_bytes = 100;
  start(o);
  apply(function("talk", R"(sh -c 'echo one >&2; printf "two\r\n" >&2; echo out; head -c 1000 /dev/zero | tr "\0" y >&2; echo >&2; printf last >&2')"));
  const auto before = std::chrono::system_clock::now();
  auto r = ok("talk");
  const auto after = std::chrono::system_clock::now();
  EXPECT_EQ(r.body, "out\n");
  LogQuery q;
  q.name = "talk";
  q.namespace_ = "openfaas-fn";
  auto logs = runtime_->logs().read(q);
  ASSERT_EQ(logs.size(), 4u);
  EXPECT_EQ(logs[0].text, "one");
  EXPECT_EQ(logs[1].text, "two");
  EXPECT_EQ(logs[2].text, std::string(100, 'y'));  // cut at max_line_bytes
  EXPECT_EQ(logs[3].text, "last");                 // a last line without newline is kept
  for (const auto& l : logs) {
    EXPECT_EQ(l.name, "talk");
    EXPECT_EQ(l.namespace_, "openfaas-fn");
    EXPECT_EQ(l.instance.rfind("talk-", 0), 0u);
    EXPECT_GE(l.timestamp, before);
    EXPECT_LE(l.timestamp, after);
  }
}

TEST_F(RuntimeTest, ManyConcurrentInvocations) {
  apply(function("par", "sh -c 'cat; sleep 0.2'"));
  constexpr int kCount = 24;
  std::vector<std::promise<Result>> promises(kCount);
  for (int i = 0; i < kCount; ++i) {
    ClassicRequest request;
    request.body = "request " + std::to_string(i);
    asio::co_spawn(
        io_,
        [this, &promises, i, request]() -> asio::awaitable<void> {
          promises[i].set_value(co_await runtime_->invoke_classic("openfaas-fn", "par", request));
        },
        asio::detached);
  }
  for (int i = 0; i < kCount; ++i) {
    auto f = promises[i].get_future();
    ASSERT_EQ(f.wait_for(120s), std::future_status::ready);
    auto r = f.get();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, "request " + std::to_string(i));
  }
}

// Starts an invocation of `name` that the test finishes later, on the io_context.
std::future<Result> start_invocation(asio::io_context& io, Runtime& runtime, const std::string& name) {
  auto promise = std::make_shared<std::promise<Result>>();
  auto future = promise->get_future();
  asio::co_spawn(
      io,
      [&runtime, name, promise]() -> asio::awaitable<void> {
        ClassicRequest request;
        promise->set_value(co_await runtime.invoke_classic("openfaas-fn", name, std::move(request)));
      },
      asio::detached);
  return future;
}

TEST_F(RuntimeTest, MaxInflightRefusesCallsBeyondItAndFreesTheSlotAfterwards) {
  apply(function("one", "sh -c 'touch started; sleep 1; echo done'", {{"max_inflight", "1"}}));
  auto first = start_invocation(io_, *runtime_, "one");
  // The process runs only once admitted: its marker file says the slot is taken. (Polling with
  // admit() would take the slot itself and could refuse the first call.)
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(dir_ / "functions/openfaas-fn/one/started"); }));
  auto refused = invoke("one");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, RuntimeErrc::busy);
  EXPECT_NE(refused.error().message.find("max_inflight"), std::string::npos);
  ASSERT_EQ(first.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(first.get()->body, "done\n");
  EXPECT_EQ(ok("one").body, "done\n");  // the slot was freed
}

TEST_F(RuntimeTest, AdmissionsHoldTheirSlotUntilReleased) {
  auto web = http_function("web", 0);
  web.deployment.env_vars["max_inflight"] = "2";
  apply(web);
  auto a = runtime_->admit("openfaas-fn", "web");
  auto b = runtime_->admit("openfaas-fn", "web");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(runtime_->admit("openfaas-fn", "web").error().code, RuntimeErrc::busy);
  *a = Runtime::Admission();  // released
  EXPECT_TRUE(runtime_->admit("openfaas-fn", "web").has_value());
  EXPECT_EQ(runtime_->admit("openfaas-fn", "absent").error().code, RuntimeErrc::not_found);
}

TEST_F(RuntimeTest, TheGatewayWideClassicProcessLimitHolds) {
  auto options = test_options(dir_);
  options.max_classic_processes = 1;
  start(options);
  apply(function("slow", "sh -c 'touch started; sleep 1; echo slow'"));
  apply(function("other", "echo other"));
  auto first = start_invocation(io_, *runtime_, "slow");
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(dir_ / "functions/openfaas-fn/slow/started"); }));
  auto refused = invoke("other");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, RuntimeErrc::busy);
  ASSERT_EQ(first.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(ok("other").body, "other\n");
}

TEST_F(RuntimeTest, ProcessThatIgnoresStdinAndExits) {
  apply(function("ignore", "echo done"));
  auto r = ok("ignore", std::string(4 * 1024 * 1024, 'q'));  // no SIGPIPE in the gateway
  EXPECT_EQ(r.body, "done\n");
}

TEST_F(RuntimeTest, SecretsAreFilesInAPrivateDirectory) {
  auto spec = function("sec", R"(sh -c 'cat "$secret_mount_path/api-key"; printf /; cat "$secret_mount_path/db"')");
  spec.deployment.secrets = {"api-key", "db"};
  spec.secrets.emplace("api-key", core::Secret("s3cr3t"));
  spec.secrets.emplace("db", core::Secret("pa ss\nword"));
  spec.secrets.emplace("unrelated", core::Secret("not written"));
  apply(spec);
  EXPECT_EQ(ok("sec").body, "s3cr3t/pa ss\nword");

  const auto secrets = dir_ / "functions" / "openfaas-fn" / "sec" / "secrets";
  struct stat st;
  ASSERT_EQ(::stat(secrets.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat((secrets / "api-key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(secrets / "unrelated"));

  // Re-applying without a secret removes its file; a new value replaces the old.
  spec.deployment.secrets = {"api-key"};
  spec.secrets["api-key"] = core::Secret("rotated");
  apply(spec);
  EXPECT_FALSE(std::filesystem::exists(secrets / "db"));
  EXPECT_EQ(ok("sec").body.substr(0, 8), "rotated/");

  runtime_->remove("openfaas-fn", "sec");
  EXPECT_FALSE(std::filesystem::exists(secrets));
  EXPECT_FALSE(runtime_->mode("openfaas-fn", "sec"));
}

TEST_F(RuntimeTest, NamesThatCouldEscapeTheWorkDirectoryAreRefused) {
  auto spec = function("ok", "cat");
  spec.deployment.secrets = {".."};
  spec.secrets.emplace("..", core::Secret("x"));
  auto r = runtime_->apply(spec);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, RuntimeErrc::invalid_spec);

  for (std::string bad : {"..", ".", "a/b", ""}) {
    auto s = function(bad, "cat");
    EXPECT_FALSE(runtime_->apply(s).has_value()) << bad;
    s = function("fn", "cat");
    s.deployment.namespace_ = bad;
    EXPECT_FALSE(runtime_->apply(s).has_value()) << bad;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "secrets"));
}

TEST_F(RuntimeTest, SpecErrors) {
  auto missing = function("m", "cat");
  missing.deployment.secrets = {"absent"};
  EXPECT_EQ(runtime_->apply(missing).error().code, RuntimeErrc::invalid_spec);
  EXPECT_EQ(runtime_->apply(function("q", "echo 'unterminated")).error().code, RuntimeErrc::bad_command);
  EXPECT_EQ(runtime_->apply(function("q", "   ")).error().code, RuntimeErrc::bad_command);
  EXPECT_EQ(runtime_->apply(function("q", "/nonexistent/binary")).error().code, RuntimeErrc::bad_command);
  EXPECT_EQ(runtime_->apply(function("q", "no-such-program-anywhere")).error().code, RuntimeErrc::bad_command);
  EXPECT_EQ(runtime_->apply(function("q", "cat", {{"exec_timeout", "soon"}})).error().code, RuntimeErrc::invalid_spec);
  EXPECT_EQ(runtime_->apply(function("q", "cat", {{"mode", "static"}})).error().code, RuntimeErrc::invalid_spec);
  EXPECT_EQ(runtime_->apply(function("q", "cat", {{"A=B", "x"}})).error().code, RuntimeErrc::invalid_spec);
  for (const char* bad : {"-1", "two", "1.5", "2000000"})
    EXPECT_EQ(runtime_->apply(function("q", "cat", {{"max_inflight", bad}})).error().code, RuntimeErrc::invalid_spec) << bad;
  auto many = http_function("q", 1000);
  EXPECT_EQ(runtime_->apply(many).error().code, RuntimeErrc::invalid_spec);
}

TEST_F(RuntimeTest, UnknownFunctionAndWrongMode) {
  auto r = invoke("nope");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, RuntimeErrc::not_found);
  EXPECT_EQ(runtime_->scale("openfaas-fn", "nope", 1).error().code, RuntimeErrc::not_found);
  EXPECT_FALSE(runtime_->pick("openfaas-fn", "nope"));
  runtime_->remove("openfaas-fn", "nope");  // no-op

  apply(http_function("web", 0));
  r = invoke("web");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, RuntimeErrc::wrong_mode);
}

TEST_F(RuntimeTest, ClassicAvailabilityFollowsScale) {
  apply(function("c", "cat"));
  EXPECT_EQ(runtime_->available_replicas("openfaas-fn", "c"), 1u);
  ASSERT_TRUE(runtime_->scale("openfaas-fn", "c", 0).has_value());
  EXPECT_EQ(runtime_->available_replicas("openfaas-fn", "c"), 0u);
}

// --- http mode ------------------------------------------------------------------------------------

TEST_F(RuntimeTest, HttpReadinessAndRoundRobin) {
  apply(http_function("web", 2));
  EXPECT_EQ(runtime_->mode("openfaas-fn", "web"), Mode::http);
  ASSERT_TRUE(eventually([&] { return runtime_->available_replicas("openfaas-fn", "web") == 2; }));

  std::vector<ReplicaEndpoint> picks;
  for (int i = 0; i < 4; ++i) picks.push_back(*runtime_->pick("openfaas-fn", "web"));
  EXPECT_NE(picks[0].replica, picks[1].replica);
  EXPECT_EQ(picks[0].replica, picks[2].replica);
  EXPECT_EQ(picks[1].replica, picks[3].replica);
  EXPECT_NE(picks[0].endpoint.port(), picks[1].endpoint.port());
  for (const auto& p : picks) {
    EXPECT_TRUE(p.endpoint.address().is_loopback());
    auto body = http_get(p.endpoint);
    ASSERT_TRUE(body);
    EXPECT_NE(body->find("port=" + std::to_string(p.endpoint.port())), std::string::npos);
  }

  // stdout and stderr lines of replicas are logs, by replica.
  LogQuery q;
  q.name = "web";
  q.namespace_ = "openfaas-fn";
  q.instance = "web-" + std::to_string(picks[0].replica);
  ASSERT_TRUE(eventually([&] {
    bool listening = false, request = false;
    for (const auto& l : runtime_->logs().read(q)) {
      listening |= l.text.rfind("listening on ", 0) == 0;
      request |= l.text.rfind("request: ", 0) == 0;
    }
    return listening && request;
  }));
}

TEST_F(RuntimeTest, HttpReplicaIsRestartedAfterACrash) {
  apply(http_function("crash", 1));
  ASSERT_TRUE(eventually([&] { return runtime_->available_replicas("openfaas-fn", "crash") == 1; }));
  auto first = *runtime_->pick("openfaas-fn", "crash");
  const pid_t pid = pid_in(*http_get(first.endpoint));
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);

  std::optional<ReplicaEndpoint> next;
  ASSERT_TRUE(eventually([&] {
    next = runtime_->pick("openfaas-fn", "crash");
    return next && next->generation != first.generation;
  }));
  EXPECT_EQ(next->replica, first.replica);
  EXPECT_GT(next->generation, first.generation);
  auto body = http_get(next->endpoint);
  ASSERT_TRUE(body);
  EXPECT_NE(pid_in(*body), pid);
  EXPECT_FALSE(alive(pid));
}

TEST_F(RuntimeTest, HttpReplicaThatNeverListensIsRestarted) {
  auto o = test_options(dir_);
  o.ready_timeout = 1s;
  start(o);
  apply(function("deaf", "sh -c 'echo started $$; exec sleep 60'", {{"mode", "http"}}));
  LogQuery q;
  q.name = "deaf";
  q.namespace_ = "openfaas-fn";
  ASSERT_TRUE(eventually([&] { return runtime_->logs().read(q).size() >= 2; }));
  EXPECT_EQ(runtime_->available_replicas("openfaas-fn", "deaf"), 0u);
  EXPECT_FALSE(runtime_->pick("openfaas-fn", "deaf"));
  auto logs = runtime_->logs().read(q);
  const pid_t first = std::stoi(logs[0].text.substr(8));
  EXPECT_TRUE(eventually([&] { return !alive(first); }));
}

TEST_F(RuntimeTest, HttpScaleUpAndDown) {
  apply(http_function("scale", 1));
  ASSERT_TRUE(eventually([&] { return runtime_->available_replicas("openfaas-fn", "scale") == 1; }));
  ASSERT_TRUE(runtime_->scale("openfaas-fn", "scale", 3).has_value());
  ASSERT_TRUE(eventually([&] { return runtime_->available_replicas("openfaas-fn", "scale") == 3; }));
  auto pids = replica_pids("scale", 3);
  ASSERT_EQ(pids.size(), 3u);

  ASSERT_TRUE(runtime_->scale("openfaas-fn", "scale", 1).has_value());
  EXPECT_EQ(runtime_->available_replicas("openfaas-fn", "scale"), 1u);
  EXPECT_TRUE(eventually([&] { return !alive(pids[1]) && !alive(pids[2]); }));
  EXPECT_TRUE(alive(pids[0]));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(runtime_->pick("openfaas-fn", "scale")->replica, 0u);

  ASSERT_TRUE(runtime_->scale("openfaas-fn", "scale", 0).has_value());
  EXPECT_EQ(runtime_->available_replicas("openfaas-fn", "scale"), 0u);
  EXPECT_FALSE(runtime_->pick("openfaas-fn", "scale"));
  EXPECT_TRUE(eventually([&] { return !alive(pids[0]); }));
}

TEST_F(RuntimeTest, HttpReapplyRestartsReplicas) {
  apply(http_function("re", 1));
  auto before = replica_pids("re", 1);
  ASSERT_EQ(before.size(), 1u);
  apply(http_function("re", 1));
  std::map<std::uint32_t, pid_t> after;
  ASSERT_TRUE(eventually([&] {
    after = replica_pids("re", 1);
    return after.size() == 1 && after[0] != before[0];
  }));
  EXPECT_TRUE(eventually([&] { return !alive(before[0]); }));
}

TEST_F(RuntimeTest, HttpRemoveStopsReplicas) {
  apply(http_function("gone", 2));
  auto pids = replica_pids("gone", 2);
  ASSERT_EQ(pids.size(), 2u);
  runtime_->remove("openfaas-fn", "gone");
  EXPECT_FALSE(runtime_->pick("openfaas-fn", "gone"));
  EXPECT_FALSE(runtime_->mode("openfaas-fn", "gone"));
  EXPECT_EQ(runtime_->available_replicas("openfaas-fn", "gone"), 0u);
  EXPECT_TRUE(eventually([&] { return !alive(pids[0]) && !alive(pids[1]); }));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "functions" / "openfaas-fn" / "gone"));
}

TEST_F(RuntimeTest, ReportFailureOnAHealthyReplicaKeepsIt) {
  apply(http_function("flaky", 1));
  ASSERT_TRUE(eventually([&] { return runtime_->available_replicas("openfaas-fn", "flaky") == 1; }));
  auto e = *runtime_->pick("openfaas-fn", "flaky");
  runtime_->report_failure("openfaas-fn", "flaky", e);
  ASSERT_TRUE(eventually([&] { return runtime_->available_replicas("openfaas-fn", "flaky") == 1; }));
  EXPECT_EQ(runtime_->pick("openfaas-fn", "flaky")->generation, e.generation);
}

TEST_F(RuntimeTest, ShutdownStopsEverythingEvenWhatIgnoresSigterm) {
  auto o = test_options(dir_);
  o.stop_grace = 1s;
  start(o);
  apply(http_function("a", 2));
  // This one ignores SIGTERM (an ignored signal stays ignored across exec): only SIGKILL stops it.
  apply(function("stubborn", "sh -c 'trap \"\" TERM; exec python3 " + kServer + "'", {{"mode", "http"}}));
  apply(function("busy", "sh -c 'echo $$ >&2; sleep 60'"));
  auto pids = replica_pids("a", 2);
  auto stubborn = replica_pids("stubborn", 1);
  ASSERT_EQ(pids.size(), 2u);
  ASSERT_EQ(stubborn.size(), 1u);

  std::promise<Result> busy;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        // A named request: GCC 12 mishandles a braced temporary argument ({}) to a coroutine
        // inside a co_await expression (the string in it ends up pointing into the caller's frame).
        ClassicRequest request;
        busy.set_value(co_await runtime_->invoke_classic("openfaas-fn", "busy", std::move(request)));
      },
      asio::detached);
  LogQuery q;
  q.name = "busy";
  q.namespace_ = "openfaas-fn";
  ASSERT_TRUE(eventually([&] { return !runtime_->logs().read(q).empty(); }));
  const pid_t busy_pid = std::stoi(runtime_->logs().read(q)[0].text);

  runtime_->shutdown();  // synchronous: when it returns, nothing is left
  EXPECT_FALSE(alive(pids[0]));
  EXPECT_FALSE(alive(pids[1]));
  EXPECT_FALSE(alive(stubborn[0]));
  EXPECT_FALSE(alive(busy_pid));
  auto f = busy.get_future();
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  EXPECT_FALSE(runtime_->pick("openfaas-fn", "a"));
  EXPECT_EQ(runtime_->apply(function("late", "cat")).error().code, RuntimeErrc::unavailable);
}

}  // namespace
}  // namespace faasgate::provider
