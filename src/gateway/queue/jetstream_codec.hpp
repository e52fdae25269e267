#pragma once
// JetStreamQueue's message: one queued call as JetStream stores it. A wire format between
// gateways of different versions sharing a stream - changed only with a new version number,
// and a gateway refuses (and terminates) a message it cannot read rather than guessing.
//
//   {"v":1, "id":..., "function":..., ..., "body_bytes":N, "result_bytes":M}\n<body><result body>
//
// The bodies follow the JSON line raw (no base64: a 1 MiB body stays 1 MiB, under the server's
// max_payload); header values are kept byte for byte, obs-text included.
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/queue/queue.hpp"

namespace faasgate::queue::jetstream {

struct Envelope {
  AsyncCall call;
  core::Instant due_at{};  // not handed out before
};

std::string encode(const Envelope& envelope);
std::optional<Envelope> decode(std::string_view message);

}  // namespace faasgate::queue::jetstream
