#pragma once
// Internal to the provider: what a FunctionSpec becomes before anything runs. compile() checks a
// deployment (names, mode, exec_timeout, max_inflight, replicas, envProcess, limits.memory,
// envVars, that every secret named has a value) and turns it into an immutable CompiledSpec; the
// environment of each classic invocation is that spec's plus the request's facts. Both are pure:
// no files, no processes, no clock.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/provider/provider.hpp"
#include "faasgate/provider/runtime.hpp"
#include "faasgate/provider/sandbox.hpp"

namespace faasgate::provider::detail {

using FunctionKey = std::pair<std::string, std::string>;  // (namespace, name)

// Shared by the runtime's units.
inline RuntimeError error(RuntimeErrc code, std::string message) { return RuntimeError{code, std::move(message)}; }

// The immutable, validated form of one deployment.
struct CompiledSpec {
  std::string ns;
  std::string name;
  Mode mode = Mode::classic;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // the base environment (without PORT and Http_*)
  std::string path_var;
  std::chrono::milliseconds timeout{};
  std::uint32_t max_inflight = 0;  // 0: no limit of its own
  std::filesystem::path dir;
  std::filesystem::path secrets_dir;
  SandboxLimits limits;
};

// Names become path components: model::valid_name admits "." and "..", which must never reach a path.
bool safe_name(std::string_view name);

core::Expected<std::shared_ptr<CompiledSpec>, RuntimeError> compile(const RuntimeOptions& o, const FunctionSpec& spec);

// An http function may have at most options.max_replicas replicas (apply and scale refuse more);
// a classic function's replica count is only recorded.
core::Expected<void, RuntimeError> check_replicas(const RuntimeOptions& o, Mode mode, std::uint32_t replicas);

// The environment of one classic invocation: the function's, then the request's facts as the
// upstream watchdog sets them (Http_Method, Http_Path, Http_Query, Http_<Header>, ...).
std::map<std::string, std::string> classic_env(const CompiledSpec& spec, const ClassicRequest& req);

}  // namespace faasgate::provider::detail
