#include "faasgate/oauth/keyring.hpp"

#include <algorithm>
#include <stdexcept>

namespace faasgate::oauth {

KeyRing::KeyRing(std::vector<IssuerKey> keys, std::chrono::seconds retire_after)
    : keys_(std::move(keys)), retire_after_(retire_after) {
  if (keys_.empty()) throw std::invalid_argument("a key ring needs at least one key");
  std::stable_sort(keys_.begin(), keys_.end(),
                   [](const IssuerKey& a, const IssuerKey& b) { return a.created < b.created; });
}

jose::KeySet KeyRing::published(core::Instant now) const {
  std::vector<jose::PublicKey> out;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const bool newest = i + 1 == keys_.size();
    // Key i signed tokens until key i+1 was created; those live at most retire_after_ longer.
    if (newest || now < keys_[i + 1].created + retire_after_) out.push_back(keys_[i].signer.public_key());
  }
  return jose::KeySet(std::move(out));
}

core::Instant KeyRing::next_change(core::Instant now) const {
  auto next = core::Instant::max();
  for (std::size_t i = 0; i + 1 < keys_.size(); ++i) {
    auto retires = keys_[i + 1].created + retire_after_;
    if (retires > now) next = std::min(next, retires);
  }
  return next;
}

}  // namespace faasgate::oauth
