#include "faasgate/queue/callback.hpp"

#include <sys/socket.h>

#include <boost/url/parse.hpp>

namespace faasgate::queue {

namespace {

constexpr std::size_t kMaxCallbackUrlBytes = 2048;

}  // namespace

std::optional<std::string> refuse_callback_url(std::string_view url, const AddressPolicy& policy) {
  if (url.size() > kMaxCallbackUrlBytes) return "X-Callback-Url is longer than 2048 bytes";
  const std::optional<std::string> not_absolute = "X-Callback-Url must be an absolute http(s) URL";
  if (url.find('\0') != std::string_view::npos) return not_absolute;
  // A NUL-terminated copy: Debian's Boost.URL 1.81 parsers may read up to a NUL (see form.cpp).
  const std::string terminated(url);
  auto parsed = boost::urls::parse_absolute_uri(boost::core::string_view(terminated.data(), terminated.size()));
  if (!parsed) return not_absolute;
  const auto scheme = parsed->scheme_id();
  if ((scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) || !parsed->has_authority() ||
      parsed->encoded_host().empty()) {
    return not_absolute;
  }
  auto destination = http_client::destination_of(url);
  if (!destination) return "X-Callback-Url's host must be an IP address or a DNS name";
  // A name is checked on every address it resolves to when the callback is made (it may
  // resolve differently by then).
  if (destination->address && !policy.allowed(reinterpret_cast<const sockaddr*>(&*destination->address))) {
    return "X-Callback-Url names an address the gateway does not call back (link-local, unspecified or --callback-deny)";
  }
  return std::nullopt;
}

CallbackOutcome post_callback(http_client::HttpClient& client, const CallbackRequest& request) {
  CallbackOutcome outcome;
  static const AddressPolicy defaults;
  const AddressPolicy& policy = request.policy ? *request.policy : defaults;
  if (auto why = refuse_callback_url(request.url, policy)) {
    outcome.refused = true;
    outcome.error = *why;
    return outcome;
  }
  http_client::Request post;
  post.method = "POST";
  post.url = request.url;
  post.headers = request.headers;
  post.headers.emplace_back("User-Agent", "faasgate-async/1");
  post.body = request.body;
  post.limits.total_timeout = request.timeout;
  post.address_policy = &policy;
  post.plain_http_only_to_loopback = false;  // the caller chose the URL; what it may reach is the policy's
  post.discard_body = true;
  auto answer = client.send(post);
  if (!answer) {
    switch (answer.error().code) {
      case http_client::Errc::refused:
        outcome.refused = true;
        outcome.error = "the callback's address is not allowed (link-local, unspecified or --callback-deny): " +
                        answer.error().detail;
        break;
      case http_client::Errc::bad_url:
      case http_client::Errc::insecure_url:
        outcome.refused = true;  // the URL will not change: retrying cannot help
        outcome.error = answer.error().detail;
        break;
      default:
        outcome.error = answer.error().detail;  // may recover: retried
    }
    return outcome;
  }
  outcome.status = answer->status;
  outcome.delivered = outcome.status >= 200 && outcome.status < 300;
  if (!outcome.delivered) outcome.error = "the callback answered " + std::to_string(outcome.status);
  return outcome;
}

}  // namespace faasgate::queue
