#include "faasgate/jose/prepared_context.hpp"

#include <vector>

namespace faasgate::jose::detail {

namespace {

struct Prototype {
  Operation operation;
  Algorithm alg;
  const EVP_PKEY* key;
  core::MdCtxPtr ctx;
};

// Enough for every key a gateway uses at once (its own signing keys, its trusted issuers' keys)
// without letting a stream of rotated keys grow the cache.
constexpr std::size_t kMaxPrototypesPerThread = 64;

core::MdCtxPtr set_up(Operation operation, EVP_PKEY* key, const char* digest, const OSSL_PARAM* params) {
  core::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return nullptr;
  const int ok = operation == Operation::sign
                     ? EVP_DigestSignInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, key, params)
                     : EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, key, params);
  if (ok != 1) return nullptr;
  return ctx;
}

}  // namespace

core::MdCtxPtr prepared_context(Operation operation, Algorithm alg, EVP_PKEY* key, const char* digest,
                                const OSSL_PARAM* params) {
  thread_local std::vector<Prototype> prototypes;
  const Prototype* found = nullptr;
  for (const auto& p : prototypes) {
    if (p.key == key && p.alg == alg && p.operation == operation) {
      found = &p;
      break;
    }
  }
  if (found == nullptr) {
    auto ctx = set_up(operation, key, digest, params);
    if (!ctx) return nullptr;
    if (prototypes.size() >= kMaxPrototypesPerThread) prototypes.clear();
    prototypes.push_back(Prototype{operation, alg, key, std::move(ctx)});
    found = &prototypes.back();
  }
  core::MdCtxPtr copy(EVP_MD_CTX_new());
  if (copy && EVP_MD_CTX_copy_ex(copy.get(), found->ctx.get()) == 1) return copy;
  // A provider that cannot duplicate its context: set up afresh.
  return set_up(operation, key, digest, params);
}

}  // namespace faasgate::jose::detail
