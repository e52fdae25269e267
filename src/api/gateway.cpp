#include "api/gateway.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "api/form.hpp"
#include "api/responses.hpp"

namespace faasgate::api {

namespace {

Reply oauth_reply(http::status status, const boost::json::value& body) {
  auto reply = json_reply(status, body);
  // RFC 6749 §5.1: token responses must not be cached.
  reply.response.set(http::field::cache_control, "no-store");
  reply.response.set(http::field::pragma, "no-cache");
  return reply;
}

// RFC 6749 §5.2: every client error is a 400. The one exception is a trusted issuer whose keys
// cannot be fetched and are not cached: that is our dependency failing, not the client's input,
// so it is a 503 the client may retry.
Reply oauth_error(const oauth::OAuthError& error) {
  const bool unavailable = error.code == oauth::OAuthErrc::temporarily_unavailable;
  auto reply = oauth_reply(unavailable ? http::status::service_unavailable : http::status::bad_request,
                           boost::json::object{{"error", oauth::to_string(error.code)},
                                               {"error_description", error.description}});
  if (unavailable) reply.response.set(http::field::retry_after, "30");
  return reply;
}

bool is_form(std::string_view content_type) {
  auto semi = content_type.find(';');
  auto media = content_type.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media.size() != 33) return false;
  for (std::size_t i = 0; i < media.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(media[i])) != "application/x-www-form-urlencoded"[i]) return false;
  return true;
}

}  // namespace

Gateway::Gateway(GatewayOptions options, const StateHolder& state, const oauth::TokenExchange& exchange,
                 boost::asio::thread_pool& blocking, const core::Clock& clock)
    : options_(std::move(options)), state_(state), exchange_(exchange), blocking_(blocking), clock_(clock) {
  auto bind = [this](asio::awaitable<Reply> (Gateway::*fn)(Call&)) {
    return [this, fn](Call& call) { return (this->*fn)(call); };
  };
  router_.add({http::verb::get, "/healthz", Guard::public_route, "", bind(&Gateway::healthz)});
  router_.add({http::verb::post, "/oauth/token", Guard::public_route, "", bind(&Gateway::token)});
  router_.add({http::verb::get, "/.well-known/openid-configuration", Guard::public_route, "", bind(&Gateway::discovery)});
  router_.add({http::verb::get, "/.well-known/jwks.json", Guard::public_route, "", bind(&Gateway::jwks)});

  const auto& iss = options_.system_issuer;
  discovery_json_ = boost::json::serialize(boost::json::object{
      {"issuer", iss},
      {"jwks_uri", iss + "/.well-known/jwks.json"},
      {"token_endpoint", iss + "/oauth/token"},
      {"grant_types_supported", boost::json::array{oauth::kTokenExchangeGrant}},
      {"response_types_supported", boost::json::array{"id_token"}},
      {"subject_types_supported", boost::json::array{"public"}},
      {"id_token_signing_alg_values_supported", boost::json::array{"ES256"}},
      {"token_endpoint_auth_methods_supported", boost::json::array{"none"}},
      {"claims_supported", boost::json::array{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "fed:iss", "policy"}},
  });
}

std::size_t Gateway::body_limit(const http::request_header<>& header) const {
  if (header.target().starts_with("/oauth/token")) return options_.max_token_request_bytes;
  return options_.max_body_bytes;
}

asio::awaitable<Reply> Gateway::handle(Request&& request, const RequestInfo& info) {
  Call call{std::move(request), info, {}, {}, {}};
  std::string_view target = call.request.target();
  if (target.empty() || target.front() != '/') co_return error_reply(http::status::bad_request, "bad request target");
  auto parsed = boost::urls::parse_origin_form(boost::core::string_view(target.data(), target.size()));
  if (!parsed) co_return error_reply(http::status::bad_request, "bad request target");
  call.path = parsed->path();  // decoded
  call.query = parsed->encoded_query();

  auto match = router_.match(call.request.method(), call.path);
  if (!match.route) {
    if (!match.path_known) co_return error_reply(http::status::not_found, "no route for " + std::string(call.path));
    auto reply = error_reply(http::status::method_not_allowed,
                             std::string(call.request.method_string()) + " is not allowed on " + call.path);
    std::string allow;
    for (auto verb : match.allowed) {
      if (!allow.empty()) allow += ", ";
      allow += std::string(http::to_string(verb));
    }
    reply.response.set(http::field::allow, allow);
    co_return reply;
  }
  call.params = std::move(match.params);
  co_return co_await match.route->handler(call);
}

asio::awaitable<Reply> Gateway::healthz(Call&) { co_return text_reply(http::status::ok, "OK"); }

asio::awaitable<Reply> Gateway::discovery(Call&) {
  auto reply = text_reply(http::status::ok, discovery_json_, "application/json");
  reply.response.set(http::field::cache_control, "public, max-age=3600");
  co_return reply;
}

asio::awaitable<Reply> Gateway::jwks(Call&) {
  auto state = state_.load();
  auto reply = text_reply(http::status::ok, state->jwks_json, "application/jwk-set+json");
  // Short enough that a verifier sees a rotation well before the old key retires.
  reply.response.set(http::field::cache_control, "public, max-age=300");
  co_return reply;
}

asio::awaitable<Reply> Gateway::token(Call& call) {
  oauth::Params params;
  if (!decode_form(call.query, params)) {
    co_return oauth_error({oauth::OAuthErrc::invalid_request, "the query string is not valid URL encoding"});
  }
  const auto& body = call.request.body();
  if (!body.empty()) {
    if (!is_form(call.request[http::field::content_type])) {
      co_return oauth_error({oauth::OAuthErrc::invalid_request,
                             "the request body must be application/x-www-form-urlencoded"});
    }
    if (!decode_form(body, params)) {
      co_return oauth_error({oauth::OAuthErrc::invalid_request, "the body is not valid form encoding"});
    }
  }
  auto request = oauth::parse_token_request(params);
  if (!request) co_return oauth_error(request.error());

  auto state = state_.load();
  auto result = exchange_.exchange(*request, state->exchange, clock_.now(), oidc::FetchMode::cache_only);
  if (!result && result.error().needs_fetch) {
    // Keys must be fetched: that may block for seconds, so it runs on the blocking pool, never on
    // an I/O thread. Concurrent misses for one issuer share a single fetch inside the key cache.
    co_await asio::co_spawn(
        blocking_,
        [&]() -> asio::awaitable<void> {
          result = exchange_.exchange(*request, state->exchange, clock_.now(), oidc::FetchMode::may_fetch);
          co_return;
        },
        asio::use_awaitable);
  }
  if (!result) {
    const auto& failure = result.error();
    if (failure.log_detail.empty()) {
      spdlog::info("token exchange refused: {}: {}", oauth::to_string(failure.error.code), failure.error.description);
    } else {
      spdlog::warn("token exchange refused: {}: {} ({})", oauth::to_string(failure.error.code),
                   failure.error.description, failure.log_detail);
    }
    co_return oauth_error(result.error().error);
  }
  spdlog::info("token exchange: issued jti={} sub={} expires_in={}", result->jti, result->subject, result->expires_in);
  co_return oauth_reply(http::status::ok, oauth::to_json(*result));
}

}  // namespace faasgate::api
