#include "faasgate/oidc/key_cache.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

namespace faasgate::oidc {

namespace {

KeyLookup hit(std::shared_ptr<const jose::KeySet> keys, bool stale = false,
              std::optional<KeyFetchError> error = std::nullopt) {
  KeyLookup r;
  r.status = KeyLookup::Status::hit;
  r.keys = std::move(keys);
  r.stale = stale;
  r.error = std::move(error);
  return r;
}

KeyLookup needs_fetch() { return KeyLookup{}; }

KeyLookup unavailable(std::optional<KeyFetchError> error) {
  KeyLookup r;
  r.status = KeyLookup::Status::unavailable;
  r.error = std::move(error);
  if (!r.error) r.error = KeyFetchError{KeyFetchErrc::fetch_failed, std::nullopt, std::nullopt, "keys unavailable"};
  return r;
}

}  // namespace

KeyCache::KeyCache(http_client::HttpClient& client, KeyCacheOptions options) : client_(client), options_(std::move(options)) {
  using std::chrono::seconds;
  options_.refetch_cooldown = std::max(options_.refetch_cooldown, seconds{1});
  options_.min_ttl = std::max(options_.min_ttl, seconds{1});
  options_.max_ttl = std::max(options_.max_ttl, options_.min_ttl);
  options_.stale_if_error = std::max(options_.stale_if_error, seconds{0});
  options_.max_issuers = std::max<std::size_t>(options_.max_issuers, 1);
}

std::chrono::seconds KeyCache::ttl_for(std::optional<std::chrono::seconds> max_age) const {
  return std::clamp(max_age.value_or(options_.default_ttl), options_.min_ttl, options_.max_ttl);
}

KeyLookup KeyCache::decide(const Entry* e, const std::optional<std::string>& kid, jose::Algorithm alg,
                           core::Instant now) const {
  const bool recent_attempt = e && e->last_attempt && now < *e->last_attempt + options_.refetch_cooldown;
  if (!e || !e->keys) {
    if (recent_attempt && e->last_failed) return unavailable(e->last_error);
    return needs_fetch();
  }
  if (now < e->expires_at) {
    // Fresh. An unknown kid may mean the issuer rotated its keys: refetch, once per cooldown.
    if (recent_attempt || !e->keys->candidates(kid, alg).empty()) return hit(e->keys, false, e->last_failed ? e->last_error : std::nullopt);
    return needs_fetch();
  }
  // Expired.
  if (recent_attempt && e->last_failed) {
    if (now < e->expires_at + options_.stale_if_error) return hit(e->keys, true, e->last_error);
    return unavailable(e->last_error);
  }
  return needs_fetch();
}

std::shared_ptr<KeyCache::Entry> KeyCache::find_locked(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return nullptr;
  it->second->last_used = ++tick_;
  return it->second;
}

std::shared_ptr<KeyCache::Entry> KeyCache::create_locked(const std::string& id) {
  while (entries_.size() >= options_.max_issuers) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second->in_flight) continue;
      if (victim == entries_.end() || it->second->last_used < victim->second->last_used) victim = it;
    }
    if (victim == entries_.end()) break;  // every entry is being fetched: exceed the bound briefly
    entries_.erase(victim);
  }
  auto entry = std::make_shared<Entry>();
  entry->last_used = ++tick_;
  entries_.emplace(id, entry);
  return entry;
}

KeyLookup KeyCache::lookup(const TrustedIssuer& issuer, const std::optional<std::string>& kid, jose::Algorithm alg,
                           core::Instant now) {
  if (issuer.source == KeySourceKind::inline_jwks) return hit(issuer.inline_keys);
  std::lock_guard lock(mu_);
  auto entry = find_locked(issuer.cache_id);
  return decide(entry.get(), kid, alg, now);
}

KeyLookup KeyCache::refresh(const TrustedIssuer& issuer, const std::optional<std::string>& kid, jose::Algorithm alg,
                            core::Instant now) {
  if (issuer.source == KeySourceKind::inline_jwks) return hit(issuer.inline_keys);
  std::unique_lock lock(mu_);
  for (;;) {
    auto entry = find_locked(issuer.cache_id);
    KeyLookup decision = decide(entry.get(), kid, alg, now);
    if (decision.status != KeyLookup::Status::needs_fetch) return decision;

    if (entry && entry->in_flight) {
      // Someone is fetching this issuer's keys: wait for that fetch, then decide again.
      const std::uint64_t seen = entry->generation;
      ++stats_.coalesced;
      ++stats_.waiting;
      done_.wait(lock, [&] { return entry->generation != seen; });
      --stats_.waiting;
      continue;
    }

    if (!entry) entry = create_locked(issuer.cache_id);
    entry->in_flight = true;
    ++stats_.fetches;
    lock.unlock();

    std::optional<core::Expected<FetchedKeys, KeyFetchError>> result;
    try {
      result.emplace(fetch_keys(issuer, client_, options_.source));
    } catch (const std::exception& ex) {
      result.emplace(core::fail(KeyFetchError{KeyFetchErrc::fetch_failed, std::nullopt, std::nullopt,
                                              std::string("key fetch threw: ") + ex.what()}));
    } catch (...) {
      result.emplace(core::fail(KeyFetchError{KeyFetchErrc::fetch_failed, std::nullopt, std::nullopt,
                                              "key fetch threw"}));
    }

    lock.lock();
    entry->in_flight = false;
    ++entry->generation;
    entry->last_attempt = now;
    if (*result) {
      FetchedKeys& fetched = **result;
      const auto ttl = ttl_for(fetched.max_age);
      entry->keys = std::move(fetched.keys);
      entry->expires_at = now + ttl;
      entry->last_failed = false;
      entry->last_error.reset();
      spdlog::debug("oidc: fetched {} keys for issuer {} from {} (fresh for {}s)", entry->keys->keys().size(),
                    issuer.iss, fetched.jwks_url, ttl.count());
    } else {
      ++stats_.fetch_failures;
      entry->last_failed = true;
      entry->last_error = std::move(*result).error();
      if (entry->keys && now >= entry->expires_at + options_.stale_if_error) entry->keys.reset();
      spdlog::warn("oidc: fetching keys for issuer {} failed ({}): {}{}", issuer.iss,
                   to_string(entry->last_error->code), entry->last_error->detail,
                   entry->keys ? " - keeping the previous key set" : "");
    }
    done_.notify_all();

    decision = decide(entry.get(), kid, alg, now);
    if (decision.status == KeyLookup::Status::needs_fetch) return unavailable(entry->last_error);  // not reached
    return decision;
  }
}

void KeyCache::prune(const IssuerSet& current) {
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    const bool wanted = std::any_of(current.all().begin(), current.all().end(),
                                    [&](const auto& issuer) { return issuer->cache_id == it->first; });
    if (!wanted && !it->second->in_flight)
      it = entries_.erase(it);
    else
      ++it;
  }
}

KeyCache::Stats KeyCache::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.entries = entries_.size();
  return s;
}

}  // namespace faasgate::oidc
