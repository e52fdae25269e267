#pragma once
// The gateway's own signing keys (the "system issuer"). The newest key signs; an older key stays
// published until every token it can have signed has expired: its successor's creation time plus
// the longest token lifetime plus the verification leeway.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "faasgate/core/clock.hpp"
#include "faasgate/jose/jwk.hpp"
#include "faasgate/jose/jwt.hpp"

namespace faasgate::oauth {

struct IssuerKey {
  jose::Signer signer;
  core::Instant created;
};

class KeyRing {
 public:
  // `keys` in any order; at least one. `retire_after` = longest token lifetime + leeway.
  KeyRing(std::vector<IssuerKey> keys, std::chrono::seconds retire_after);

  const jose::Signer& current() const noexcept { return keys_.back().signer; }
  // The public keys to publish (and to verify our own tokens with) at `now`.
  jose::KeySet published(core::Instant now) const;
  // When the published set changes next (a key retires), or Instant::max() if never.
  core::Instant next_change(core::Instant now) const;
  const std::vector<IssuerKey>& keys() const noexcept { return keys_; }

 private:
  std::vector<IssuerKey> keys_;  // oldest first
  std::chrono::seconds retire_after_;
};

}  // namespace faasgate::oauth
