#include "core/unique_id.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include "core/base64.hpp"
#include "core/openssl.hpp"

namespace faasgate::core {

std::string unique_id() {
  struct State {
    std::array<std::uint8_t, 16> bytes{};
    std::uint64_t counter = 0;
    State() {
      auto prefix = random_bytes(8);
      std::memcpy(bytes.data(), prefix.data(), 8);
    }
  };
  thread_local State state;
  const std::uint64_t n = ++state.counter;
  for (int i = 0; i < 8; ++i) state.bytes[8 + i] = static_cast<std::uint8_t>(n >> (8 * (7 - i)));
  return base64url_encode(std::span<const std::uint8_t>(state.bytes));
}

}  // namespace faasgate::core
