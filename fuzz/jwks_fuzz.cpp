// jwks_fuzz: jose::KeySet::parse, for a key set fetched from an issuer's jwks_uri or given inline
// in a JwtIssuer. Must never crash, and what it accepts must be coherent:
//   - at most max_keys keys, no two with the same non-empty kid, each one usable (accepts() some
//     algorithm, has an EVP_PKEY) and honouring its declared alg;
//   - candidates() and find() agree with the keys;
//   - the set's own JSON (to_json, what the gateway publishes) parses back into the same keys
//     (kid, type, declared alg and RFC 7638 thumbprint).
#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "faasgate/jose/algorithm.hpp"
#include "faasgate/jose/jwk.hpp"

namespace {

using namespace faasgate;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "jwks_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const jose::KeySetLimits limits{};
  auto set = jose::KeySet::parse(text, limits);
  if (!set) return 0;

  if (set->keys().size() > limits.max_keys) fail("more keys than the limit");
  std::set<std::string, std::less<>> kids;
  for (const auto& key : set->keys()) {
    if (key.evp() == nullptr) fail("a key without an EVP_PKEY");
    if (key.thumbprint().empty()) fail("a key without a thumbprint");
    if (!key.kid().empty() && !kids.insert(key.kid()).second) fail("two keys with one kid");
    bool usable = false;
    for (auto alg : jose::all_algorithms()) {
      const bool accepts = key.accepts(alg);
      if (accepts && !jose::algorithm_fits(key.type(), alg)) fail("accepts an algorithm that does not fit the key");
      if (accepts && key.declared_alg() && *key.declared_alg() != alg) fail("accepts another alg than declared");
      usable = usable || accepts;
      // With a kid, the candidates are that key alone (if it accepts alg).
      if (!key.kid().empty()) {
        auto c = set->candidates(key.kid(), alg);
        if (c.size() != (accepts ? 1u : 0u) || (accepts && c[0] != &key)) fail("candidates(kid) disagrees");
      }
    }
    if (!usable) fail("a key that accepts no algorithm");
    if (!key.kid().empty() && set->find(key.kid()) != &key) fail("find(kid) does not find the key");
    (void)key.to_jwk();
  }
  for (auto alg : jose::all_algorithms()) {
    for (const auto* key : set->candidates(std::nullopt, alg)) {
      if (!key->accepts(alg)) fail("candidates() offers a key that does not accept the alg");
    }
  }

  // What we publish must read back as the same keys.
  const std::string published = boost::json::serialize(set->to_json());
  auto again = jose::KeySet::parse(published, jose::KeySetLimits{1 << 20, limits.max_keys});
  if (!again) fail("the set's own JSON does not parse");
  if (again->keys().size() != set->keys().size()) fail("the set's own JSON has another number of keys");
  for (std::size_t i = 0; i < set->keys().size(); ++i) {
    const auto& a = set->keys()[i];
    const auto& b = again->keys()[i];
    if (a.kid() != b.kid() || a.type() != b.type() || a.declared_alg() != b.declared_alg() ||
        a.thumbprint() != b.thumbprint()) {
      fail("a key changed through to_json and parse");
    }
  }
  return 0;
}
