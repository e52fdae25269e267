#include "faasgate/provider_api/remote_platform.hpp"

#include <boost/json/serialize.hpp>


#include "faasgate/core/json.hpp"
#include "faasgate/core/rfc3339.hpp"
#include "faasgate/wire/json.hpp"
#include "faasgate/core/text.hpp"
#include "errors.hpp"
#include "log_stream.hpp"
#include "paths.hpp"

namespace faasgate::provider_api {

using platform::Errc;
using platform::Error;
using platform::Result;

namespace {

Error invalid(std::string message) { return Error{Errc::invalid, std::move(message), 0}; }

std::string reason(http_client::Errc code) {
  switch (code) {
    case http_client::Errc::connect_failed: return "cannot connect";
    case http_client::Errc::timeout: return "no answer in time";
    case http_client::Errc::too_large: return "its answer is too large";
    default: return std::string(http_client::to_string(code));
  }
}

}  // namespace

RemotePlatform::RemotePlatform(http_client::HttpClient& http, ProviderConfig config, const core::Clock& clock)
    : http_(http),
      config_(std::move(config)),
      authorization_(basic_authorization(config_.user, config_.password)),
      clock_(clock) {}

Result<http_client::Response> RemotePlatform::call(const std::string& method, const std::string& path_and_query,
                                                   std::string body) const {
  http_client::Request request;
  request.method = method;
  request.url = config_.address.base + path_and_query;
  request.headers.emplace_back("Authorization", std::string(authorization_.reveal()));
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  request.limits.connect_timeout = config_.connect_timeout;
  request.limits.total_timeout = config_.system_timeout;
  request.limits.max_body_bytes = config_.max_answer_bytes;
  request.plain_http_only_to_loopback = false;  // the operator's URL (provider_config.hpp)
  auto answer = http_.send(request);
  if (!answer) {
    // The reason only: the client's detail names at most the host, never the credentials.
    return core::fail(unreachable(config_, reason(answer.error().code)));
  }
  if (answer->status < 200 || answer->status > 299) return core::fail(provider_error(config_, static_cast<unsigned>(answer->status), answer->body));
  return std::move(*answer);
}

Result<void> RemotePlatform::expect_ok(const std::string& method, const std::string& path_and_query, std::string body) {
  auto answer = call(method, path_and_query, std::move(body));
  if (!answer) return core::fail(answer.error());
  return {};
}

// ---- functions ------------------------------------------------------------------------------

Result<void> RemotePlatform::deploy(const model::FunctionDeployment& fn, core::Instant) {
  auto done = expect_ok("POST", "/system/functions", boost::json::serialize(wire::to_json(fn)));
  forget(fn.namespace_, fn.service);
  return done;
}

Result<void> RemotePlatform::update(const model::FunctionDeployment& fn) {
  auto done = expect_ok("PUT", "/system/functions", boost::json::serialize(wire::to_json(fn)));
  forget(fn.namespace_, fn.service);
  return done;
}

Result<void> RemotePlatform::remove(const std::string& ns, const std::string& name) {
  auto done = expect_ok("DELETE", "/system/functions",
                        boost::json::serialize(boost::json::object{{"functionName", name}, {"namespace", ns}}));
  forget(ns, name);
  return done;
}

Result<void> RemotePlatform::scale(const std::string& ns, const std::string& name, std::uint32_t replicas) {
  auto segment = path_segment(name);
  if (!segment) return core::fail(invalid(segment.error()));
  return expect_ok("POST", "/system/scale-function/" + *segment,
                   boost::json::serialize(
                       boost::json::object{{"serviceName", name}, {"replicas", replicas}, {"namespace", ns}}));
}

Result<model::FunctionStatus> RemotePlatform::get(const std::string& ns, const std::string& name) {
  auto segment = path_segment(name);
  if (!segment) return core::fail(invalid(segment.error()));
  auto answer = call("GET", "/system/function/" + *segment + query_string({{"namespace", ns}}));
  if (!answer) return core::fail(answer.error());
  auto status = wire::parse_function_status(answer->body);
  if (!status) return core::fail(unreadable(config_, "a function status", status.error()));
  // The provider answered for this path: the function is the one asked for.
  status->deployment.service = name;
  status->deployment.namespace_ = ns;
  add_counts(*status);
  return std::move(*status);
}

Result<std::vector<model::FunctionStatus>> RemotePlatform::list(const std::string& ns) {
  auto answer = call("GET", "/system/functions" + query_string({{"namespace", ns}}));
  if (!answer) return core::fail(answer.error());
  auto all = wire::parse_function_statuses(answer->body);
  if (!all) return core::fail(unreadable(config_, "a function list", all.error()));
  std::vector<model::FunctionStatus> out;
  for (auto& status : *all) {
    // A provider that ignores ?namespace= answers for another one: what does not say it is in
    // the namespace asked for is left out (the API filters by IAM on the namespace it reads).
    if (!ns.empty() && status.deployment.namespace_ != ns) continue;
    add_counts(status);
    out.push_back(std::move(status));
  }
  return out;
}

// ---- secrets --------------------------------------------------------------------------------

Result<void> RemotePlatform::create_secret(const model::SecretRef& ref, const core::Secret& value) {
  return expect_ok("POST", "/system/secrets",
                   boost::json::serialize(wire::to_json(wire::SecretBody{ref.name, ref.namespace_, value})));
}

Result<void> RemotePlatform::update_secret(const model::SecretRef& ref, const core::Secret& value) {
  return expect_ok("PUT", "/system/secrets",
                   boost::json::serialize(wire::to_json(wire::SecretBody{ref.name, ref.namespace_, value})));
}

Result<void> RemotePlatform::delete_secret(const model::SecretRef& ref) {
  return expect_ok("DELETE", "/system/secrets", boost::json::serialize(wire::to_json(ref)));
}

Result<std::vector<model::SecretRef>> RemotePlatform::list_secrets(const std::string& ns) {
  auto answer = call("GET", "/system/secrets" + query_string({{"namespace", ns}}));
  if (!answer) return core::fail(answer.error());
  auto refs = wire::parse_secret_refs(answer->body);
  if (!refs) return core::fail(unreadable(config_, "a secret list", refs.error()));
  std::vector<model::SecretRef> out;
  for (auto& ref : *refs) {
    if (ref.namespace_.empty()) ref.namespace_ = ns;  // faas-netes writes names only
    if (ref.namespace_ != ns || ref.name.empty()) continue;
    out.push_back(std::move(ref));
  }
  return out;
}

// ---- namespaces -----------------------------------------------------------------------------

Result<void> RemotePlatform::create_namespace(const model::Namespace& ns) {
  auto segment = path_segment(ns.name);
  if (!segment) return core::fail(invalid(segment.error()));
  return expect_ok("POST", "/system/namespace/" + *segment, boost::json::serialize(wire::to_json(ns)));
}

Result<void> RemotePlatform::update_namespace(const model::Namespace& ns) {
  auto segment = path_segment(ns.name);
  if (!segment) return core::fail(invalid(segment.error()));
  return expect_ok("PUT", "/system/namespace/" + *segment, boost::json::serialize(wire::to_json(ns)));
}

Result<void> RemotePlatform::delete_namespace(const std::string& name) {
  auto segment = path_segment(name);
  if (!segment) return core::fail(invalid(segment.error()));
  return expect_ok("DELETE", "/system/namespace/" + *segment);
}

Result<model::Namespace> RemotePlatform::get_namespace(const std::string& name) {
  auto segment = path_segment(name);
  if (!segment) return core::fail(invalid(segment.error()));
  auto answer = call("GET", "/system/namespace/" + *segment);
  if (!answer) return core::fail(answer.error());
  auto ns = wire::parse_namespace(answer->body);
  if (!ns) return core::fail(unreadable(config_, "a namespace", ns.error()));
  ns->name = name;
  return std::move(*ns);
}

Result<std::vector<model::Namespace>> RemotePlatform::list_namespaces() {
  auto answer = call("GET", "/system/namespaces");
  if (!answer) return core::fail(answer.error());
  auto names = wire::parse_namespace_names(answer->body);
  if (!names) return core::fail(unreadable(config_, "a namespace list", names.error()));
  std::vector<model::Namespace> out;
  for (auto& name : *names) out.push_back(model::Namespace{std::move(name), {}, {}});
  return out;
}

// ---- info -----------------------------------------------------------------------------------

Result<platform::ProviderInfo> RemotePlatform::info() {
  auto answer = call("GET", "/system/info");
  if (!answer) return core::fail(answer.error());
  auto parsed = core::parse_json_strict(answer->body, {64 * 1024, 8});
  if (!parsed || !parsed->is_object()) return core::fail(unreadable(config_, "provider info", "not a JSON object"));
  const auto& o = parsed->as_object();
  auto text = [](const boost::json::object& from, std::string_view key) {
    const auto* v = from.if_contains(key);
    return v && v->is_string() ? core::printable(v->as_string(), 256) : std::string();
  };
  platform::ProviderInfo info{text(o, "provider"), text(o, "orchestration"), "", "", ""};
  if (const auto* version = o.if_contains("version"); version && version->is_object()) {
    info.version_release = text(version->as_object(), "release");
    info.version_sha = text(version->as_object(), "sha");
    info.version_commit_message = text(version->as_object(), "commit_message");
  }
  return info;
}

// ---- logs -----------------------------------------------------------------------------------

boost::asio::awaitable<Result<std::unique_ptr<platform::LogFeed>>> RemotePlatform::open_logs(
    boost::asio::any_io_executor executor, provider::LogQuery query, bool follow) {
  const std::string since =
      query.since ? core::format_rfc3339(std::chrono::floor<std::chrono::seconds>(*query.since)) : std::string();
  std::string target = "/system/logs" + query_string({{"name", query.name},
                                                      {"namespace", query.namespace_},
                                                      {"instance", query.instance.value_or("")},
                                                      {"tail", query.tail ? std::to_string(*query.tail) : ""},
                                                      {"follow", follow ? "true" : ""},
                                                      {"since", since}});
  auto feed = co_await open_log_stream(executor, config_, authorization_, std::move(target), std::move(query), follow);
  co_return feed;
}

// ---- invocation counts and lookups ----------------------------------------------------------

void RemotePlatform::record_invocation(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  ++counts_[{ns, name}];
}

void RemotePlatform::add_counts(model::FunctionStatus& status) {
  std::lock_guard lock(mu_);
  if (auto it = counts_.find({status.deployment.namespace_, status.deployment.service}); it != counts_.end())
    status.invocation_count += it->second;
}

void RemotePlatform::forget(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  lookups_.erase({ns, name});
}

std::optional<FunctionLookup> RemotePlatform::cached_lookup(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = lookups_.find({ns, name});
  if (it == lookups_.end()) return std::nullopt;
  const auto ttl = it->second.lookup.state == FunctionLookup::State::found ? config_.lookup_ttl : config_.miss_ttl;
  if (clock_.now() >= it->second.at + ttl) return std::nullopt;
  return it->second.lookup;
}

FunctionLookup RemotePlatform::lookup(const std::string& ns, const std::string& name) const {
  if (auto cached = cached_lookup(ns, name)) return *cached;
  FunctionLookup found;  // unknown until the provider says
  auto segment = path_segment(name);
  if (!segment) {
    found.state = FunctionLookup::State::not_found;
    found.rule = TokenRule::none;
    return found;
  }
  auto answer = call("GET", "/system/function/" + *segment + query_string({{"namespace", ns}}));
  if (answer) {
    if (auto status = wire::parse_function_status(answer->body)) {
      const auto& annotations = status->deployment.annotations;
      auto it = annotations.find(kJwtAuthAnnotation);
      found.state = FunctionLookup::State::found;
      found.rule = it != annotations.end() && it->second == "true" ? TokenRule::required : TokenRule::none;
    }
  } else if (answer.error().status == 404) {
    found.state = FunctionLookup::State::not_found;
    found.rule = TokenRule::none;  // nothing to guard; the invocation answers 404
  }
  // An unknown answer is not cached (the next call asks again) and is not invoked, even for a
  // function seen open before: a provider that fails lookups but serves invocations is not one
  // to trust with the guard.
  if (found.state != FunctionLookup::State::unknown) {
    std::lock_guard lock(mu_);
    if (lookups_.size() >= 10'000) lookups_.clear();  // bounded: a caller naming many functions
    lookups_[{ns, name}] = Cached{found, clock_.now()};
  }
  return found;
}

platform::Platform::TokenRule RemotePlatform::token_rule(const std::string& ns, const std::string& name) const {
  return lookup(ns, name).rule;
}

std::optional<platform::Platform::TokenRule> RemotePlatform::token_rule_if_known(const std::string& ns,
                                                                                const std::string& name) const {
  auto cached = cached_lookup(ns, name);
  if (!cached) return std::nullopt;
  return cached->rule;
}

}  // namespace faasgate::provider_api
