#pragma once
// Where the gateway's signing keys live on disk.
//  --issuer-key FILE: one P-256 PEM key managed by the operator (as upstream mounts it).
//  otherwise <data-dir>/issuer-keys/key-<unix time>.pem, generated on first start (mode 0600);
//  `faasgate keys rotate` adds a newer one. The file name carries the creation time, so the
//  retirement schedule does not depend on mtimes that copies and backups change.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/oauth/keyring.hpp"

namespace faasgate::app {

struct IssuerKeySource {
  std::optional<std::filesystem::path> key_file;  // --issuer-key
  std::filesystem::path data_dir;
};

// Loads every key; creates the first one when there is none and no key file was given.
core::Expected<oauth::KeyRing, std::string> load_issuer_keys(const IssuerKeySource& source,
                                                             std::chrono::seconds retire_after, core::Instant now);

// Adds a new key to <data-dir>/issuer-keys (the running gateway picks it up). Returns its kid.
core::Expected<std::string, std::string> rotate_issuer_key(const std::filesystem::path& data_dir, core::Instant now);

// A cheap stamp of the key directory (names and sizes), to notice a rotation while running.
std::string issuer_keys_stamp(const IssuerKeySource& source);

}  // namespace faasgate::app
