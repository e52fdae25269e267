#include "errors.hpp"

#include "faasgate/core/text.hpp"

namespace faasgate::provider_api {

using platform::Errc;
using platform::Error;

Error provider_error(const ProviderConfig& config, unsigned status, std::string_view body) {
  if (status == 401 || status == 403) {
    return Error{Errc::unavailable,
                 "the functions provider at " + config.address.display +
                     " refused the gateway's credentials (check the files of --provider-auth-dir)",
                 502};
  }
  if (status < 400 || status > 599) {
    return Error{Errc::unavailable,
                 "the functions provider at " + config.address.display + " answered " + std::to_string(status) +
                     " (redirects are not followed)",
                 502};
  }
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
  std::string message = body.empty() ? "the functions provider answered " + std::to_string(status)
                                     : core::printable(body, config.max_error_bytes);
  const Errc code = status == 404                    ? Errc::not_found
                    : status == 409                  ? Errc::conflict
                    : status == 400 || status == 422 ? Errc::invalid
                    : status >= 500                  ? Errc::unavailable
                                                     : Errc::internal;
  return Error{code, std::move(message), status};
}

Error unreachable(const ProviderConfig& config, std::string_view why) {
  return Error{Errc::unavailable, "cannot reach the functions provider at " + config.address.display + ": " + std::string(why), 0};
}

Error unreadable(const ProviderConfig& config, std::string_view what, std::string_view why) {
  return Error{Errc::unavailable,
               "the functions provider at " + config.address.display + " answered what is not " + std::string(what) +
                   ": " + core::printable(why),
               502};
}

}  // namespace faasgate::provider_api
