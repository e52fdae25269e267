#pragma once
// Small, careful file helpers for the I/O shell: bounded reads and atomic, private writes.
#include <filesystem>
#include <string>
#include <sys/types.h>

#include "core/result.hpp"

namespace faasgate::core {

// Reads at most `max_bytes`; a larger file is an error (never silently truncated).
Expected<std::string, std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes);

// Writes to a temporary file in the same directory with `mode`, fsyncs, then renames over `path`:
// readers see the old content or the new, never half of it.
Expected<void, std::string> write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                              mode_t mode = 0600);

}  // namespace faasgate::core
