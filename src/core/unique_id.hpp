#pragma once
// Identifiers that must be unique but need not be secret: call ids (X-Call-Id), async call ids.
//
// 128 bits: 64 random bits drawn once per thread from OpenSSL's CSPRNG, then a per-thread 64-bit
// counter. Two ids are equal only if two threads' random halves collide (2^-64 per pair of
// threads, across processes and restarts alike). Drawing 16 random bytes per id costs about a
// microsecond in OpenSSL's DRBG - a sixth of what the gateway spends proxying a call - this a
// few nanoseconds. The counter shows how many ids a thread made: use random_bytes() where that
// must not be seen.
#include <string>

namespace faasgate::core {

std::string unique_id();  // 22 characters of base64url

}  // namespace faasgate::core
