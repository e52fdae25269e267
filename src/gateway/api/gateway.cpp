#include "faasgate/api/gateway.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "faasgate/core/text.hpp"
#include "faasgate/iam/engine.hpp"
#include "gateway_impl.hpp"
#include "resources.hpp"

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

Gateway::Gateway(GatewayOptions options, GatewayServices services)
    : options_(std::move(options)),
      s_(services),
      log_streams_(options_.max_log_streams, options_.max_log_streams_per_caller) {
  add_routes();
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

RouteHandler Gateway::bind(asio::awaitable<Reply> (Gateway::*fn)(Call&)) {
  return [this, fn](Call& call) { return (this->*fn)(call); };
}

void Gateway::add_routes() {
  using http::verb;
  constexpr auto open = Guard::public_route;
  router_.add({verb::get, "/healthz", open, "", bind(&Gateway::healthz)});
  if (options_.provider_api) {
    add_system_routes(Guard::admin);
    router_.add({verb::unknown, "/function/{name}/{rest*}", open, "Function:Invoke", bind(&Gateway::invoke)});
    return;
  }
  // Identity
  router_.add({verb::post, "/oauth/token", open, "", bind(&Gateway::token)});
  router_.add({verb::get, "/.well-known/openid-configuration", open, "", bind(&Gateway::discovery)});
  router_.add({verb::get, "/.well-known/jwks.json", open, "", bind(&Gateway::jwks)});
  add_system_routes(Guard::iam);
  // Beyond upstream: why a token would be allowed or denied (the admin's tool, no IAM action).
  router_.add({verb::post, "/system/iam/explain", Guard::admin, "Admin", bind(&Gateway::explain)});
  // Functions: open unless the function asks for authentication (IAM function tokens).
  constexpr auto function_token = Guard::function_token;
  router_.add({verb::unknown, "/function/{name}/{rest*}", function_token, "Function:Invoke", bind(&Gateway::invoke)});
  router_.add(
      {verb::post, "/async-function/{name}/{rest*}", function_token, "Function:Invoke", bind(&Gateway::invoke_async)});
}

// The REST API (reference §3): each route names the IAM action that guards it, where the
// resource it acts on is read from, and the body it takes. `guard` is iam on the gateway, admin
// on the provider API (where the action is what the audit log names).
void Gateway::add_system_routes(Guard guard) {
  using http::verb;
  namespace R = resources;
  auto iam_route = [&](verb method, std::string pattern, std::string action, asio::awaitable<Reply> (Gateway::*fn)(Call&),
                       Scope scope, ResourceFn resource = {}, BodyDecoder body = nullptr) {
    router_.add({method, std::move(pattern), guard, std::move(action), bind(fn), scope, std::move(resource), body});
  };
  iam_route(verb::get, "/system/info", "System:Info", &Gateway::info, Scope::cluster);
  iam_route(verb::get, "/system/functions", "Function:List", &Gateway::list_functions, Scope::one_namespace,
            R::namespace_from_query());
  iam_route(verb::post, "/system/functions", "Function:Create", &Gateway::deploy_function, Scope::request,
            R::function_from_deployment(), R::decode_deployment);
  iam_route(verb::put, "/system/functions", "Function:Update", &Gateway::update_function, Scope::request,
            R::function_from_deployment(), R::decode_deployment);
  iam_route(verb::delete_, "/system/functions", "Function:Delete", &Gateway::delete_function, Scope::request,
            R::function_from_delete(), R::decode_delete_function);
  iam_route(verb::get, "/system/function/{name}", "Function:Get", &Gateway::get_function, Scope::request,
            R::function_from_path_and_query());
  iam_route(verb::post, "/system/scale-function/{name}", "Function:Scale", &Gateway::scale_function, Scope::request,
            R::function_from_scale(), R::decode_scale);
  iam_route(verb::get, "/system/logs", "Function:Logs", &Gateway::logs, Scope::request, R::function_from_query());
  iam_route(verb::get, "/system/secrets", "Secret:List", &Gateway::list_secrets, Scope::one_namespace,
            R::namespace_from_query());
  iam_route(verb::post, "/system/secrets", "Secret:Create", &Gateway::create_secret, Scope::request,
            R::secret_from_body(), R::decode_secret);
  iam_route(verb::put, "/system/secrets", "Secret:Update", &Gateway::update_secret, Scope::request,
            R::secret_from_body(), R::decode_secret);
  iam_route(verb::delete_, "/system/secrets", "Secret:Delete", &Gateway::delete_secret, Scope::request,
            R::secret_from_body(), R::decode_secret);
  iam_route(verb::get, "/system/namespaces", "Namespace:List", &Gateway::list_namespaces, Scope::all_namespaces);
  iam_route(verb::post, "/system/namespace/", "Namespace:Create", &Gateway::create_namespace, Scope::request,
            R::namespace_from_path_or_body(), R::decode_namespace);
  iam_route(verb::post, "/system/namespace/{name}", "Namespace:Create", &Gateway::create_namespace, Scope::request,
            R::namespace_from_path_or_body(), R::decode_namespace);
  iam_route(verb::get, "/system/namespace/{name}", "Namespace:Get", &Gateway::get_namespace, Scope::request,
            R::namespace_from_path_or_body());
  iam_route(verb::put, "/system/namespace/{name}", "Namespace:Update", &Gateway::update_namespace, Scope::request,
            R::namespace_from_path_or_body(), R::decode_namespace);
  iam_route(verb::delete_, "/system/namespace/{name}", "Namespace:Delete", &Gateway::delete_namespace, Scope::request,
            R::namespace_from_path_or_body());
}

std::size_t Gateway::body_limit(const http::request_header<>& header) const {
  auto target = header.target();
  if (target.starts_with("/oauth/token")) return options_.max_token_request_bytes;
  if (target.starts_with("/async-function/")) return options_.max_async_body_bytes;  // queued: kept on disk
  if (target.starts_with("/function/") || target.starts_with("/async-function/")) return options_.max_invoke_body_bytes;
  return options_.max_body_bytes;
}

namespace {

// A function that asks for a function token refuses everything else with a 401 in the realm
// upstream's watchdog uses.
Reply invoke_unauthorized(std::string_view message) {
  auto reply = error_reply(http::status::unauthorized, message);
  reply.response.set(http::field::www_authenticate, "Bearer realm=\"IAM function invoke\"");
  return reply;
}

Reply forbidden(const std::string& action, const std::string& resource, const Principal& who) {
  return error_reply(http::status::forbidden, "forbidden: " + action + " on " + resource + " is not allowed for " +
                                                  core::printable(who.subject));
}

}  // namespace

asio::awaitable<Reply> Gateway::handle(Request&& request, const RequestInfo& info) {
  Call call{std::move(request), info, {}, {}, {}, {}, {}};
  std::string_view target = call.request.target();
  if (target.empty() || target.front() != '/') co_return error_reply(http::status::bad_request, "bad request target");
  auto parsed = boost::urls::parse_origin_form(boost::core::string_view(target.data(), target.size()));
  if (!parsed) co_return error_reply(http::status::bad_request, "bad request target");
  call.path = parsed->path();  // decoded
  call.encoded_path = std::string_view(parsed->encoded_path().data(), parsed->encoded_path().size());
  call.query = std::string_view(parsed->encoded_query().data(), parsed->encoded_query().size());

  auto match = router_.match(call.request.method(), call.path);
  if (!match.route) {
    if (!match.path_known) co_return error_reply(http::status::not_found, "no route for " + core::printable(call.path));
    auto reply = error_reply(http::status::method_not_allowed,
                             std::string(call.request.method_string()) + " is not allowed on " + core::printable(call.path));
    std::string allow;
    for (auto verb : match.allowed) {
      if (!allow.empty()) allow += ", ";
      allow += std::string(http::to_string(verb));
    }
    reply.response.set(http::field::allow, allow);
    co_return reply;
  }
  call.params = std::move(match.params);
  // Decoded once, here, for everyone after: a query that does not decode (a bad escape, a NUL)
  // is refused, never read as "no parameters" by one reader and as some of them by another.
  if (!decode_form(call.query, call.query_params)) {
    constexpr std::string_view why = "the query string is not valid URL encoding";
    // The token endpoint answers every error as RFC 6749 §5.2 says.
    if (match.route->pattern == "/oauth/token") co_return oauth_error({oauth::OAuthErrc::invalid_request, std::string(why)});
    co_return error_reply(http::status::bad_request, why);
  }

  call.decoder = match.route->body;
  switch (match.route->guard) {
    case Guard::public_route: co_return co_await match.route->handler(call);
    case Guard::function_token: co_return co_await invoke_guarded(call, *match.route);
    case Guard::admin:
    case Guard::iam: co_return co_await api_call(call, *match.route);
    case Guard::unset: break;  // Router::add refuses these
  }
  co_return error_reply(http::status::internal_server_error, "a route without a guard");
}

// RFC 6750 §3 for our tokens, and upstream's basic-auth challenge beside it (faas-cli and go-sdk
// send the admin's credentials when challenged so). The provider API answers as upstream's
// providers do (reference §6), whatever was wrong.
Reply Gateway::unauthorized(std::string_view message) const {
  if (options_.provider_api) {
    auto reply = error_reply(http::status::unauthorized, "invalid credentials");
    reply.response.set(http::field::www_authenticate, "Basic realm=\"Restricted\"");
    return reply;
  }
  auto reply = error_reply(http::status::unauthorized, message);
  reply.response.insert(http::field::www_authenticate,
                        "Bearer realm=\"faasgate\", error=\"invalid_token\", error_description=\"" + std::string(message) + "\"");
  reply.response.insert(http::field::www_authenticate, "Basic realm=\"Restricted\"");
  return reply;
}

// The REST API: authenticate, read the resource, decide (access/decisions.hpp), audit, and only
// then the handler.
asio::awaitable<Reply> Gateway::api_call(Call& call, const Route& route) {
  auto state = s_.state.load();
  auto principal = s_.auth.authenticate(call.request[http::field::authorization], state->published_keys,
                                        state->generation, s_.clock.now());
  if (!principal) co_return unauthorized(principal.error().message);
  call.principal = std::move(*principal);
  const auto& who = *call.principal;

  RequestResource resource;
  std::string resource_text = "*";
  // A function token is refused whatever it names: its request is not read further.
  const bool reads_resource = who.kind != Principal::Kind::function_token &&
                              (route.scope == Scope::request || route.scope == Scope::one_namespace);
  if (reads_resource) {
    auto read = route.resource(call);
    if (!read) co_return error_reply(http::status::bad_request, read.error());
    resource = std::move(*read);
    resource_text = resource.to_string();
  }
  const auto decision = route.guard == Guard::admin
                            ? access::decide_admin(who)
                            : access::decide_api_call(who, route.action, route.scope, resource, *state->exchange.engine);
  AuditEvent event{std::chrono::system_clock::now(), who.subject, who.original_issuer,
                   std::string(call.request.method_string()), call.path, route.action, resource_text,
                   decision.allowed(), decision.policy, decision.sid, 0};
  Reply reply;
  switch (decision.refusal) {
    case access::Refusal::none: reply = co_await route.handler(call); break;
    case access::Refusal::function_token_on_api:
      reply = error_reply(http::status::forbidden,
                          "a function token (scope=function) can only invoke functions: exchange for an access token");
      break;
    default: reply = forbidden(route.action, resource_text, who); break;
  }
  event.status = reply.response.result_int();
  if (s_.audit) s_.audit->record(event);
  co_return reply;
}

// Reference §2: a function that asks for authentication is invoked only with a function token
// that access::decide_invoke allows. No or a bad token - or an API token, or the admin's
// password - is a 401; a token that is not allowed, a 403. Every such decision is audited.
asio::awaitable<Reply> Gateway::invoke_guarded(Call& call, const Route& route) {
  auto [name, ns] = model::split_function_name(call.params.at("name"));
  // An invalid name is the handler's 400; a function that does not exist asks for nothing.
  using TokenRule = platform::Platform::TokenRule;
  auto rule = TokenRule::none;
  if (model::valid_name(name) && model::valid_name(ns)) {
    // A remote back end's lookup blocks: it runs on the blocking pool when not known already.
    const auto known = s_.platform.token_rule_if_known(ns, name);
    rule = known ? *known : co_await blocking([&] { return s_.platform.token_rule(ns, name); });
  }
  if (rule == TokenRule::none) co_return co_await route.handler(call);
  if (rule == TokenRule::unknown) {
    // Closed: not invoked with a token or without - and no 401 telling the callers of an open
    // function that they need a token.
    auto reply = error_reply(http::status::bad_gateway,
                             "cannot learn from the functions back end whether " + name + "." + ns +
                                 " requires a function token; try again later");
    reply.response.set("X-OpenFaaS-Internal", "gateway");
    co_return reply;
  }
  auto state = s_.state.load();
  const std::string resource = ns + ":" + name;
  AuditEvent event{std::chrono::system_clock::now(), "", "", std::string(call.request.method_string()), call.path,
                   route.action, resource, false, "", "", 0};
  auto finish = [&](Reply reply) {
    event.status = reply.response.result_int();
    if (s_.audit) s_.audit->record(event);
    return reply;
  };
  auto authorization = call.request[http::field::authorization];
  if (authorization.empty()) co_return finish(invoke_unauthorized("this function requires a function token"));
  auto who = s_.auth.authenticate(authorization, state->published_keys, state->generation, s_.clock.now());
  if (!who) co_return finish(invoke_unauthorized("this function requires a valid function token: " + who.error().message));
  event.actor = who->subject;
  event.issuer = who->original_issuer;
  const auto decision = access::decide_invoke(*who, ns, name, *state->exchange.engine);
  event.policy = decision.policy;
  event.sid = decision.sid;
  event.allowed = decision.allowed();
  switch (decision.refusal) {
    case access::Refusal::none: break;
    case access::Refusal::needs_function_token:
      co_return finish(invoke_unauthorized(who->is_admin()
                                               ? "this function requires a function token, not the admin's password"
                                               : "an API token cannot invoke this function: ask for scope=function"));
    case access::Refusal::not_addressed:
      co_return finish(error_reply(http::status::forbidden, "the function token's audience does not name " + resource));
    default: co_return finish(forbidden(route.action, resource, *who));
  }
  call.principal = std::move(*who);
  co_return finish(co_await route.handler(call));
}

bool Gateway::visible(const Call& call, std::string_view action, std::string_view ns, std::string_view fn) const {
  if (!call.principal) return false;  // guarded routes always have one: fail closed
  auto state = s_.state.load();
  return access::visible(*call.principal, action, ns, fn, *state->exchange.engine);
}

bool Gateway::still_allowed(const Principal& who, iam::Action action, std::string_view ns, std::string_view fn) const {
  if (!s_.auth.still_valid(who, s_.clock.now())) return false;
  auto state = s_.state.load();
  return access::decide_api_call(who, iam::name(action), Scope::request, {std::string(ns), std::string(fn)},
                                 *state->exchange.engine)
      .allowed();
}

asio::awaitable<Reply> Gateway::handle_metrics(Request&& request, const RequestInfo& info) {
  Call call{std::move(request), info, {}, {}, {}, {}, {}};
  std::string_view path = call.request.target();
  path = path.substr(0, path.find('?'));
  const auto method = call.request.method();
  if (method != http::verb::get && method != http::verb::head) {
    auto reply = error_reply(http::status::method_not_allowed, "the metrics listener answers GET only");
    reply.response.set(http::field::allow, "GET");
    co_return reply;
  }
  if (path == "/metrics") co_return co_await metrics(call);
  if (path == "/healthz") co_return co_await healthz(call);
  co_return error_reply(http::status::not_found, "the metrics listener serves /metrics and /healthz");
}

asio::awaitable<Reply> Gateway::healthz(Call&) { co_return text_reply(http::status::ok, "OK"); }

asio::awaitable<Reply> Gateway::discovery(Call&) {
  auto reply = text_reply(http::status::ok, discovery_json_, "application/json");
  reply.response.set(http::field::cache_control, "public, max-age=3600");
  co_return reply;
}

asio::awaitable<Reply> Gateway::metrics(Call&) {
  Metrics::Gauges gauges;
  auto functions = co_await blocking([&] { return s_.platform.list(""); });
  if (functions) {
    for (const auto& f : *functions)
      gauges.replicas[f.deployment.service + "." + f.deployment.namespace_] = f.available_replicas;
  }
  auto depth = co_await blocking([&] { return s_.queue.depth(); });
  if (depth) gauges.queue_depth = *depth;
  co_return text_reply(http::status::ok, s_.metrics.render(gauges), "text/plain; version=0.0.4");
}

asio::awaitable<Reply> Gateway::jwks(Call&) {
  auto state = s_.state.load();
  auto reply = text_reply(http::status::ok, state->jwks_json, "application/jwk-set+json");
  // Short enough that a verifier sees a rotation well before the old key retires.
  reply.response.set(http::field::cache_control, "public, max-age=300");
  co_return reply;
}

asio::awaitable<Reply> Gateway::token(Call& call) {
  oauth::Params params = std::move(call.query_params);
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

  auto state = s_.state.load();
  auto result = s_.exchange.exchange(*request, state->exchange, s_.clock.now(), oidc::FetchMode::cache_only);
  if (!result && result.error().needs_fetch) {
    // Keys must be fetched: that may block for seconds, so it runs on the blocking pool, never on
    // an I/O thread. Concurrent misses for one issuer share a single fetch inside the key cache.
    result = co_await blocking(
        [&] { return s_.exchange.exchange(*request, state->exchange, s_.clock.now(), oidc::FetchMode::may_fetch); });
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
