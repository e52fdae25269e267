#pragma once
// What the commands read from the user: stdin, files and KEY=VALUE flags. Every read has a limit.
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/result.hpp"

namespace faasgate::cli {

template <class T>
using Expected = core::Expected<T, std::string>;

// Limits on what the commands read.
inline constexpr std::size_t kMaxTokenBytes = 64 * 1024;          // an ID token (a JWT is a few KiB)
inline constexpr std::size_t kMaxPasswordBytes = 4 * 1024;
inline constexpr std::size_t kMaxSecretBytes = 1024 * 1024;       // as a Kubernetes secret
inline constexpr std::size_t kMaxStackBytes = 1024 * 1024;        // stack.yml and its environment files
inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;
inline constexpr std::size_t kMaxInvokeBodyBytes = 64 * 1024 * 1024;

// All of `in`, or an error naming `what` when it is longer than `max_bytes`.
Expected<std::string> read_stream(std::istream& in, std::size_t max_bytes, std::string_view what);

// A file, bounded; the error names the file.
Expected<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes);

// Trailing "\n" or "\r\n" - what `echo` and editors add - removed, once.
std::string without_final_newline(std::string text);
// Trailing whitespace and newlines removed (tokens and passwords never end in them).
std::string trim_right(std::string text);

// "KEY=VALUE" flags (--env, --label, --annotation, --header) into a map; `flag` names the option
// in the error. A later KEY wins, as faas-cli's.
Expected<std::map<std::string, std::string>> parse_key_values(const std::vector<std::string>& items, std::string_view flag);

}  // namespace faasgate::cli
