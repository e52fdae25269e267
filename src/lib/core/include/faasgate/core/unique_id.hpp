#pragma once
// Identifiers that must be unique but need not be secret: call ids (X-Call-Id), async call ids.
//
// In the form of a version 4 UUID (RFC 9562 §5.4: 8-4-4-4-12 lowercase hex, version nibble 4,
// variant bits 10), as upstream's X-Call-Id is, so tools that correlate on UUIDs accept them.
// The 122 free bits are 60 random bits drawn once per thread from OpenSSL's CSPRNG, then a
// per-thread 62-bit counter. Two ids are equal only if two threads' random halves collide
// (2^-60 per pair of threads, across processes and restarts alike). Drawing 16 random bytes per
// id costs about a microsecond in OpenSSL's DRBG - a sixth of what the gateway spends proxying a
// call - this a few nanoseconds. The counter shows how many ids a thread made: use random_bytes()
// where that must not be seen.
#include <string>

namespace faasgate::core {

std::string unique_id();  // 36 characters: xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx

}  // namespace faasgate::core
