// The /system REST API (reference §3): functions, secrets, namespaces, info, logs.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <sys/utsname.h>

#include <charconv>

#include "faasgate/core/json.hpp"
#include "faasgate/core/rfc3339.hpp"
#include "faasgate/core/text.hpp"
#include "faasgate/iam/engine.hpp"
#include "faasgate/iam/explain.hpp"
#include "faasgate/wire/json.hpp"
#include "gateway_impl.hpp"

namespace faasgate::api {

namespace {

std::string namespace_param(const FormParams& params) {
  auto ns = form_value(params, "namespace");
  return ns && !ns->empty() ? *ns : std::string(model::kDefaultNamespace);
}

// The machine's architecture as uname(2) names it ("x86_64", "aarch64"), as upstream reports it.
const std::string& machine_arch() {
  static const std::string arch = [] {
    utsname u{};
    return ::uname(&u) == 0 ? std::string(u.machine) : std::string("unknown");
  }();
  return arch;
}

Reply bad_request(std::string message) { return error_reply(http::status::bad_request, message); }

bool check_name(const std::string& value) { return model::valid_name(value); }

std::string log_line_json(const provider::LogLine& line) {
  const auto stamp = core::format_rfc3339_nanos(std::chrono::time_point_cast<std::chrono::nanoseconds>(line.timestamp));
  return boost::json::serialize(boost::json::object{{"name", line.name},
                                                   {"namespace", line.namespace_},
                                                   {"instance", line.instance},
                                                   {"timestamp", stamp},
                                                   {"text", line.text}}) +
         "\n";
}

// Create and Update need a value; the route's decoder does not ask for one (Delete takes none).
core::Expected<wire::SecretBody*, std::string> valued_secret(Call& call) {
  auto secret = call.body<wire::SecretBody>();
  if (secret && (*secret)->value.empty()) return core::fail(std::string("value (or rawValue) is required"));
  return secret;
}

}  // namespace

asio::awaitable<Reply> Gateway::info(Call&) {
  auto provider = co_await blocking([&] { return s_.platform.info(); });
  if (!provider) co_return platform_error(provider.error());
  auto version_of = [](std::string_view release, std::string_view sha, std::string_view message) {
    return boost::json::object{{"commit_message", message}, {"sha", sha}, {"release", release}};
  };
  if (options_.provider_api) {  // a provider's own answer, which a gateway wraps (reference §6)
    co_return json_reply(http::status::ok,
                         boost::json::object{{"provider", provider->provider},
                                             {"orchestration", provider->orchestration},
                                             {"version", version_of(provider->version_release, provider->version_sha,
                                                                    provider->version_commit_message)}});
  }
  co_return json_reply(
      http::status::ok,
      boost::json::object{{"provider", boost::json::object{{"provider", provider->provider},
                                                            {"orchestration", provider->orchestration},
                                                            {"version", version_of(provider->version_release, provider->version_sha,
                                                                                   provider->version_commit_message)}}},
                          {"version", version_of(options_.version, options_.commit, "")},
                          {"arch", machine_arch()}});
}

// ---- functions ------------------------------------------------------------------------------

asio::awaitable<Reply> Gateway::list_functions(Call& call) {
  auto ns = namespace_param(call.query_params);
  if (!check_name(ns)) co_return bad_request("namespace must match [-a-zA-Z_0-9.]+");
  auto functions = co_await blocking([&] { return s_.platform.list(ns); });
  if (!functions) co_return platform_error(functions.error());
  boost::json::array out;
  for (const auto& f : *functions) {
    if (visible(call, "Function:List", f.deployment.namespace_, f.deployment.service)) out.push_back(wire::to_json(f));
  }
  co_return json_reply(http::status::ok, out);
}

asio::awaitable<Reply> Gateway::get_function(Call& call) {
  const auto& name = call.params.at("name");
  auto ns = namespace_param(call.query_params);
  if (!check_name(name) || !check_name(ns)) co_return bad_request("names must match [-a-zA-Z_0-9.]+");
  auto status = co_await blocking([&] { return s_.platform.get(ns, name); });
  if (!status) co_return platform_error(status.error());
  co_return json_reply(http::status::ok, wire::to_json(*status));
}

asio::awaitable<Reply> Gateway::deploy_function(Call& call) {
  auto fn = call.body<model::FunctionDeployment>();
  if (!fn) co_return bad_request(fn.error());
  auto done = co_await blocking([&] { return s_.platform.deploy(**fn, s_.clock.now()); });
  if (!done) co_return platform_error(done.error());
  co_return status_only(http::status::accepted);
}

asio::awaitable<Reply> Gateway::update_function(Call& call) {
  auto fn = call.body<model::FunctionDeployment>();
  if (!fn) co_return bad_request(fn.error());
  auto done = co_await blocking([&] { return s_.platform.update(**fn); });
  if (!done) co_return platform_error(done.error());
  co_return status_only(http::status::accepted);
}

asio::awaitable<Reply> Gateway::delete_function(Call& call) {
  auto request = call.body<wire::DeleteFunction>();
  if (!request) co_return bad_request(request.error());
  const auto& target = **request;
  auto done = co_await blocking([&] { return s_.platform.remove(target.namespace_, target.name); });
  if (!done) co_return platform_error(done.error());
  co_return status_only(http::status::accepted);
}

asio::awaitable<Reply> Gateway::scale_function(Call& call) {
  const auto& name = call.params.at("name");
  auto request = call.body<wire::ScaleRequest>();
  if (!request) co_return bad_request(request.error());
  const auto& scale = **request;
  if (!scale.service.empty() && scale.service != name) co_return bad_request("serviceName does not match the path");
  if (!check_name(name)) co_return bad_request("the function name must match [-a-zA-Z_0-9.]+");
  auto done = co_await blocking([&] { return s_.platform.scale(scale.namespace_, name, scale.replicas); });
  if (!done) co_return platform_error(done.error());
  co_return status_only(http::status::accepted);
}

// ---- secrets --------------------------------------------------------------------------------

asio::awaitable<Reply> Gateway::list_secrets(Call& call) {
  auto ns = namespace_param(call.query_params);
  if (!check_name(ns)) co_return bad_request("namespace must match [-a-zA-Z_0-9.]+");
  auto secrets = co_await blocking([&] { return s_.platform.list_secrets(ns); });
  if (!secrets) co_return platform_error(secrets.error());
  boost::json::array out;
  for (const auto& ref : *secrets) {
    if (visible(call, "Secret:List", ref.namespace_, ref.name))
      out.push_back(boost::json::object{{"name", ref.name}, {"namespace", ref.namespace_}});
  }
  co_return json_reply(http::status::ok, out);
}

asio::awaitable<Reply> Gateway::create_secret(Call& call) {
  auto secret = valued_secret(call);
  if (!secret) co_return bad_request(secret.error());
  const auto& s = **secret;
  auto done = co_await blocking([&] { return s_.platform.create_secret({s.name, s.namespace_}, s.value); });
  if (!done) co_return platform_error(done.error());
  co_return status_only(http::status::created);
}

asio::awaitable<Reply> Gateway::update_secret(Call& call) {
  auto secret = valued_secret(call);
  if (!secret) co_return bad_request(secret.error());
  const auto& s = **secret;
  auto done = co_await blocking([&] { return s_.platform.update_secret({s.name, s.namespace_}, s.value); });
  if (!done) co_return platform_error(done.error());
  co_return status_only(http::status::ok);
}

asio::awaitable<Reply> Gateway::delete_secret(Call& call) {
  auto secret = call.body<wire::SecretBody>();
  if (!secret) co_return bad_request(secret.error());
  const auto& s = **secret;
  auto done = co_await blocking([&] { return s_.platform.delete_secret({s.name, s.namespace_}); });
  if (!done) co_return platform_error(done.error());
  // 202 as faas-netes answers: faas-cli and go-sdk accept only 200 and 202 here.
  co_return status_only(http::status::accepted);
}

// ---- namespaces -----------------------------------------------------------------------------

asio::awaitable<Reply> Gateway::list_namespaces(Call& call) {
  auto namespaces = co_await blocking([&] { return s_.platform.list_namespaces(); });
  if (!namespaces) co_return platform_error(namespaces.error());
  boost::json::array out;
  for (const auto& ns : *namespaces) {
    if (visible(call, "Namespace:List", ns.name)) out.emplace_back(ns.name);
  }
  co_return json_reply(http::status::ok, out);
}

asio::awaitable<Reply> Gateway::get_namespace(Call& call) {
  const auto& name = call.params.at("name");
  if (!check_name(name)) co_return bad_request("namespace must match [-a-zA-Z_0-9.]+");
  auto ns = co_await blocking([&] { return s_.platform.get_namespace(name); });
  if (!ns) co_return platform_error(ns.error());
  co_return json_reply(http::status::ok, wire::to_json(*ns));
}

asio::awaitable<Reply> Gateway::create_namespace(Call& call) {
  auto decoded = call.body<model::Namespace>();
  if (!decoded) co_return bad_request(decoded.error());
  auto* ns = *decoded;
  if (auto it = call.params.find("name"); it != call.params.end()) {
    if (!ns->name.empty() && ns->name != it->second) co_return bad_request("name in the body does not match the path");
    ns->name = it->second;
  }
  if (!check_name(ns->name)) co_return bad_request("name must match [-a-zA-Z_0-9.]+");
  auto done = co_await blocking([&] { return s_.platform.create_namespace(*ns); });
  if (!done) co_return platform_error(done.error());
  co_return status_only(http::status::created);
}

asio::awaitable<Reply> Gateway::update_namespace(Call& call) {
  auto decoded = call.body<model::Namespace>();
  if (!decoded) co_return bad_request(decoded.error());
  auto* ns = *decoded;
  const auto& name = call.params.at("name");
  if (!ns->name.empty() && ns->name != name) co_return bad_request("name in the body does not match the path");
  ns->name = name;
  if (!check_name(ns->name)) co_return bad_request("name must match [-a-zA-Z_0-9.]+");
  auto done = co_await blocking([&] { return s_.platform.update_namespace(*ns); });
  if (!done) co_return platform_error(done.error());
  co_return status_only(http::status::ok);
}

asio::awaitable<Reply> Gateway::delete_namespace(Call& call) {
  const auto& name = call.params.at("name");
  if (!check_name(name)) co_return bad_request("namespace must match [-a-zA-Z_0-9.]+");
  auto done = co_await blocking([&] { return s_.platform.delete_namespace(name); });
  if (!done) co_return platform_error(done.error());
  co_return status_only(http::status::ok);
}

// ---- logs -----------------------------------------------------------------------------------

asio::awaitable<Reply> Gateway::logs(Call& call) {
  const auto& params = call.query_params;
  provider::LogQuery query;
  query.name = form_value(params, "name").value_or("");
  query.namespace_ = namespace_param(params);
  if (!check_name(query.name)) co_return bad_request("name is required and must match [-a-zA-Z_0-9.]+");
  if (!check_name(query.namespace_)) co_return bad_request("namespace must match [-a-zA-Z_0-9.]+");
  if (auto instance = form_value(params, "instance"); instance && !instance->empty()) query.instance = *instance;
  if (auto tail = form_value(params, "tail"); tail && !tail->empty()) {
    long long n = 0;
    auto [ptr, ec] = std::from_chars(tail->data(), tail->data() + tail->size(), n);
    if (ec != std::errc{} || ptr != tail->data() + tail->size()) co_return bad_request("tail must be a number");
    if (n >= 0) query.tail = static_cast<std::size_t>(n);  // upstream: a negative tail means all
  }
  if (auto since = form_value(params, "since"); since && !since->empty()) {
    auto t = core::parse_rfc3339_nanos(*since);
    if (!t) co_return bad_request("since must be an RFC 3339 time, like 2026-11-28T22:00:00Z");
    query.since = std::chrono::time_point_cast<std::chrono::system_clock::duration>(*t);
  }
  const bool follow = form_value(params, "follow") == "true" || form_value(params, "follow") == "1";
  auto exists = co_await blocking([&] { return s_.platform.get(query.namespace_, query.name); });
  if (!exists) co_return platform_error(exists.error());
  auto executor = co_await asio::this_coro::executor;
  auto opened = co_await s_.platform.open_logs(executor, query, follow);
  if (!opened) co_return platform_error(opened.error());
  std::shared_ptr<platform::LogFeed> feed = std::move(*opened);

  if (!follow) {
    // Bounded by the back end: the local logs keep at most their limits, a remote stream that is
    // not followed ends with what the provider has.
    std::string body;
    while (auto batch = co_await feed->next(std::chrono::seconds(10))) {
      for (const auto& line : *batch) body += log_line_json(line);
      if (batch->empty()) break;  // a back end that says nothing for that long has said all
    }
    co_return text_reply(http::status::ok, body, "application/x-ndjson");
  }

  // Follow: a chunked NDJSON stream that ends when the client goes away - or when the caller's
  // authority does: its token expires or is revoked, or Function:Logs on this function stops
  // being allowed (checked with the live IAM objects at least every 200 ms). Streams are capped
  // per caller and in total, as each holds a connection and a feed for as long as it lasts.
  auto slot = log_streams_.acquire(call.principal->subject);
  if (!slot) {
    auto refused = error_reply(http::status::too_many_requests, slot.error());
    refused.response.set(http::field::retry_after, "10");
    co_return refused;
  }
  Reply reply;
  reply.response.result(http::status::ok);
  reply.response.set(http::field::content_type, "application/x-ndjson");
  reply.stream = [this, query, feed, principal = *call.principal,
                  slot = std::move(*slot)](server::BodyWriter& body) -> asio::awaitable<void> {
    while (!stopping_) {
      auto batch = co_await feed->next(std::chrono::milliseconds(200));
      if (!batch) co_return;  // the back end ended the stream
      if (!still_allowed(principal, iam::Action::function_logs, query.namespace_, query.name)) co_return;
      std::string text;
      for (const auto& line : *batch) text += log_line_json(line);
      if (!co_await body.write(text)) co_return;
      if (batch->empty() && body.client_gone()) co_return;
    }
  };
  co_return reply;
}

// ---- IAM explanations ------------------------------------------------------------------------

asio::awaitable<Reply> Gateway::explain(Call& call) {
  auto parsed = core::parse_json_strict(call.request.body(), {1 << 20, 32});
  if (!parsed || !parsed->is_object()) co_return bad_request("the body must be a JSON object {claims, action, resource}");
  const auto& body = parsed->as_object();
  const auto* claims = body.if_contains("claims");
  const auto* action_name = body.if_contains("action");
  const auto* resource_text = body.if_contains("resource");
  if (!claims || !claims->is_object()) co_return bad_request("claims must be an object: the claims of a token");
  if (!action_name || !action_name->is_string()) co_return bad_request("action must be a string such as Function:List");
  if (!resource_text || !resource_text->is_string()) co_return bad_request("resource must be *, <ns>:* or <ns>:<fn>");
  auto action = iam::action_from_name(std::string(action_name->as_string()));
  if (!action) co_return bad_request("unknown action: " + core::printable(action_name->as_string()));
  auto resource = iam::parse_request_resource(std::string_view(resource_text->as_string()));
  if (!resource) co_return bad_request("resource must be *, <ns>:* or <ns>:<fn>");
  auto state = s_.state.load();
  const auto& claims_object = claims->as_object();
  auto explanation = iam::explain(*state->exchange.engine, claims_object, *action, *resource);
  co_return json_reply(http::status::ok, iam::to_json(explanation));
}

}  // namespace faasgate::api
