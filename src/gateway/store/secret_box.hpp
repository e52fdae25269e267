#pragma once
// Secret values at rest: AES-256-GCM with a 32-byte key kept in a file beside the database.
//
// Invariants enforced here:
//  - every seal() draws a fresh random 96-bit nonce (random nonces stay far below the 2^32
//    messages per key at which GCM's collision bound becomes a concern for a gateway's secrets);
//  - the caller's associated data binds a ciphertext to its place: SqliteStore passes
//    "<namespace>/<name>", so a row copied under another name does not decrypt;
//  - open() returns a value only when the tag verifies; a tampered ciphertext, nonce or tag, or
//    the wrong key, gives nullopt - never unauthenticated bytes.
// The key is held as a core::Secret and never appears in an error message.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"

namespace faasgate::store {

class SecretBox {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kNonceBytes = 12;
  static constexpr std::size_t kTagBytes = 16;

  struct Sealed {
    std::string nonce;       // kNonceBytes
    std::string ciphertext;  // the encrypted value followed by the kTagBytes tag
  };

  // `key` must be kKeyBytes long (checked by load_or_create_key; asserted here).
  explicit SecretBox(core::Secret key);

  Sealed seal(std::string_view plaintext, std::string_view aad) const;
  std::optional<core::Secret> open(const Sealed& sealed, std::string_view aad) const;

  // A fresh random key.
  static core::Secret generate_key();

  // Reads the key at `path`, or - when `create` is true and there is no file - writes a fresh one
  // there with mode 0600 (core::write_file_atomic). A key file of the wrong size, or readable or
  // writable by group or others, is refused.
  static core::Expected<core::Secret, std::string> load_or_create_key(const std::filesystem::path& path, bool create);

 private:
  core::Secret key_;
};

}  // namespace faasgate::store
