#pragma once
// The gateway's own signing keys (the "system issuer"). The newest key signs once it has been
// published for `publish_ahead` (until then the one before it signs): gateways that share the
// keys load a new key at different moments, and a token signed with a key some gateway does not
// publish yet would be refused there. An older key stays published until every token it can
// have signed has expired: its successor's start of signing plus the longest token lifetime plus
// the verification leeway.
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
  // `keys` in any order; at least one. `retire_after` = longest token lifetime + leeway. The
  // signer is chosen at `now`: the newest key created at least `publish_ahead` before it, or the
  // oldest when none is (a first key signs at once). The defaults: the newest key signs.
  KeyRing(std::vector<IssuerKey> keys, std::chrono::seconds retire_after, core::Instant now = core::Instant::max(),
          std::chrono::seconds publish_ahead = std::chrono::seconds(0));

  const jose::Signer& current() const noexcept { return keys_[signer_].signer; }
  // The public keys to publish (and to verify our own tokens with) at `now`.
  jose::KeySet published(core::Instant now) const;
  // When the published set or the signer changes next (a key retires, or a new one starts
  // signing), or Instant::max() if never.
  core::Instant next_change(core::Instant now) const;
  const std::vector<IssuerKey>& keys() const noexcept { return keys_; }

 private:
  std::vector<IssuerKey> keys_;  // oldest first
  std::chrono::seconds retire_after_;
  std::chrono::seconds publish_ahead_;
  std::size_t signer_ = 0;
};

}  // namespace faasgate::oauth
