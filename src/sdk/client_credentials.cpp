// ClientCredentialsTokenSource: the ID token from an identity provider, by RFC 6749 §4.4.
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>

#include "faasgate/core/json.hpp"
#include "faasgate/core/text.hpp"
#include "faasgate/sdk/token_source.hpp"

namespace faasgate::sdk {

namespace {

// An IdP's token answer is a few KiB; more is not an answer to believe.
constexpr std::size_t kMaxIdpAnswer = 64 * 1024;

std::string without_query(std::string_view url) { return std::string(url.substr(0, url.find_first_of("?#"))); }

// The secret must not reach an error, even if the IdP echoes it.
std::string redact(std::string text, std::string_view secret) {
  if (secret.size() < 4) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "[the client secret]");
  return text;
}

const boost::json::string* string_member(const boost::json::object& o, std::string_view name) {
  auto it = o.find(name);
  return it != o.end() && it->value().is_string() ? &it->value().get_string() : nullptr;
}

bool header_safe(std::string_view token) {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

}  // namespace

ClientCredentialsTokenSource::ClientCredentialsTokenSource(ClientCredentials credentials,
                                                           std::shared_ptr<HttpTransport> transport,
                                                           std::chrono::milliseconds timeout, std::chrono::seconds margin)
    : credentials_(std::move(credentials)),
      transport_(transport ? std::move(transport) : make_curl_transport()),
      timeout_(timeout),
      margin_(std::max(margin, std::chrono::seconds(0))) {}

core::Expected<core::Secret, std::string> ClientCredentialsTokenSource::token() {
  // One request at a time: callers that find the cache empty together share the answer.
  std::lock_guard lock(mutex_);
  const auto started = std::chrono::steady_clock::now();
  if (!cached_.empty() && started < cached_until_) return cached_;
  cached_ = core::Secret();

  const std::string what = "the identity provider at " + without_query(credentials_.token_url);
  const std::string_view secret = credentials_.client_secret.reveal();
  HttpRequest request;
  request.method = "POST";
  request.url = credentials_.token_url;
  request.timeout = timeout_;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  auto field = [&](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    if (!request.body.empty()) request.body += '&';
    request.body.append(name).append("=").append(form_escape(value));
  };
  field("client_id", credentials_.client_id);
  field("client_secret", secret);
  field("grant_type", credentials_.grant_type);
  field("scope", credentials_.scope);
  field("audience", credentials_.audience);

  auto answer = transport_->send(request);
  const core::Secret form(std::move(request.body));  // wiped when it goes: it holds the secret
  if (!answer) return core::fail(redact(what + ": " + answer.error().message, secret));
  const HttpResponse& response = *answer;
  auto json = core::parse_json_strict(response.body, {.max_bytes = kMaxIdpAnswer, .max_depth = 8});
  const boost::json::object* object = json && json->is_object() ? &json->get_object() : nullptr;

  if (response.status < 200 || response.status > 299) {
    std::string why = what + " answered " + std::to_string(response.status);
    if (const auto* error = object ? string_member(*object, "error") : nullptr) {
      why += ": " + core::printable(*error, 100);
      if (const auto* description = string_member(*object, "error_description"))
        why += ": " + core::printable(*description, 500);
    } else if (auto line = std::string_view(response.body).substr(0, response.body.find_first_of("\r\n")); !line.empty()) {
      why += ": " + core::printable(line, 300);
    }
    return core::fail(redact(std::move(why), secret));
  }
  if (!object) return core::fail(what + " answered with something that is not a JSON object");
  // The gateway exchanges an ID token; an IdP that sends one means it, else its access token is the JWT.
  const auto* token = string_member(*object, "id_token");
  if (!token || token->empty()) token = string_member(*object, "access_token");
  if (!token || !header_safe(*token)) return core::fail(what + " answered with neither an id_token nor an access_token");
  core::Secret value{std::string(*token)};

  // Kept until `margin` before its expiry; with no expires_in, it is used for this exchange only.
  if (auto it = object->find("expires_in"); it != object->end() && it->value().is_number()) {
    const double seconds = it->value().to_number<double>();
    if (std::isfinite(seconds) && seconds > static_cast<double>(margin_.count())) {
      const double kept = std::min(seconds - static_cast<double>(margin_.count()), 10.0 * 365 * 24 * 3600);
      cached_ = value;
      cached_until_ = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(kept));
    }
  }
  return value;
}

}  // namespace faasgate::sdk
