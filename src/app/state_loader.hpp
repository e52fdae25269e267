#pragma once
// Builds the gateway's reloadable state - IAM objects, trusted issuers, signing keys - from disk,
// as one snapshot, and notices when any of it changed. A snapshot that fails to build is never
// installed: the last good one stays, and the errors are returned for the log.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faasgate/api/gateway.hpp"
#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/iam/loader.hpp"
#include "faasgate/oidc/key_cache.hpp"
#include "issuer_keys.hpp"

namespace faasgate::app {

struct StateSources {
  std::optional<std::filesystem::path> iam_dir;
  IssuerKeySource keys;
  // With revocations shared over NATS: how long the stream keeps one. An issuer whose tokens
  // outlive it is warned about at every load (such a token outlives its revocation there).
  std::optional<std::chrono::seconds> shared_revocations_kept;
};

class StateLoader {
 public:
  StateLoader(StateSources sources, oidc::KeyCache& key_cache);

  // Loads everything. Errors are one message per line, naming file, object and field.
  core::Expected<std::shared_ptr<const api::GatewayState>, std::vector<std::string>> load(core::Instant now);
  // Cheap: true if files changed since the last load() or a key retires.
  bool changed(core::Instant now) const;
  // Warnings of the last successful load (e.g. a Role naming a missing Policy).
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }

 private:
  std::string stamp() const;

  StateSources sources_;
  oidc::KeyCache& key_cache_;
  std::string last_stamp_;
  core::Instant next_key_change_ = core::Instant::max();
  std::vector<std::string> warnings_;
  std::uint64_t generation_ = 0;
};

}  // namespace faasgate::app
