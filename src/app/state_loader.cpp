#include "state_loader.hpp"

#include "faasgate/iam/lint.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

#include "faasgate/iam/engine.hpp"
#include "faasgate/oidc/verifier.hpp"

namespace faasgate::app {

namespace {
// Old signing keys stay published this long past the longest token lifetime (clock skew).
constexpr std::chrono::seconds kRetireMargin{5 * 60};
}  // namespace

StateLoader::StateLoader(StateSources sources, oidc::KeyCache& key_cache)
    : sources_(std::move(sources)), key_cache_(key_cache) {}

std::string StateLoader::stamp() const {
  std::string s = issuer_keys_stamp(sources_.keys);
  if (sources_.iam_dir) {
    auto fp = iam::fingerprint_directory(*sources_.iam_dir);
    s += fp ? "|" + std::to_string(fp->digest) + ":" + std::to_string(fp->files) : "|unreadable";
  }
  return s;
}

bool StateLoader::changed(core::Instant now) const { return now >= next_key_change_ || stamp() != last_stamp_; }

core::Expected<std::shared_ptr<const api::GatewayState>, std::vector<std::string>> StateLoader::load(
    core::Instant now) {
  // Stamp first: a change that lands while we load is seen by the next changed() call.
  std::string stamp_before = stamp();
  const bool had_keys = !issuer_keys_stamp(sources_.keys).empty();
  std::vector<std::string> errors;

  iam::ObjectSet objects;
  std::vector<std::string> warnings;
  if (sources_.iam_dir) {
    auto loaded = iam::load_directory(*sources_.iam_dir);
    if (!loaded) {
      for (const auto& issue : loaded.error()) errors.push_back(issue.to_string());
      return core::fail(std::move(errors));
    }
    objects = std::move(loaded->objects);
    for (const auto& w : loaded->warnings) warnings.push_back(w.to_string());
  }

  auto issuers = oidc::IssuerSet::build(objects.issuers);
  if (!issuers) return core::fail(std::vector<std::string>{oidc::to_string(issuers.error())});
  auto engine = iam::Engine::compile(objects);
  if (!engine) {
    for (const auto& issue : engine.error()) errors.push_back(issue.to_string());
    return core::fail(std::move(errors));
  }

  // What lets a token in that should not, or makes a Deny deny nothing, is logged at every load
  // (the full list is `faasgate iam lint`'s).
  for (const auto& finding : iam::lint((*engine)->objects())) {
    if (finding.rule == iam::LintRule::any_issuer || finding.rule == iam::LintRule::sub_any_issuer ||
        finding.rule == iam::LintRule::never_holds)
      warnings.push_back(finding.to_string());
  }

  std::chrono::seconds longest = oidc::default_token_expiry;
  for (const auto& issuer : (*issuers)->all()) {
    longest = std::max(longest, issuer->token_expiry);
    if (sources_.shared_revocations_kept && issuer->token_expiry > *sources_.shared_revocations_kept)
      warnings.push_back("JwtIssuer " + issuer->name + ": its tokens live " + std::to_string(issuer->token_expiry.count()) +
                         "s, longer than the " + std::to_string(sources_.shared_revocations_kept->count()) +
                         "s the shared revocation stream keeps a revocation: revoke them with --data-dir on each "
                         "gateway too");
  }
  auto ring = load_issuer_keys(sources_.keys, longest + kRetireMargin, now);
  if (!ring) return core::fail(std::vector<std::string>{ring.error()});

  auto state = std::make_shared<api::GatewayState>();
  state->generation = ++generation_;
  state->exchange.verifier = std::make_shared<oidc::SubjectTokenVerifier>(*issuers, key_cache_);
  state->exchange.engine = std::move(*engine);
  state->exchange.keys = std::make_shared<const oauth::KeyRing>(std::move(*ring));
  state->published_keys = state->exchange.keys->published(now);
  state->jwks_json = boost::json::serialize(state->published_keys.to_json());
  key_cache_.prune(**issuers);

  next_key_change_ = state->exchange.keys->next_change(now);
  // On a first start the signing key was just generated, by this load: no change to reload for.
  last_stamp_ = had_keys ? std::move(stamp_before) : stamp();
  warnings_ = std::move(warnings);
  return std::shared_ptr<const api::GatewayState>(std::move(state));
}

}  // namespace faasgate::app
