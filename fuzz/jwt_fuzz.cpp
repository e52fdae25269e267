// jwt_fuzz: jose::UnverifiedJwt::parse on arbitrary bytes (a subject token or a Bearer token as
// it arrives), and for every token that parses, what the gateway does next:
//   1. verify() against a fixed KeySet - the public halves of an EC P-256 key (kid fuzz-ec) and an
//      RSA-2048 key (kid fuzz-rsa) whose private halves were discarded when this file was written
//      - with every algorithm allowed. Nobody can sign for them, so success is a forgery: abort().
//      Also with an empty key set and an empty allow-list, which must always refuse.
//   2. validate() needs a VerifiedJwt, which only a successful verify() makes; so the parsed claims
//      are re-signed with a key made at startup, the new token parsed and verified (it must be:
//      it is ours; and its claims must come back equal, json_same.hpp), and validate() run with
//      fixed rules at a fixed time, and with rules that vary leeway and require_exp.
// Must never crash.
#include <boost/json/object.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "faasgate/core/clock.hpp"
#include "faasgate/jose/algorithm.hpp"
#include "faasgate/jose/jwk.hpp"
#include "faasgate/jose/jwt.hpp"
#include "json_same.hpp"

namespace {

using namespace faasgate;

// {"keys":[P-256 kid fuzz-ec, RSA-2048 kid fuzz-rsa]}, public halves only.
constexpr std::string_view kFixedKeys =
    R"({"keys":[)"
    R"({"crv":"P-256","kid":"fuzz-ec","kty":"EC","use":"sig",)"
    R"("x":"6zgCI0ELD0PPE84T4yYVIe1EzfI2GQ5H9EX5guQKavw","y":"lnXKrcfE78ZcsI0-ash2aYgHVomwhgVnF8Ie_9WIIKI"},)"
    R"({"e":"AQAB","kid":"fuzz-rsa","kty":"RSA","use":"sig","n":"xGuCljofZVskdnzt_6Ibo6dyZdlepKPfo9QyJ4bXir6L0)"
    R"(xXpX84dt1e_0UH3_nQeg2EF-NYJJEQu_YpM2gN15XwONA8oBobZM5YgndvIrah3_tOlD4YtopBTRLWpeOHdbkE6mBylOGDb6EMZm_Zo9BA8)"
    R"(yt37xPcH-azFUpCJpPO5_HagyXnydh8L50JIvbzKS2_qr8snl0aQSnPBwcEI2-TitEWWlazMdgn0JOWexIt_Lvf2rKujsPSKMzsLj1aW7k1)"
    R"(--mGUMP_0RMLdizq7Lvv6tvwnrn92K9YZt5TT2Ji89z6nEGy1y7plEEOKNDaeYGT8SkJTxXAuN_NCP5ojtQ"}]})";

// The issuer, audience and time the seeds of corpus/jwt_fuzz/ are made for (see fuzz/README.md).
constexpr std::string_view kIssuer = "https://kubernetes.default.svc.cluster.local";
constexpr std::string_view kAudience = "https://gateway.example.com";
constexpr long long kNow = 1700000000;  // 2023-11-14T22:13:20Z

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "jwt_fuzz: %s\n", what);
  std::abort();
}

struct Fixture {
  jose::KeySet fixed;
  jose::Signer signer = jose::Signer::generate();
  jose::KeySet own{std::vector<jose::PublicKey>{signer.public_key()}};

  Fixture() {
    auto keys = jose::KeySet::parse(kFixedKeys);
    if (!keys || keys->keys().size() != 2) fail("the fixed key set does not parse");
    fixed = std::move(*keys);
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Fixture& fx = fixture();
  const std::string_view token(reinterpret_cast<const char*>(data), size);

  auto parsed = jose::UnverifiedJwt::parse(token);
  if (!parsed) return 0;
  (void)parsed->unverified_issuer();
  (void)jose::name(parsed->header().alg);

  // 1. Nobody holds these private keys: verification must fail, whatever the input.
  if (jose::verify(*parsed, fx.fixed, jose::all_algorithms())) fail("forgery: verified against the fixed keys");
  if (jose::verify(*parsed, fx.fixed, jose::default_algorithms())) fail("forgery: verified (default algorithms)");
  if (jose::verify(*parsed, jose::KeySet{}, jose::all_algorithms())) fail("verified with no keys");
  if (jose::verify(*parsed, fx.fixed, {})) fail("verified with no algorithm allowed");

  // 2. The same claims in a token we signed ourselves: it must verify, and reach validate().
  auto resigned = fx.signer.sign(parsed->unverified_claims());
  if (!resigned) fail("cannot sign claims that parsed");
  auto reparsed = jose::UnverifiedJwt::parse(*resigned, jose::ParseLimits{1 << 20, 16});
  if (!reparsed) fail("our own token does not parse");
  auto verified = jose::verify(*reparsed, fx.own, jose::all_algorithms());
  if (!verified) fail("our own token does not verify");
  if (!fuzz::same_json(verified->claims(), parsed->unverified_claims())) fail("claims changed through sign and parse");
  (void)verified->string_claim("sub");
  (void)verified->numeric_date("exp");

  jose::ClaimRules rules{std::string(kIssuer), {std::string(kAudience)}, std::chrono::seconds{60}, true};
  const core::Instant now = core::from_unix(kNow);
  auto strict = jose::validate(*verified, rules, now);
  for (long long leeway : {-1LL, 0LL, 300LL, 1LL << 62}) {
    rules.leeway = std::chrono::seconds{leeway};
    for (bool require_exp : {true, false}) {
      rules.require_exp = require_exp;
      auto result = jose::validate(*verified, rules, now);
      // Leeway only ever widens acceptance, and dropping require_exp never refuses more.
      if (strict && leeway >= 60 && !result) fail("a larger leeway refused what the rules accepted");
    }
  }
  // An empty issuer or audience list accepts nothing.
  if (jose::validate(*verified, jose::ClaimRules{"", {std::string(kAudience)}}, now)) fail("empty issuer accepted");
  if (jose::validate(*verified, jose::ClaimRules{std::string(kIssuer), {}}, now)) fail("empty audience list accepted");
  return 0;
}
