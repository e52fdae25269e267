#pragma once
// Where a program's ID token comes from (issue 13): TokenAuth asks its TokenSource for the
// upstream token before every exchange, so a source that is re-read (a projected service-account
// token the kubelet rotates) is seen at once. Implementations are safe to call from several
// threads at once. Errors name the source (a path), never a token.
#include <filesystem>
#include <optional>
#include <string>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"

namespace faasgate::sdk {

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // The token, or why there is none.
  virtual core::Expected<core::Secret, std::string> token() = 0;
};

// The same token every time (a test, or a token a program got some other way).
class StaticTokenSource final : public TokenSource {
 public:
  explicit StaticTokenSource(core::Secret token) : token_(std::move(token)) {}
  core::Expected<core::Secret, std::string> token() override;

 private:
  core::Secret token_;
};

// A Kubernetes projected service-account token: <dir>/openfaas-token, read afresh on every call.
// <dir> is the one given, else $token_mount_path, else /var/secrets/tokens (as the upstream SDK).
class ServiceAccountTokenSource final : public TokenSource {
 public:
  static constexpr const char* kDefaultDirectory = "/var/secrets/tokens";
  static constexpr const char* kFileName = "openfaas-token";
  // A token file larger than this is refused, not read: a JWT is a few KiB.
  static constexpr std::size_t kMaxTokenBytes = 64 * 1024;

  explicit ServiceAccountTokenSource(std::optional<std::filesystem::path> directory = std::nullopt);
  core::Expected<core::Secret, std::string> token() override;
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace faasgate::sdk
