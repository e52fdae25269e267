#pragma once
// Small, careful file helpers for the I/O shell: bounded reads and atomic, private writes.
#include <filesystem>
#include <string>
#include <utility>
#include <sys/types.h>

#include "faasgate/core/result.hpp"

namespace faasgate::core {

// Reads at most `max_bytes`; a larger file is an error (never silently truncated).
Expected<std::string, std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes);

// Writes to a temporary file in the same directory with `mode`, fsyncs, then renames over `path`:
// readers see the old content or the new, never half of it. With replace = false an existing
// `path` is left as it is and the write fails (link(2): of writers racing for a new name, one
// wins), as processes sharing a directory need.
Expected<void, std::string> write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                              mode_t mode = 0600, bool replace = true);

// An exclusive lock on a file (flock), held while the object lives. The kernel releases it when
// the process ends, even by SIGKILL, so a stale lock cannot outlive its holder. The file holds
// the holder's pid, which the refusal names.
class FileLock {
 public:
  // Fails when another holder has it, or the file cannot be opened.
  static Expected<FileLock, std::string> acquire(const std::filesystem::path& path);
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace faasgate::core
