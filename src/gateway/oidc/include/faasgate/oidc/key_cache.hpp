#pragma once
// KeyCache: the fetched key sets of trusted issuers, shared by every thread, kept across reloads.
//
// Two entry points, so that the server's I/O threads never do network I/O:
//   lookup(issuer, kid, alg, now)  non-blocking (a short mutex, no I/O): hit / needs_fetch /
//                                  unavailable.
//   refresh(issuer, kid, alg, now) blocking, for a worker pool: re-decides under the lock and
//                                  fetches only if still needed; concurrent callers for the same
//                                  issuer share ONE fetch (the others wait for it). Never returns
//                                  needs_fetch.
// Time is an argument; the cache never reads a clock.
//
// Rules (each backed by a test in key_cache_test.cpp):
//   - a fetched set is fresh for the response's Cache-Control max-age clamped to
//     [min_ttl, max_ttl], default_ttl when absent;
//   - a token whose kid (or, without kid, whose alg) matches no key of a fresh set triggers a
//     refetch, at most once per refetch_cooldown per issuer - a stream of tokens with random kids
//     costs one fetch per cooldown; inside the cooldown the old set is returned and the verifier
//     reports no_matching_key;
//   - a failed fetch keeps the old set: it is served while fresh, and after expiry for
//     stale_if_error more (the failure is retried at most once per cooldown). With no set at all
//     a failure is remembered for the cooldown (unavailable, no refetch storm);
//   - at most max_issuers entries; the least recently used entry not being fetched is evicted.
//   - inline key sets (spec.jwks) bypass the cache: lookup() is always a hit.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "faasgate/core/clock.hpp"
#include "faasgate/jose/algorithm.hpp"
#include "faasgate/jose/jwk.hpp"
#include "faasgate/oidc/fetcher.hpp"
#include "faasgate/oidc/issuers.hpp"
#include "faasgate/oidc/key_source.hpp"

namespace faasgate::oidc {

struct KeyCacheOptions {
  std::chrono::seconds min_ttl{5 * 60};
  std::chrono::seconds max_ttl{24 * 3600};
  std::chrono::seconds default_ttl{3600};
  std::chrono::seconds refetch_cooldown{30};  // at least 1 s
  std::chrono::seconds stale_if_error{24 * 3600};
  std::size_t max_issuers = 256;
  KeySourceOptions source;
};

struct KeyLookup {
  enum class Status {
    hit,          // keys set (possibly without the wanted kid: the verifier then says no_matching_key)
    needs_fetch,  // call refresh() off the I/O thread
    unavailable,  // no usable keys and a recent fetch failed; error says why
  };
  Status status = Status::needs_fetch;
  std::shared_ptr<const jose::KeySet> keys;
  bool stale = false;                  // hit served past expiry because the refetch failed
  std::optional<KeyFetchError> error;  // unavailable: the last fetch error; stale hit: too
};

class KeyCache {
 public:
  struct Stats {
    std::size_t entries = 0;
    std::uint64_t fetches = 0;          // fetches started
    std::uint64_t fetch_failures = 0;
    std::uint64_t coalesced = 0;        // refresh() calls that waited for another's fetch
    std::size_t waiting = 0;            // refresh() calls waiting right now
  };

  // The client must outlive the cache.
  explicit KeyCache(http_client::HttpClient& client, KeyCacheOptions options = {});
  KeyCache(const KeyCache&) = delete;
  KeyCache& operator=(const KeyCache&) = delete;

  KeyLookup lookup(const TrustedIssuer& issuer, const std::optional<std::string>& kid, jose::Algorithm alg,
                   core::Instant now);
  KeyLookup refresh(const TrustedIssuer& issuer, const std::optional<std::string>& kid, jose::Algorithm alg,
                    core::Instant now);

  // Drops entries whose key source no longer appears in `current` (call after a reload).
  void prune(const IssuerSet& current);

  Stats stats() const;
  const KeyCacheOptions& options() const noexcept { return options_; }

 private:
  struct Entry {
    std::shared_ptr<const jose::KeySet> keys;
    core::Instant expires_at{};
    std::optional<core::Instant> last_attempt;
    bool last_failed = false;
    std::optional<KeyFetchError> last_error;
    bool in_flight = false;
    std::uint64_t generation = 0;  // bumped when a fetch completes
    std::uint64_t last_used = 0;   // LRU tick
  };

  KeyLookup decide(const Entry* entry, const std::optional<std::string>& kid, jose::Algorithm alg,
                   core::Instant now) const;
  std::shared_ptr<Entry> find_locked(const std::string& id);
  std::shared_ptr<Entry> create_locked(const std::string& id);
  std::chrono::seconds ttl_for(std::optional<std::chrono::seconds> max_age) const;

  http_client::HttpClient& client_;
  KeyCacheOptions options_;
  mutable std::mutex mu_;
  std::condition_variable done_;
  std::unordered_map<std::string, std::shared_ptr<Entry>> entries_;
  std::uint64_t tick_ = 0;
  Stats stats_;
};

}  // namespace faasgate::oidc
