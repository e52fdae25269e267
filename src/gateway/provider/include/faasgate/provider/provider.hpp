#pragma once
// The provider seam: what the platform asks of whatever runs functions - make a deployment run
// (or stop running), scale it, count its ready replicas, keep its logs. Runtime (runtime.hpp,
// the embedded runtime's processes) is one implementation, FakeProvider (fake_provider.hpp) an
// in-memory one for tests; a remote provider API (faas-netes, faasd) is another. Invocation has
// a seam of its own (invoke::FunctionInvoker). The platform keeps what should exist in the store
// and tells the provider; the provider never reads the store.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/model/model.hpp"
#include "faasgate/provider/logs.hpp"

namespace faasgate::provider {

// Splits envProcess, a command line, into argv as a POSIX shell would split words (no expansion).
// nullopt for an unterminated quote or an empty command.
std::optional<std::vector<std::string>> split_command(std::string_view command);

struct FunctionSpec {
  model::FunctionDeployment deployment;
  std::map<std::string, core::Secret> secrets;  // name -> value, for the names in deployment.secrets
};

enum class RuntimeErrc {
  not_found,      // no such function
  bad_command,    // envProcess does not split (unterminated quote, empty) or names no executable
  invalid_spec,   // a bad name, mode, exec_timeout, environment variable, memory limit, missing secret, too many replicas
  io_failed,      // the function's directory or secrets could not be written
  spawn_failed,   // posix_spawn (or the pipes for it) failed
  timeout,        // classic: the process ran past the function's timeout and was killed
  crashed,        // reserved: a process that died before answering (not used by classic mode, see below)
  too_large,      // classic: stdout exceeded max_output_bytes and the process was killed
  unavailable,    // the runtime is shutting down
  wrong_mode,     // invoke_classic on an http-mode function
  busy,           // the function has max_inflight calls in flight, or max_classic_processes are running
};

std::string_view to_string(RuntimeErrc code) noexcept;

struct RuntimeError {
  RuntimeErrc code;
  std::string message;  // never contains a secret value or the request body
};

class Provider {
 public:
  virtual ~Provider() = default;

  // Creates or replaces a function: validates the spec, makes it run as the deployment says.
  virtual core::Expected<void, RuntimeError> apply(const FunctionSpec& spec) = 0;
  // Stops it and forgets it, its secrets and its logs. Removing what does not exist does nothing.
  virtual void remove(const std::string& ns, const std::string& name) = 0;
  virtual core::Expected<void, RuntimeError> scale(const std::string& ns, const std::string& name,
                                                   std::uint32_t replicas) = 0;
  // Replicas that can take a call now.
  virtual std::uint32_t available_replicas(const std::string& ns, const std::string& name) const = 0;
  // The functions' output, for GET /system/logs.
  virtual const LogSource& logs() const = 0;
};

}  // namespace faasgate::provider
