#include "faasgate/sdk/auth.hpp"

#include <cstdint>
#include <span>

#include "faasgate/core/base64.hpp"

namespace faasgate::sdk {

BasicAuth::BasicAuth(std::string username, core::Secret password) {
  // The joined pair is a Secret too, so it is wiped when it goes (RFC 7617: user-id ":" password).
  std::string joined;
  joined.reserve(username.size() + 1 + password.size());
  joined.append(username).append(":").append(password.reveal());
  const core::Secret pair(std::move(joined));
  const auto bytes = pair.reveal();
  header_ = core::Secret("Basic " + core::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())));
}

BearerAuth::BearerAuth(const core::Secret& access_token) : header_("Bearer " + std::string(access_token.reveal())) {}

}  // namespace faasgate::sdk
