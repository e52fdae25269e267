#pragma once
// Internal to the provider: a function's directory on disk, <work_dir>/<ns>/<name>, its working
// directory and HOME, with its secrets as files in <dir>/secrets.
#include "faasgate/core/result.hpp"
#include "faasgate/provider/provider.hpp"
#include "faasgate/provider/runtime.hpp"
#include "runtime_spec.hpp"

namespace faasgate::provider::detail {

// Makes the function's directories private, writes every secret it names (each atomically, mode
// 0600), hands them to the functions' user when there is one, and deletes secret files no longer
// named. Callers serialise it (State::files_mu).
core::Expected<void, RuntimeError> write_function_files(const RuntimeOptions& o, const CompiledSpec& c,
                                                        const FunctionSpec& spec);

}  // namespace faasgate::provider::detail
