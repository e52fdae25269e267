#pragma once
// Signing and verification contexts set up once per key and algorithm, then copied for each use.
//
// EVP_Digest{Sign,Verify}Init_ex looks the digest and the signature implementation up in
// OpenSSL's provider store on every call: about 3 us here, a seventh of an RSA-2048 verification
// and an eighth of an ES256 signature, spent on every token. Copying a context that was set up
// once (EVP_MD_CTX_copy_ex) skips the lookups. OpenSSL does not document a context as safe to copy
// from several threads at once, so each thread keeps its own prototypes.
//
// A prototype holds a reference to its key, so a key's address cannot be reused while its entry
// exists; the per-thread cache is small and is emptied when full.
#include <openssl/core.h>
#include <openssl/evp.h>

#include "faasgate/core/openssl.hpp"
#include "faasgate/jose/algorithm.hpp"

namespace faasgate::jose::detail {

enum class Operation { sign, verify };

// A context ready for one EVP_DigestSign / EVP_DigestVerify with `key` under `alg`; `digest`
// (nullptr for EdDSA) and `params` (padding, may be nullptr) are what EVP_Digest*Init_ex takes
// and must be the same every time for one (key, alg). nullptr if OpenSSL refuses the setup.
core::MdCtxPtr prepared_context(Operation operation, Algorithm alg, EVP_PKEY* key, const char* digest,
                                const OSSL_PARAM* params);

}  // namespace faasgate::jose::detail
