#pragma once
// The functions platform's objects, as the upstream REST API names them (reference §3). Plain
// data: the store persists them, the runtime runs them, the API turns them into JSON.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace faasgate::model {

inline constexpr std::string_view kDefaultNamespace = "openfaas-fn";

// Names of functions, namespaces and secrets: [-a-zA-Z_0-9.]+, at most 253 characters.
bool valid_name(std::string_view name) noexcept;

struct Resources {
  std::string memory;  // "128Mi"
  std::string cpu;     // "100m"
  bool empty() const noexcept { return memory.empty() && cpu.empty(); }
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

struct FunctionStatus {
  FunctionDeployment deployment;
  std::uint64_t invocation_count = 0;
  std::uint32_t available_replicas = 0;
  core::Instant created_at{};
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
