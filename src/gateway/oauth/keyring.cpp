#include "faasgate/oauth/keyring.hpp"

#include <algorithm>
#include <stdexcept>

namespace faasgate::oauth {

KeyRing::KeyRing(std::vector<IssuerKey> keys, std::chrono::seconds retire_after, core::Instant now,
                 std::chrono::seconds publish_ahead)
    : keys_(std::move(keys)), retire_after_(retire_after), publish_ahead_(publish_ahead) {
  if (keys_.empty()) throw std::invalid_argument("a key ring needs at least one key");
  std::stable_sort(keys_.begin(), keys_.end(),
                   [](const IssuerKey& a, const IssuerKey& b) { return a.created < b.created; });
  for (std::size_t i = keys_.size(); i-- > 0;) {
    if (now == core::Instant::max() || keys_[i].created <= now - publish_ahead_) {
      signer_ = i;
      break;
    }
  }
}

jose::KeySet KeyRing::published(core::Instant now) const {
  std::vector<jose::PublicKey> out;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const bool newest = i + 1 == keys_.size();
    // Key i signed tokens until key i+1 began to (publish_ahead_ after it was created); those
    // live at most retire_after_ longer. Keys that do not sign yet are published already.
    if (newest || now < keys_[i + 1].created + publish_ahead_ + retire_after_)
      out.push_back(keys_[i].signer.public_key());
  }
  return jose::KeySet(std::move(out));
}

core::Instant KeyRing::next_change(core::Instant now) const {
  auto next = core::Instant::max();
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    // A key newer than the signer begins to sign: the ring is built again then.
    if (auto signs = keys_[i].created + publish_ahead_; i > signer_ && signs > now) next = std::min(next, signs);
    if (i + 1 == keys_.size()) break;
    if (auto retires = keys_[i + 1].created + publish_ahead_ + retire_after_; retires > now) next = std::min(next, retires);
  }
  return next;
}

}  // namespace faasgate::oauth
