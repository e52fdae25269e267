#pragma once
// Loading IAM objects from Kubernetes-style YAML manifests (reference §1).
//
// Strict, typed, validated at load: apiVersion must be iam.openfaas.com/v1; kinds JwtIssuer, Policy,
// Role; unknown fields, wrong types, missing required fields, unknown actions, operators and
// algorithms, malformed resources and durations are ERRORS naming the file, the object, the field
// and the line. The loader collects every error it can find rather than stopping at the first.
// metadata accepts the usual Kubernetes fields (annotations, labels, uid, resourceVersion, ...)
// and ignores their values; a top-level `status` is accepted and ignored (kubectl -o yaml).
//
// Cross-object rules (checked over the whole set, because objects arrive in any order):
//   - two objects of one kind with the same namespace/name: error;
//   - two Policies with the same name in different namespaces: error (tokens carry bare policy
//     names, so the name must be unambiguous);
//   - two JwtIssuers with the same iss: error;
//   - a Role naming a Policy that does not exist: WARNING (the name grants nothing until it exists);
//   - a Role with neither principal nor condition: WARNING (it matches every trusted token).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"
#include "faasgate/iam/issue.hpp"
#include "faasgate/iam/objects.hpp"

namespace faasgate::iam {

struct LoadLimits {
  std::size_t max_file_bytes = 4 * 1024 * 1024;
  std::size_t max_files = 10'000;
  std::size_t max_objects = 200'000;
  std::size_t max_inline_jwks_nodes = 10'000;
};

struct LoadResult {
  ObjectSet objects;
  Issues warnings;
};

// Errors: every error found (never empty). Warnings are returned only on success.
using LoadOutcome = core::Expected<LoadResult, Issues>;

// Loads one YAML text (possibly several documents separated by `---`). `source_name` names the
// text in messages. The cross-object rules apply to this text alone.
LoadOutcome load_yaml(std::string_view text, std::string_view source_name, const LoadLimits& limits = {});

// Loads every *.yaml / *.yml in `dir` (not recursive), in name order. Hidden entries (names
// starting with '.', which includes a ConfigMap's `..data` and `..<timestamp>` entries) are
// skipped. When `dir/..data` exists (a mounted ConfigMap), files that are symlinks into `..data/`
// are read through ONE resolution of `..data`, so a concurrent atomic ConfigMap update never
// yields a mix of old and new files. Other symlinks are followed; directories are skipped.
LoadOutcome load_directory(const std::filesystem::path& dir, const LoadLimits& limits = {});

// The cross-object rules over a complete set (load_* already run them). Errors are returned;
// warnings are appended to `warnings` when it is given.
Issues check_object_set(const ObjectSet& set, Issues* warnings = nullptr);

// A cheap summary of the manifest files of a directory (names, sizes, mtimes, inodes, ctimes,
// following symlinks, and the target of `..data`). When two fingerprints are equal the directory
// is, in all likelihood, unchanged; a poller reloads only when it differs.
struct DirectoryFingerprint {
  std::uint64_t digest = 0;
  std::size_t files = 0;
  bool operator==(const DirectoryFingerprint&) const = default;
};

core::Expected<DirectoryFingerprint, Issue> fingerprint_directory(const std::filesystem::path& dir);

}  // namespace faasgate::iam
