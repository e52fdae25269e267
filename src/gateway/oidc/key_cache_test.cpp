#include "faasgate/oidc/key_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "faasgate/http_client/fake_http_client.hpp"
#include "test_util.hpp"

namespace faasgate::oidc {
namespace {

using namespace std::chrono_literals;
using Status = KeyLookup::Status;
using testing::issuer_spec;
using testing::jwks_of;

const core::Instant t0 = core::from_unix(1'700'000'000);
const std::string kUrl = "https://idp.example.com/keys";

std::shared_ptr<const TrustedIssuer> compile(const iam::JwtIssuer& spec) {
  auto issuer = compile_issuer(spec);
  if (!issuer) throw std::runtime_error(to_string(issuer.error()));
  return std::make_shared<const TrustedIssuer>(std::move(*issuer));
}

iam::JwtIssuer url_spec(const std::string& iss = "https://idp.example.com", const std::string& url = kUrl) {
  auto spec = issuer_spec(iss);
  spec.jwks_url = url;
  return spec;
}

class OidcKeyCacheTest : public ::testing::Test {
 protected:
  jose::Signer a = jose::Signer::generate();
  jose::Signer b = jose::Signer::generate();
  http_client::FakeHttpClient fetcher;
  KeyCache cache{fetcher};
  std::shared_ptr<const TrustedIssuer> issuer = compile(url_spec());
  const jose::Algorithm es256 = jose::Algorithm::ES256;

  KeyLookup lookup(const std::optional<std::string>& kid, core::Instant now) {
    return cache.lookup(*issuer, kid, es256, now);
  }
  KeyLookup refresh(const std::optional<std::string>& kid, core::Instant now) {
    return cache.refresh(*issuer, kid, es256, now);
  }
};

TEST_F(OidcKeyCacheTest, EmptyCacheNeedsFetchAndLookupNeverFetches) {
  fetcher.set(kUrl, jwks_of({&a}));
  EXPECT_EQ(lookup(a.kid(), t0).status, Status::needs_fetch);
  EXPECT_EQ(lookup(std::nullopt, t0).status, Status::needs_fetch);
  EXPECT_EQ(fetcher.calls(), 0u);
  auto r = refresh(a.kid(), t0);
  ASSERT_EQ(r.status, Status::hit);
  EXPECT_FALSE(r.stale);
  EXPECT_EQ(fetcher.calls(), 1u);
  EXPECT_EQ(lookup(a.kid(), t0).status, Status::hit);
  EXPECT_EQ(lookup(std::nullopt, t0).status, Status::hit);  // no kid: any key accepting the alg
}

TEST_F(OidcKeyCacheTest, MaxAgeIsHonoured) {
  fetcher.set(kUrl, jwks_of({&a}), "max-age=600");
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);
  EXPECT_EQ(lookup(a.kid(), t0 + 599s).status, Status::hit);
  EXPECT_EQ(lookup(a.kid(), t0 + 600s).status, Status::needs_fetch);
  ASSERT_EQ(refresh(a.kid(), t0 + 600s).status, Status::hit);
  EXPECT_EQ(fetcher.calls(), 2u);
  EXPECT_EQ(lookup(a.kid(), t0 + 1199s).status, Status::hit);
}

TEST_F(OidcKeyCacheTest, MaxAgeIsClampedToTheMinimum) {
  fetcher.set(kUrl, jwks_of({&a}), "max-age=10");
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);
  EXPECT_EQ(lookup(a.kid(), t0 + 299s).status, Status::hit);
  EXPECT_EQ(lookup(a.kid(), t0 + 300s).status, Status::needs_fetch);
}

TEST_F(OidcKeyCacheTest, MaxAgeZeroMeansMinimum) {
  fetcher.set(kUrl, jwks_of({&a}), "max-age=0");
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);
  EXPECT_EQ(lookup(a.kid(), t0 + 299s).status, Status::hit);
  EXPECT_EQ(lookup(a.kid(), t0 + 300s).status, Status::needs_fetch);
}

TEST_F(OidcKeyCacheTest, MaxAgeIsClampedToTheMaximum) {
  fetcher.set(kUrl, jwks_of({&a}), "max-age=" + std::to_string(30 * 24 * 3600));
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);
  EXPECT_EQ(lookup(a.kid(), t0 + 24h - 1s).status, Status::hit);
  EXPECT_EQ(lookup(a.kid(), t0 + 24h).status, Status::needs_fetch);
}

TEST_F(OidcKeyCacheTest, DefaultTtlWithoutMaxAge) {
  fetcher.set(kUrl, jwks_of({&a}));
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);
  EXPECT_EQ(lookup(a.kid(), t0 + 1h - 1s).status, Status::hit);
  EXPECT_EQ(lookup(a.kid(), t0 + 1h).status, Status::needs_fetch);
}

TEST_F(OidcKeyCacheTest, CustomTtlOptions) {
  KeyCacheOptions options;
  options.min_ttl = 60s;
  options.max_ttl = 120s;
  options.default_ttl = 90s;
  KeyCache custom(fetcher, options);
  fetcher.set(kUrl, jwks_of({&a}));
  ASSERT_EQ(custom.refresh(*issuer, a.kid(), es256, t0).status, Status::hit);
  EXPECT_EQ(custom.lookup(*issuer, a.kid(), es256, t0 + 89s).status, Status::hit);
  EXPECT_EQ(custom.lookup(*issuer, a.kid(), es256, t0 + 90s).status, Status::needs_fetch);
}

TEST_F(OidcKeyCacheTest, UnknownKidRefetchesAtMostOncePerCooldown) {
  fetcher.set(kUrl, jwks_of({&a}), "max-age=3600");
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);

  // The issuer rotates in key b. Inside the cooldown the old set is returned (the verifier will
  // say no_matching_key) and refresh() does not fetch.
  fetcher.set(kUrl, jwks_of({&a, &b}), "max-age=3600");
  EXPECT_EQ(lookup(b.kid(), t0 + 29s).status, Status::hit);
  auto within = refresh(b.kid(), t0 + 29s);
  ASSERT_EQ(within.status, Status::hit);
  EXPECT_EQ(within.keys->candidates(b.kid(), es256).size(), 0u);
  EXPECT_EQ(fetcher.calls(), 1u);

  // After the cooldown an unknown kid asks for a fetch, and the new key is found.
  EXPECT_EQ(lookup(b.kid(), t0 + 30s).status, Status::needs_fetch);
  EXPECT_EQ(lookup(a.kid(), t0 + 30s).status, Status::hit);  // known kids are unaffected
  auto after = refresh(b.kid(), t0 + 30s);
  ASSERT_EQ(after.status, Status::hit);
  EXPECT_EQ(after.keys->candidates(b.kid(), es256).size(), 1u);
  EXPECT_EQ(fetcher.calls(), 2u);

  // A flood of random kids: one fetch per cooldown, no more.
  for (int i = 0; i < 100; ++i) {
    auto now = t0 + 31s + std::chrono::seconds{i / 10};
    auto r = cache.lookup(*issuer, "random-" + std::to_string(i), es256, now);
    if (r.status == Status::needs_fetch) r = cache.refresh(*issuer, "random-" + std::to_string(i), es256, now);
    EXPECT_EQ(r.status, Status::hit);
  }
  EXPECT_EQ(fetcher.calls(), 2u);  // all inside the cooldown of the fetch at t0+30
  ASSERT_EQ(refresh("random", t0 + 60s).status, Status::hit);
  EXPECT_EQ(fetcher.calls(), 3u);
}

TEST_F(OidcKeyCacheTest, StaleIfError) {
  fetcher.set(kUrl, jwks_of({&a}), "max-age=600");
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);
  fetcher.set_error(kUrl, http_client::Error{http_client::Errc::connect_failed, "down"});

  const auto expiry = t0 + 600s;
  EXPECT_EQ(lookup(a.kid(), expiry).status, Status::needs_fetch);
  auto stale = refresh(a.kid(), expiry);
  ASSERT_EQ(stale.status, Status::hit);
  EXPECT_TRUE(stale.stale);
  ASSERT_TRUE(stale.error);
  EXPECT_EQ(stale.error->code, KeyFetchErrc::fetch_failed);
  EXPECT_EQ(stale.keys->candidates(a.kid(), es256).size(), 1u);
  EXPECT_EQ(fetcher.calls(), 2u);

  // Within the cooldown the stale set is served without asking for a fetch.
  auto cached = lookup(a.kid(), expiry + 29s);
  EXPECT_EQ(cached.status, Status::hit);
  EXPECT_TRUE(cached.stale);
  // After it, a retry is due; it fails again and the stale set is still served.
  EXPECT_EQ(lookup(a.kid(), expiry + 30s).status, Status::needs_fetch);
  EXPECT_TRUE(refresh(a.kid(), expiry + 30s).stale);
  EXPECT_EQ(fetcher.calls(), 3u);

  // Bounded: 24 h past expiry the stale set is no longer used.
  auto late = refresh(a.kid(), expiry + 24h - 1s);
  EXPECT_EQ(late.status, Status::hit);
  EXPECT_TRUE(late.stale);
  auto gone = refresh(a.kid(), expiry + 24h);
  EXPECT_EQ(gone.status, Status::unavailable);
  EXPECT_FALSE(gone.keys);
  EXPECT_EQ(lookup(a.kid(), expiry + 24h + 1s).status, Status::unavailable);

  // Recovery.
  fetcher.set(kUrl, jwks_of({&a}), "max-age=600");
  EXPECT_EQ(lookup(a.kid(), expiry + 24h + 30s).status, Status::needs_fetch);
  auto back = refresh(a.kid(), expiry + 24h + 30s);
  EXPECT_EQ(back.status, Status::hit);
  EXPECT_FALSE(back.stale);
  EXPECT_FALSE(back.error);
}

// The transport fails one call in the middle of a healthy run (the fake fails exactly the Nth):
// the cache keeps its promise - the old set is served, stale, the failure is retried once the
// cooldown is over, and the next good answer makes it fresh again.
TEST_F(OidcKeyCacheTest, AFailedNthFetchServesTheOldSetUntilTheNextGoodOne) {
  fetcher.set(kUrl, jwks_of({&a}), "max-age=600");
  fetcher.fail_call(2, http_client::Error{http_client::Errc::timeout, "scripted"});
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);  // call 1

  const auto expiry = t0 + 600s;
  auto stale = refresh(a.kid(), expiry);  // call 2 fails
  ASSERT_EQ(stale.status, Status::hit);
  EXPECT_TRUE(stale.stale);
  ASSERT_TRUE(stale.error);
  EXPECT_EQ(stale.error->code, KeyFetchErrc::fetch_failed);
  ASSERT_TRUE(stale.error->fetch);
  EXPECT_EQ(stale.error->fetch->code, FetchErrc::timeout);
  EXPECT_EQ(stale.keys->candidates(a.kid(), es256).size(), 1u);
  EXPECT_EQ(lookup(a.kid(), expiry + 29s).status, Status::hit) << "no refetch inside the cooldown";
  EXPECT_EQ(fetcher.calls(), 2u);

  auto back = refresh(a.kid(), expiry + 30s);  // call 3 succeeds
  EXPECT_EQ(back.status, Status::hit);
  EXPECT_FALSE(back.stale);
  EXPECT_FALSE(back.error);
  EXPECT_EQ(fetcher.calls(), 3u);
  EXPECT_EQ(lookup(a.kid(), expiry + 31s).status, Status::hit);
}

TEST_F(OidcKeyCacheTest, FailedRefetchForUnknownKidKeepsTheFreshSet) {
  fetcher.set(kUrl, jwks_of({&a}), "max-age=3600");
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);
  fetcher.set_error(kUrl, http_client::Error{http_client::Errc::timeout, "slow"});
  auto r = refresh(b.kid(), t0 + 60s);
  ASSERT_EQ(r.status, Status::hit);
  EXPECT_FALSE(r.stale);
  EXPECT_EQ(lookup(a.kid(), t0 + 61s).status, Status::hit);
}

TEST_F(OidcKeyCacheTest, FailureWithoutKeysIsRememberedForTheCooldown) {
  fetcher.set_error(kUrl, http_client::Error{http_client::Errc::connect_failed, "down"});
  auto r = refresh(a.kid(), t0);
  ASSERT_EQ(r.status, Status::unavailable);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, KeyFetchErrc::fetch_failed);
  EXPECT_EQ(lookup(a.kid(), t0 + 29s).status, Status::unavailable);
  EXPECT_EQ(refresh(a.kid(), t0 + 29s).status, Status::unavailable);
  EXPECT_EQ(fetcher.calls(), 1u);
  EXPECT_EQ(lookup(a.kid(), t0 + 30s).status, Status::needs_fetch);
  fetcher.set(kUrl, jwks_of({&a}));
  EXPECT_EQ(refresh(a.kid(), t0 + 30s).status, Status::hit);
  EXPECT_EQ(fetcher.calls(), 2u);
}

TEST_F(OidcKeyCacheTest, BadKeySetIsAFailure) {
  fetcher.set(kUrl, "{\"keys\": 5}");
  auto r = refresh(a.kid(), t0);
  ASSERT_EQ(r.status, Status::unavailable);
  EXPECT_EQ(r.error->code, KeyFetchErrc::bad_key_set);
}

TEST_F(OidcKeyCacheTest, ConcurrentMissesShareOneFetch) {
  fetcher.set(kUrl, jwks_of({&a}));
  fetcher.hold();
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<KeyLookup> results(kThreads);
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] { results[i] = cache.refresh(*issuer, a.kid(), es256, t0); });

  fetcher.wait_for_calls(1);
  // Wait until every other thread is blocked on the in-flight fetch.
  for (int spin = 0; spin < 5000 && cache.stats().waiting < kThreads - 1; ++spin)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(cache.stats().waiting, static_cast<std::size_t>(kThreads - 1));
  EXPECT_EQ(fetcher.calls(), 1u);
  fetcher.release();
  for (auto& t : threads) t.join();

  EXPECT_EQ(fetcher.calls(), 1u);
  auto stats = cache.stats();
  EXPECT_EQ(stats.fetches, 1u);
  EXPECT_EQ(stats.coalesced, static_cast<std::uint64_t>(kThreads - 1));
  EXPECT_EQ(stats.waiting, 0u);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, Status::hit);
    EXPECT_EQ(r.keys.get(), results[0].keys.get());  // one shared key set
  }
}

TEST_F(OidcKeyCacheTest, ConcurrentMissesShareOneFailure) {
  fetcher.set_error(kUrl, http_client::Error{http_client::Errc::connect_failed, "down"});
  fetcher.hold();
  std::vector<std::thread> threads;
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      if (cache.refresh(*issuer, a.kid(), es256, t0).status == Status::unavailable) ++unavailable;
    });
  fetcher.wait_for_calls(1);
  for (int spin = 0; spin < 5000 && cache.stats().waiting < 3; ++spin) std::this_thread::sleep_for(1ms);
  fetcher.release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(unavailable.load(), 4);
  EXPECT_EQ(fetcher.calls(), 1u);
}

TEST_F(OidcKeyCacheTest, DifferentIssuersFetchIndependently) {
  auto other = compile(url_spec("https://other.example.com", "https://other.example.com/keys"));
  fetcher.set(kUrl, jwks_of({&a}));
  fetcher.set("https://other.example.com/keys", jwks_of({&b}));
  fetcher.hold();
  std::thread t1([&] { EXPECT_EQ(cache.refresh(*issuer, a.kid(), es256, t0).status, Status::hit); });
  std::thread t2([&] { EXPECT_EQ(cache.refresh(*other, b.kid(), es256, t0).status, Status::hit); });
  fetcher.wait_for_calls(2);  // both are fetching at once: one issuer does not block another
  fetcher.release();
  t1.join();
  t2.join();
  EXPECT_EQ(fetcher.calls(), 2u);
}

TEST_F(OidcKeyCacheTest, KeysSurviveAReloadOfTheSameIssuer) {
  fetcher.set(kUrl, jwks_of({&a}));
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);
  auto reloaded = compile(url_spec());  // a new snapshot, same key source
  EXPECT_EQ(cache.lookup(*reloaded, a.kid(), es256, t0 + 1s).status, Status::hit);
  auto changed_spec = url_spec();
  changed_spec.ca_file = "/etc/other-ca.pem";
  auto changed = compile(changed_spec);
  EXPECT_EQ(cache.lookup(*changed, a.kid(), es256, t0 + 1s).status, Status::needs_fetch);
}

TEST_F(OidcKeyCacheTest, PruneDropsKeySourcesThatAreGone) {
  fetcher.set(kUrl, jwks_of({&a}));
  ASSERT_EQ(refresh(a.kid(), t0).status, Status::hit);
  auto same = IssuerSet::build({url_spec()});
  ASSERT_TRUE(same);
  cache.prune(**same);
  EXPECT_EQ(cache.stats().entries, 1u);
  cache.prune(*IssuerSet::empty());
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(lookup(a.kid(), t0).status, Status::needs_fetch);
}

TEST_F(OidcKeyCacheTest, NumberOfIssuersIsBounded) {
  KeyCacheOptions options;
  options.max_issuers = 2;
  KeyCache small(fetcher, options);
  std::vector<std::shared_ptr<const TrustedIssuer>> issuers;
  for (int i = 0; i < 3; ++i) {
    std::string url = "https://idp" + std::to_string(i) + ".example.com/keys";
    fetcher.set(url, jwks_of({&a}));
    issuers.push_back(compile(url_spec("https://idp" + std::to_string(i) + ".example.com", url)));
  }
  ASSERT_EQ(small.refresh(*issuers[0], a.kid(), es256, t0).status, Status::hit);
  ASSERT_EQ(small.refresh(*issuers[1], a.kid(), es256, t0).status, Status::hit);
  ASSERT_EQ(small.lookup(*issuers[0], a.kid(), es256, t0).status, Status::hit);  // 0 is now more recent than 1
  ASSERT_EQ(small.refresh(*issuers[2], a.kid(), es256, t0).status, Status::hit);
  EXPECT_EQ(small.stats().entries, 2u);
  EXPECT_EQ(small.lookup(*issuers[0], a.kid(), es256, t0).status, Status::hit);
  EXPECT_EQ(small.lookup(*issuers[1], a.kid(), es256, t0).status, Status::needs_fetch);  // evicted (LRU)
  EXPECT_EQ(small.lookup(*issuers[2], a.kid(), es256, t0).status, Status::hit);
}

TEST_F(OidcKeyCacheTest, InlineKeysBypassTheCache) {
  auto spec = issuer_spec("inline");
  spec.jwks = jwks_of({&a});
  auto inline_issuer = compile(spec);
  auto r = cache.lookup(*inline_issuer, "unknown-kid", es256, t0);
  ASSERT_EQ(r.status, Status::hit);
  EXPECT_EQ(r.keys.get(), inline_issuer->inline_keys.get());
  EXPECT_EQ(cache.refresh(*inline_issuer, "unknown-kid", es256, t0).status, Status::hit);
  EXPECT_EQ(fetcher.calls(), 0u);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST_F(OidcKeyCacheTest, DiscoveryIssuerIsCachedToo) {
  auto disc = compile(issuer_spec("https://idp.example.com"));
  fetcher.set("https://idp.example.com/.well-known/openid-configuration",
              R"({"issuer":"https://idp.example.com","jwks_uri":"https://idp.example.com/jwks"})");
  fetcher.set("https://idp.example.com/jwks", jwks_of({&a}), "max-age=600");
  ASSERT_EQ(cache.refresh(*disc, a.kid(), es256, t0).status, Status::hit);
  EXPECT_EQ(cache.lookup(*disc, a.kid(), es256, t0 + 599s).status, Status::hit);
  EXPECT_EQ(fetcher.calls(), 2u);
}

}  // namespace
}  // namespace faasgate::oidc
