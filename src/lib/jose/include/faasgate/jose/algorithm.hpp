#pragma once
#include <optional>
#include <span>
#include <string_view>

namespace faasgate::jose {

// Only asymmetric algorithms exist here: HMAC and "none" have no enumerator, so they cannot be
// allowed by mistake.
enum class Algorithm { RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA };

std::string_view name(Algorithm alg) noexcept;
std::optional<Algorithm> algorithm_from_name(std::string_view name) noexcept;

// The default allow-list for a trusted issuer (reference §1): RS256, ES256, ES384, PS256, EdDSA.
std::span<const Algorithm> default_algorithms() noexcept;
std::span<const Algorithm> all_algorithms() noexcept;

}  // namespace faasgate::jose
