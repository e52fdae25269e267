#include "runtime_files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "faasgate/core/files.hpp"

namespace faasgate::provider::detail {

namespace {

// Creates `dir` if needed as a private (0700, or passable 0711) real directory; refuses a symlink
// in its place.
core::Expected<void, std::string> private_dir(const std::filesystem::path& dir, mode_t mode = 0700) {
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return core::fail("cannot create " + dir.string() + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return core::fail(dir.string() + " is not a directory");
  }
  if ((st.st_mode & 07777) != mode && ::chmod(dir.c_str(), mode) != 0) {
    return core::fail("cannot chmod " + dir.string() + ": " + std::strerror(errno));
  }
  return {};
}

// When functions run as a user of their own (the gateway is root), that user owns its directory
// and its secrets (the directories above are passable, 0711, not listable: `serve` makes the
// data directory so); nothing else of the data directory is theirs.
core::Expected<void, std::string> hand_to_functions_user(const RuntimeOptions& o, const CompiledSpec& c) {
  const auto& sandbox = o.sandbox;
  if (!sandbox.enabled || !sandbox.run_as_uid) return {};
  const uid_t uid = *sandbox.run_as_uid;
  const gid_t gid = sandbox.run_as_gid.value_or(uid);
  std::error_code ec;
  std::vector<std::filesystem::path> owned = {c.dir, c.secrets_dir};
  for (const auto& entry : std::filesystem::directory_iterator(c.secrets_dir, ec)) owned.push_back(entry.path());
  for (const auto& path : owned) {
    if (::lchown(path.c_str(), uid, gid) != 0) return core::fail("cannot chown " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

core::Expected<void, RuntimeError> write_function_files(const RuntimeOptions& o, const CompiledSpec& c,
                                                        const FunctionSpec& spec) {
  std::error_code ec;
  std::filesystem::create_directories(o.work_dir, ec);
  // With a user of their own, functions must pass through the directories above theirs.
  const mode_t above = o.sandbox.enabled && o.sandbox.run_as_uid ? 0711 : 0700;
  for (const auto& [dir, mode] : {std::pair{o.work_dir, above}, std::pair{o.work_dir / c.ns, above},
                                  std::pair{c.dir, mode_t{0700}}, std::pair{c.secrets_dir, mode_t{0700}}}) {
    if (auto r = private_dir(dir, mode); !r) return core::fail(error(RuntimeErrc::io_failed, r.error()));
  }
  // Each secret is written atomically (a reader sees the old value or the new one) with mode 0600.
  std::set<std::string> wanted(spec.deployment.secrets.begin(), spec.deployment.secrets.end());
  for (const auto& name : wanted) {
    auto r = core::write_file_atomic(c.secrets_dir / name, spec.secrets.at(name).reveal(), 0600);
    if (!r) return core::fail(error(RuntimeErrc::io_failed, "cannot write secret " + name + ": " + r.error()));
  }
  if (auto r = hand_to_functions_user(o, c); !r) return core::fail(error(RuntimeErrc::io_failed, r.error()));
  for (const auto& entry : std::filesystem::directory_iterator(c.secrets_dir, ec)) {
    if (!wanted.count(entry.path().filename().string())) std::filesystem::remove_all(entry.path(), ec);
  }
  return {};
}

}  // namespace faasgate::provider::detail
