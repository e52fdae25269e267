#pragma once
// Where the gateway's signing keys live on disk.
//  --issuer-key FILE: one P-256 PEM key managed by the operator (as upstream mounts it).
//  otherwise <key dir>/key-<unix time>.pem - the key dir is --keys-dir, by default
//  <data-dir>/issuer-keys - generated on first start (mode 0600); `faasgate keys rotate` adds a
//  newer one. The file name carries the creation time, so the retirement schedule does not
//  depend on mtimes that copies and backups change. Several gateways share one key dir (a
//  shared volume, a mounted secret): each signs with the newest key and publishes every key
//  not retired, so a token one mints the others accept, and a rotation reaches them all.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/oauth/keyring.hpp"

namespace faasgate::app {

// A new key is published this long before it signs: gateways sharing a key dir check it every
// second, so each publishes a rotated key before any of them mints a token with it.
inline constexpr std::chrono::seconds kPublishAhead{5};

struct IssuerKeySource {
  std::optional<std::filesystem::path> key_file;  // --issuer-key
  std::filesystem::path key_dir;
};

// The default key dir of a data dir.
std::filesystem::path default_key_dir(const std::filesystem::path& data_dir);

// Loads every key; creates the first one when there is none and no key file was given.
core::Expected<oauth::KeyRing, std::string> load_issuer_keys(const IssuerKeySource& source,
                                                             std::chrono::seconds retire_after, core::Instant now);

// Adds a new key to the key dir (running gateways pick it up). Returns its kid.
core::Expected<std::string, std::string> rotate_issuer_key(const std::filesystem::path& key_dir, core::Instant now);

// A cheap stamp of the key directory (names and sizes), to notice a rotation while running.
std::string issuer_keys_stamp(const IssuerKeySource& source);

}  // namespace faasgate::app
