#include "faasgate/core/unique_id.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include "faasgate/core/openssl.hpp"

namespace faasgate::core {

std::string unique_id() {
  struct State {
    std::uint64_t prefix = 0;  // random, with the version nibble set
    std::uint64_t counter = 0;
    State() {
      auto bytes = random_bytes(8);
      std::memcpy(&prefix, bytes.data(), 8);
      prefix = (prefix & ~std::uint64_t{0xF000}) | std::uint64_t{0x4000};  // version 4, bits 48-51 of the UUID
    }
  };
  thread_local State state;
  // The variant (binary 10) takes the low half's top two bits; the counter the other 62.
  const std::uint64_t low = (std::uint64_t{0b10} << 62) | (++state.counter & ((std::uint64_t{1} << 62) - 1));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  std::size_t at = 0;
  auto put = [&](std::uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (at == 8 || at == 13 || at == 18 || at == 23) ++at;  // the dashes
      out[at++] = kHex[(v >> (4 * i)) & 0xF];
    }
  };
  put(state.prefix, 16);
  put(low, 16);
  return out;
}

}  // namespace faasgate::core
