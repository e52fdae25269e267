#pragma once
// OpenFaaS stack files (stack.yml), as faas-cli reads them for deploy:
//
//   version: 1.0
//   provider: {name: openfaas, gateway: http://127.0.0.1:8080}
//   functions:
//     hello:
//       image: ghcr.io/me/hello:1.0
//       fprocess: python3 handler.py
//       namespace: dev
//       environment: {write_debug: true}
//       environment_file: [env.yml]     # files with an `environment:` map, beside the stack file
//       labels: {team: a}
//       annotations: {topic: orders}
//       secrets: [api-key]
//       constraints: [...]
//       limits: {memory: 128Mi, cpu: 100m}
//       requests: {memory: 64Mi}
//       readonly_root_filesystem: true
//
// Keys this gateway has no use for (lang, handler, build_args, ...) are ignored, as faas-cli
// ignores what a provider does not support. `fprocess` (or environment.fprocess) is required: it
// is what the gateway runs, and the gateway refuses a deployment without it; `image` is recorded
// and may be left out. Environment files override `environment`, as in faas-cli.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/result.hpp"
#include "faasgate/model/model.hpp"

namespace faasgate::cli {

struct Stack {
  std::vector<model::FunctionDeployment> functions;  // in the file's order
  std::string provider_gateway;                       // provider.gateway, when given
};

// Reads an environment file named in the stack (relative to the stack file's directory).
using ReadFile = std::function<core::Expected<std::string, std::string>(const std::string& name)>;

// `origin` names the file in errors ("stack.yml:12: functions.hello.secrets must be a list").
// `default_namespace` is for functions that name none.
core::Expected<Stack, std::string> parse_stack(std::string_view text, const std::string& origin,
                                               const std::string& default_namespace, const ReadFile& read_file = {});

// The file (at most kMaxStackBytes), its environment files beside it.
core::Expected<Stack, std::string> load_stack(const std::filesystem::path& path, const std::string& default_namespace);

}  // namespace faasgate::cli
