#pragma once
// The provider's answers and failures as platform errors (private to the module); the rules are
// written in remote_platform.hpp.
#include <string>
#include <string_view>

#include "faasgate/platform/platform.hpp"
#include "faasgate/provider_api/provider_config.hpp"

namespace faasgate::provider_api {

// A non-2xx answer: the provider's status and plain-text body, or 502 for 401/403 and 1xx/3xx.
platform::Error provider_error(const ProviderConfig& config, unsigned status, std::string_view body);

// The provider could not be reached, or did not answer in time: 502, naming its host and port.
platform::Error unreachable(const ProviderConfig& config, std::string_view why);

// A 2xx answer that is not what was asked for.
platform::Error unreadable(const ProviderConfig& config, std::string_view what, std::string_view why);

}  // namespace faasgate::provider_api
