#pragma once
// Where a program's ID token comes from (issue 13): TokenAuth asks its TokenSource for the
// upstream token before every exchange, so a source that is re-read (a projected service-account
// token the kubelet rotates) is seen at once. Implementations are safe to call from several
// threads at once. Errors name the source (a path), never a token.
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/sdk/http.hpp"

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

// OAuth 2.0 client credentials (RFC 6749 §4.4) at an identity provider's token URL, as the
// upstream SDK's ClientCredentialsTokenSource: the form fields client_id, client_secret,
// grant_type, scope and audience. The IdP's answer is kept until `margin` before its expiry, so
// the IdP is not asked on every exchange; its id_token is used when it sends one, else its
// access_token. Errors carry the IdP's RFC 6749 error, never the secret.
struct ClientCredentials {
  std::string token_url;
  std::string client_id;
  core::Secret client_secret;
  std::string scope;      // space-separated; empty: not sent
  std::string audience;   // empty: not sent
  std::string grant_type = "client_credentials";
};

class ClientCredentialsTokenSource final : public TokenSource {
 public:
  explicit ClientCredentialsTokenSource(ClientCredentials credentials, std::shared_ptr<HttpTransport> transport = nullptr,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                        std::chrono::seconds margin = std::chrono::seconds(30));
  core::Expected<core::Secret, std::string> token() override;

 private:
  ClientCredentials credentials_;
  std::shared_ptr<HttpTransport> transport_;
  std::chrono::milliseconds timeout_;
  std::chrono::seconds margin_;
  std::mutex mutex_;
  core::Secret cached_;
  std::chrono::steady_clock::time_point cached_until_{};
};

}  // namespace faasgate::sdk
