#include "faasgate/jose/algorithm.hpp"

#include <array>
#include <utility>

namespace faasgate::jose {

namespace {

constexpr std::array<std::pair<Algorithm, std::string_view>, 10> kNames{{
    {Algorithm::RS256, "RS256"}, {Algorithm::RS384, "RS384"}, {Algorithm::RS512, "RS512"},
    {Algorithm::PS256, "PS256"}, {Algorithm::PS384, "PS384"}, {Algorithm::PS512, "PS512"},
    {Algorithm::ES256, "ES256"}, {Algorithm::ES384, "ES384"}, {Algorithm::ES512, "ES512"},
    {Algorithm::EdDSA, "EdDSA"},
}};

constexpr std::array<Algorithm, 5> kDefaults{Algorithm::RS256, Algorithm::ES256, Algorithm::ES384, Algorithm::PS256,
                                             Algorithm::EdDSA};
constexpr std::array<Algorithm, 10> kAll{Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256,
                                         Algorithm::PS384, Algorithm::PS512, Algorithm::ES256, Algorithm::ES384,
                                         Algorithm::ES512, Algorithm::EdDSA};

}  // namespace

std::string_view name(Algorithm alg) noexcept {
  for (const auto& [a, n] : kNames) {
    if (a == alg) return n;
  }
  return "?";
}

std::optional<Algorithm> algorithm_from_name(std::string_view name) noexcept {
  // Exact, case-sensitive match (RFC 7515 §4.1.1): "none", "HS256", "rs256" are all unknown here.
  for (const auto& [a, n] : kNames) {
    if (n == name) return a;
  }
  return std::nullopt;
}

std::span<const Algorithm> default_algorithms() noexcept { return kDefaults; }
std::span<const Algorithm> all_algorithms() noexcept { return kAll; }

}  // namespace faasgate::jose
