// compile() and classic_env() are pure: these tests need no processes, no io_context and no files.
#include "runtime_spec.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace faasgate::provider::detail {
namespace {

using namespace std::chrono_literals;
using Env = std::map<std::string, std::string>;

RuntimeOptions options() {
  RuntimeOptions o;
  o.work_dir = "/nonexistent/faasgate-spec-test/functions";
  o.default_timeout = 60s;
  o.max_replicas = 4;
  return o;
}

FunctionSpec function(std::string command, Env env = {}) {
  FunctionSpec spec;
  spec.deployment.service = "fn";
  spec.deployment.namespace_ = "openfaas-fn";
  spec.deployment.env_process = std::move(command);
  spec.deployment.env_vars = std::move(env);
  return spec;
}

CompiledSpec compiled(const FunctionSpec& spec, const RuntimeOptions& o = options()) {
  auto c = compile(o, spec);
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
  return c ? **c : CompiledSpec{};
}

RuntimeErrc refused(const FunctionSpec& spec, const RuntimeOptions& o = options()) {
  auto c = compile(o, spec);
  EXPECT_FALSE(c.has_value());
  return c ? RuntimeErrc::crashed : c.error().code;  // crashed: never an answer of compile()
}

TEST(CompileSpec, DefaultsToAClassicFunctionInItsDirectory) {
  const auto o = options();
  const auto c = compiled(function("python3 handler.py --flag"));
  EXPECT_EQ(c.ns, "openfaas-fn");
  EXPECT_EQ(c.name, "fn");
  EXPECT_EQ(c.mode, Mode::classic);
  EXPECT_EQ(c.argv, (std::vector<std::string>{"python3", "handler.py", "--flag"}));
  EXPECT_EQ(c.timeout, 60s);
  EXPECT_EQ(c.max_inflight, 0u);
  EXPECT_EQ(c.dir, o.work_dir / "openfaas-fn" / "fn");
  EXPECT_EQ(c.secrets_dir, c.dir / "secrets");
  EXPECT_EQ(c.env, (Env{{"HOME", c.dir.string()}, {"PATH", o.default_path}, {"secret_mount_path", c.secrets_dir.string()}}));
  EXPECT_EQ(c.path_var, o.default_path);
  EXPECT_EQ(c.limits.memory_bytes, SandboxLimits{}.memory_bytes);
  EXPECT_FALSE(std::filesystem::exists(o.work_dir.parent_path()));  // compiling writes nothing
}

TEST(CompileSpec, Modes) {
  EXPECT_EQ(compiled(function("cat", {{"mode", "http"}})).mode, Mode::http);
  EXPECT_EQ(compiled(function("cat", {{"mode", "HTTP"}})).mode, Mode::http);
  for (const char* classic : {"classic", "streaming", "serializing", "Streaming", ""})
    EXPECT_EQ(compiled(function("cat", {{"mode", classic}})).mode, Mode::classic) << classic;
  EXPECT_EQ(refused(function("cat", {{"mode", "static"}})), RuntimeErrc::invalid_spec);
}

TEST(CompileSpec, ExecTimeoutIsAGoDurationRoundedUpToMilliseconds) {
  EXPECT_EQ(compiled(function("cat", {{"exec_timeout", "1.5s"}})).timeout, 1500ms);
  EXPECT_EQ(compiled(function("cat", {{"exec_timeout", "2m"}})).timeout, 120s);
  EXPECT_EQ(compiled(function("cat", {{"exec_timeout", "1500us"}})).timeout, 2ms);
  EXPECT_EQ(compiled(function("cat", {{"exec_timeout", "1ns"}})).timeout, 1ms);
  // "0" is "no timeout" upstream; here every invocation is bounded by the default.
  EXPECT_EQ(compiled(function("cat", {{"exec_timeout", "0"}})).timeout, 60s);
  for (const char* bad : {"soon", "-1s", "10", ""})
    EXPECT_EQ(refused(function("cat", {{"exec_timeout", bad}})), RuntimeErrc::invalid_spec) << bad;
}

TEST(CompileSpec, MaxInflightIsAWholeNumberUpToAMillion) {
  EXPECT_EQ(compiled(function("cat", {{"max_inflight", "3"}})).max_inflight, 3u);
  EXPECT_EQ(compiled(function("cat", {{"max_inflight", "1000000"}})).max_inflight, 1'000'000u);
  EXPECT_EQ(compiled(function("cat", {{"max_inflight", ""}})).max_inflight, 0u);
  for (const char* bad : {"-1", "two", "1.5", "2000000", " 3", "3 ", "+3", "99999999999"})
    EXPECT_EQ(refused(function("cat", {{"max_inflight", bad}})), RuntimeErrc::invalid_spec) << bad;
}

TEST(CompileSpec, ReplicasAreBoundedInHttpModeOnly) {
  auto http = function("cat", {{"mode", "http"}});
  http.deployment.replicas = 4;
  EXPECT_TRUE(compile(options(), http).has_value());
  http.deployment.replicas = 5;
  EXPECT_EQ(refused(http), RuntimeErrc::invalid_spec);
  auto classic = function("cat");
  classic.deployment.replicas = 5;
  EXPECT_TRUE(compile(options(), classic).has_value());

  EXPECT_TRUE(check_replicas(options(), Mode::http, 4).has_value());
  EXPECT_EQ(check_replicas(options(), Mode::http, 5).error().code, RuntimeErrc::invalid_spec);
  EXPECT_TRUE(check_replicas(options(), Mode::classic, 1000).has_value());
}

TEST(CompileSpec, EnvProcessMustSplit) {
  EXPECT_EQ(refused(function("echo 'unterminated")), RuntimeErrc::bad_command);
  EXPECT_EQ(refused(function("   ")), RuntimeErrc::bad_command);
  EXPECT_EQ(refused(function("")), RuntimeErrc::bad_command);
  // Whether the executable exists is the runtime's question, not the spec's.
  EXPECT_EQ(compiled(function("/nonexistent/binary")).argv, (std::vector<std::string>{"/nonexistent/binary"}));
}

TEST(CompileSpec, MemoryLimit) {
  auto spec = function("cat");
  spec.deployment.limits = model::Resources{"128Mi", ""};
  EXPECT_EQ(compiled(spec).limits.memory_bytes, 128ull << 20);
  spec.deployment.limits = model::Resources{"", "100m"};  // no memory limit: the default
  EXPECT_EQ(compiled(spec).limits.memory_bytes, SandboxLimits{}.memory_bytes);
  for (const char* bad : {"128", "15Mi", "lots"}) {
    spec.deployment.limits = model::Resources{bad, ""};
    EXPECT_EQ(refused(spec), RuntimeErrc::invalid_spec) << bad;
  }
}

TEST(CompileSpec, EnvironmentFromEnvVars) {
  const auto c = compiled(function("cat", {{"PATH", "/opt/bin"}, {"HOME", "/elsewhere"}, {"greeting", "hi there"},
                                           {"secret_mount_path", "/tmp"}}));
  EXPECT_EQ(c.env.at("PATH"), "/opt/bin");
  EXPECT_EQ(c.path_var, "/opt/bin");  // the executable is looked up in the function's own PATH
  EXPECT_EQ(c.env.at("HOME"), "/elsewhere");
  EXPECT_EQ(c.env.at("greeting"), "hi there");
  EXPECT_EQ(c.env.at("secret_mount_path"), c.secrets_dir.string());  // always where the secrets are

  EXPECT_EQ(refused(function("cat", {{"A=B", "x"}})), RuntimeErrc::invalid_spec);
  EXPECT_EQ(refused(function("cat", {{"", "x"}})), RuntimeErrc::invalid_spec);
  EXPECT_EQ(refused(function("cat", {{std::string("A\0B", 3), "x"}})), RuntimeErrc::invalid_spec);
  EXPECT_EQ(refused(function("cat", {{"A", std::string("x\0y", 3)}})), RuntimeErrc::invalid_spec);
}

TEST(CompileSpec, NamesThatCouldEscapeTheWorkDirectoryAreRefused) {
  for (std::string bad : {"..", ".", "a/b", ""}) {
    auto spec = function("cat");
    spec.deployment.service = bad;
    EXPECT_EQ(refused(spec), RuntimeErrc::invalid_spec) << bad;
    spec = function("cat");
    spec.deployment.namespace_ = bad;
    EXPECT_EQ(refused(spec), RuntimeErrc::invalid_spec) << bad;
    spec = function("cat");
    spec.deployment.secrets = {bad};
    spec.secrets.emplace(bad, core::Secret("x"));
    EXPECT_EQ(refused(spec), RuntimeErrc::invalid_spec) << bad;
  }
  EXPECT_FALSE(safe_name(".."));
  EXPECT_TRUE(safe_name("fn-1"));
}

TEST(CompileSpec, EverySecretNamedMustHaveAValue) {
  auto spec = function("cat");
  spec.deployment.secrets = {"db", "api"};
  spec.secrets.emplace("db", core::Secret("x"));
  auto c = compile(options(), spec);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, RuntimeErrc::invalid_spec);
  EXPECT_EQ(c.error().message, "secret api was not provided");
  spec.secrets.emplace("api", core::Secret("y"));
  EXPECT_TRUE(compile(options(), spec).has_value());
}

TEST(CompileSpec, ErrorsNeverCarryASecretValue) {
  auto spec = function("cat", {{"mode", "static"}});
  spec.deployment.secrets = {"db"};
  spec.secrets.emplace("db", core::Secret("hunter2"));
  auto c = compile(options(), spec);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().message.find("hunter2"), std::string::npos);
}

// --- the environment of a classic invocation --------------------------------------------------

TEST(ClassicEnv, RequestFactsAsTheWatchdogSetsThem) {
  const auto c = compiled(function("cat"));
  ClassicRequest req;
  req.method = "POST";
  req.path = "/a/b";
  req.query = "x=1&y=2";
  req.body = "hello";
  req.headers = {{"Content-Type", "text/plain"}, {"x-custom-header", "v"}, {"X_Under_score", "u"}};
  auto env = classic_env(c, req);
  EXPECT_EQ(env.at("Http_Method"), "POST");
  EXPECT_EQ(env.at("Http_Path"), "/a/b");
  EXPECT_EQ(env.at("Http_Query"), "x=1&y=2");
  EXPECT_EQ(env.at("Http_Content_Type"), "text/plain");
  EXPECT_EQ(env.at("Http_X_Custom_Header"), "v");
  EXPECT_EQ(env.at("Http_X_under_score"), "u");  // an underscore does not start a new word
  EXPECT_EQ(env.at("Http_ContentLength"), "5");
  EXPECT_EQ(env.at("Http_Content_Length"), "5");
  EXPECT_EQ(env.at("PATH"), c.env.at("PATH"));  // the function's environment is all there
  EXPECT_EQ(env.size(), c.env.size() + 8);
}

TEST(ClassicEnv, WhatIsLeftOut) {
  const auto c = compiled(function("cat"));
  ClassicRequest req;
  req.method = "GET";
  req.headers = {{"Host", "example.com"}, {"Content-Length", "99"}, {"bad header", "x"}, {"", "x"},
                 {"X-Nul", std::string("a\0b", 3)}};
  auto env = classic_env(c, req);
  EXPECT_FALSE(env.count("Http_Host"));
  EXPECT_EQ(env.at("Http_Content_Length"), "0");  // the body's size, never the header's claim
  EXPECT_FALSE(env.count("Http_X_Nul"));
  EXPECT_FALSE(env.count("Http_Query"));  // empty: not set
  EXPECT_FALSE(env.count("Http_Path"));
  for (const auto& [k, v] : env) EXPECT_EQ(k.find(' '), std::string::npos) << k;
  EXPECT_EQ(env.size(), c.env.size() + 3);  // Http_Method and the two content lengths
}

TEST(ClassicEnv, TheFunctionsOwnConfigurationWinsAndSoDoesTheFirstHeader) {
  const auto c = compiled(function("cat", {{"Http_Method", "fixed"}, {"Http_X_Role", "configured"}}));
  ClassicRequest req;
  req.method = "DELETE";
  req.headers = {{"X-Role", "admin"}, {"X-Twice", "first"}, {"x-twice", "second"}};
  auto env = classic_env(c, req);
  EXPECT_EQ(env.at("Http_Method"), "fixed");
  EXPECT_EQ(env.at("Http_X_Role"), "configured");
  EXPECT_EQ(env.at("Http_X_Twice"), "first");
}

}  // namespace
}  // namespace faasgate::provider::detail
