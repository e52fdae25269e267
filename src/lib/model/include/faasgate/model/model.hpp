#pragma once
// The functions platform's objects, as the upstream REST API names them (reference §3). Plain
// data: the store persists them, the runtime runs them, the API turns them into JSON.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faasgate/core/clock.hpp"

namespace faasgate::model {

inline constexpr std::string_view kDefaultNamespace = "openfaas-fn";

// Names as routes accept them (functions, namespaces and secrets to look up): [-a-zA-Z_0-9.]+,
// at most 253 characters.
bool valid_name(std::string_view name) noexcept;

// "name" or "name.namespace", as /function/<...> and the CLI name a function: the namespace is
// after the last dot, as upstream splits it; without one (or with nothing after it), the default.
std::pair<std::string, std::string> split_function_name(std::string_view qualified);

// Names a function or namespace may be created with, as faas-netes requires: a DNS-1123 label,
// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$, at most 63 characters. No dot, so never "." or "..", nor a
// name like ".processes" that would land among the gateway's own files.
bool valid_dns_label(std::string_view name) noexcept;
inline constexpr std::string_view kDnsLabelRule = "a lowercase DNS label: [a-z0-9] and '-', 1-63 characters, "
                                                  "starting and ending with a letter or digit";

struct Resources {
  std::string memory;  // "128Mi"
  std::string cpu;     // "100m"
  // Further resources as Kubernetes names them ("nvidia.com/gpu": "1"), which faas-netes passes
  // on to the Pod; kept and passed through, not enforced by the embedded runtime.
  std::map<std::string, std::string> other;
  bool empty() const noexcept { return memory.empty() && cpu.empty() && other.empty(); }
};

struct FunctionDeployment {
  std::string service;    // the function's name
  std::string image;      // recorded and reported; the embedded runtime does not run images
  std::string namespace_ = std::string(kDefaultNamespace);
  std::string env_process;  // upstream "envProcess" (fprocess): the command line to run
  std::map<std::string, std::string> env_vars;
  std::vector<std::string> constraints;
  std::vector<std::string> secrets;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::optional<Resources> limits;
  std::optional<Resources> requests;
  bool read_only_root_filesystem = false;
  // Not in the upstream deployment body: the number of replicas to run (scale sets it).
  std::uint32_t replicas = 1;
};

// What a function's replicas use now, as faas-netes and faasd report it (`usage`).
struct FunctionUsage {
  double cpu = 0;                 // cores (or their share of one)
  double total_memory_bytes = 0;  // all replicas together
};

struct FunctionStatus {
  FunctionDeployment deployment;
  std::uint64_t invocation_count = 0;
  std::uint32_t available_replicas = 0;
  core::Instant created_at{};
  std::optional<FunctionUsage> usage;  // reported by a back end that measures it
};

struct Namespace {
  std::string name;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

struct SecretRef {
  std::string name;
  std::string namespace_;
};

}  // namespace faasgate::model
