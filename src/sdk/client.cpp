#include "faasgate/sdk/client.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "faasgate/core/json.hpp"
#include "faasgate/wire/json.hpp"

namespace faasgate::sdk {

namespace json = boost::json;

namespace {

// A log line longer than this is not a log line: the stream ends with bad_response rather than
// buffering without bound.
constexpr std::size_t kMaxLogLine = 1024 * 1024;
constexpr core::JsonLimits kSmallAnswer{1024 * 1024, 8};

bool debug_from_environment() {
  for (const char* name : {"FAASGATE_DEBUG", "FAAS_DEBUG"}) {
    const char* v = std::getenv(name);
    if (v && (std::string_view(v) == "1" || std::string_view(v) == "true")) return true;
  }
  return false;
}

// A JSON answer the call cannot use: what was asked, and why not (never the body, which a
// debug log may show instead).
Error bad_answer(std::string_view what, const std::string& why) {
  return Error{ErrorKind::bad_response, std::string(what) + ": the gateway's answer was not understood: " + why};
}

bool success(int status) { return status >= 200 && status <= 299; }

std::string text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

const std::string* InvokeResponse::header(std::string_view name) const noexcept {
  for (const auto& h : headers) {
    if (h.name.size() == name.size() && std::equal(h.name.begin(), h.name.end(), name.begin(), [](char x, char y) {
          return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
        }))
      return &h.value;
  }
  return nullptr;
}

struct Client::Impl {
  std::string base;  // the gateway's URL without a trailing '/'
  ClientOptions options;
  std::shared_ptr<HttpTransport> transport;
  std::shared_ptr<TokenAuth> function_auth;
  bool debug = false;
  std::mutex debug_mutex;

  HttpRequest request(std::string method, std::string path, std::string body = {}) const {
    HttpRequest r;
    r.method = std::move(method);
    r.url = base + path;
    r.timeout = options.timeout;
    r.headers.push_back({"User-Agent", options.user_agent});
    if (!body.empty()) r.headers.push_back({"Content-Type", "application/json"});
    r.body = std::move(body);
    return r;
  }

  void log(const HttpRequest& r, const Result<HttpResponse>& answer, std::chrono::steady_clock::duration took) {
    if (!debug) return;
    std::string line = "faasgate-sdk: " + r.method + " " + r.url;
    for (const auto& h : r.headers) {
      const bool secret = h.name == "Authorization" || h.name == "authorization";
      line += "\n  " + h.name + ": " + (secret ? std::string("[redacted]") : h.value);
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
    line += answer ? "\n  -> " + std::to_string(answer->status) : "\n  -> " + answer.error().message;
    line += " (" + std::to_string(ms) + " ms)";
    std::lock_guard lock(debug_mutex);
    if (options.debug_log) options.debug_log(line);
    else std::cerr << line << "\n";
  }

  // Sends `r` with `auth`'s Authorization; a 401 that `rejected` says can be cured is retried once
  // with the new value. `stream` sends through the transport's stream() with `sink`.
  template <class Authorize, class Rejected, class Send>
  Result<HttpResponse> with_auth(HttpRequest r, Authorize authorize, Rejected rejected, Send send) {
    for (int attempt = 0;; ++attempt) {
      core::Secret authorization;
      auto r_attempt = r;
      if (auto value = authorize()) {
        authorization = std::move(*value);
        if (!authorization.empty()) r_attempt.headers.push_back({"Authorization", std::string(authorization.reveal())});
      } else {
        return core::fail(std::move(value).error());
      }
      const auto started = std::chrono::steady_clock::now();
      auto answer = send(r_attempt);
      log(r_attempt, answer, std::chrono::steady_clock::now() - started);
      if (answer && answer->status == 401 && attempt == 0 && !authorization.empty() && rejected(authorization)) continue;
      return answer;
    }
  }

  auto api_authorize() {
    return [this]() -> Result<core::Secret> {
      if (!options.auth) return core::Secret();
      return options.auth->authorization();
    };
  }
  auto api_rejected() {
    return [this](const core::Secret& a) { return options.auth && options.auth->rejected(a); };
  }

  Result<HttpResponse> api(HttpRequest r) {
    return with_auth(std::move(r), api_authorize(), api_rejected(),
                     [this](const HttpRequest& q) { return transport->send(q); });
  }

  // An API call whose answer must be 2xx; anything else becomes its typed Error.
  Result<HttpResponse> expect_success(std::string_view what, HttpRequest r) {
    auto answer = api(std::move(r));
    if (!answer) return core::fail(with_context(what, std::move(answer).error()));
    if (!success(answer->status)) return core::fail(status_error(what, answer->status, answer->body));
    return answer;
  }

  Result<void> expect_done(std::string_view what, HttpRequest r) {
    auto answer = expect_success(what, std::move(r));
    if (!answer) return core::fail(std::move(answer).error());
    return {};
  }

  static Error with_context(std::string_view what, Error e) {
    if (e.kind == ErrorKind::transport || e.kind == ErrorKind::timeout || e.kind == ErrorKind::too_large)
      e.message = std::string(what) + ": " + e.message;
    return e;
  }
};

Client::Client(std::string gateway_url, ClientOptions options) : impl_(std::make_unique<Impl>()) {
  while (!gateway_url.empty() && gateway_url.back() == '/') gateway_url.pop_back();
  impl_->base = std::move(gateway_url);
  impl_->transport = options.transport ? options.transport : make_curl_transport();
  impl_->function_auth = options.function_auth ? options.function_auth : std::dynamic_pointer_cast<TokenAuth>(options.auth);
  impl_->debug = options.debug.value_or(debug_from_environment());
  impl_->options = std::move(options);
}

Client::~Client() = default;

const std::string& Client::gateway_url() const noexcept { return impl_->base; }

namespace {

std::string segment(std::string_view s) { return form_escape(s); }
std::string in_namespace(std::string_view ns) { return "namespace=" + form_escape(ns); }

}  // namespace

Result<Info> Client::info() {
  constexpr std::string_view what = "read the gateway's info";
  auto answer = impl_->expect_success(what, impl_->request("GET", "/system/info"));
  if (!answer) return core::fail(std::move(answer).error());
  auto v = core::parse_json_strict(answer->body, kSmallAnswer);
  if (!v || !v->is_object()) return core::fail(bad_answer(what, "not a JSON object"));
  const auto& o = v->as_object();
  Info info;
  if (auto* p = o.if_contains("provider"); p && p->is_object()) {
    info.provider = text_of(p->as_object(), "provider");
    info.orchestration = text_of(p->as_object(), "orchestration");
    // Upstream's ProviderInfo.version is a VersionInfo object ({release, sha, commit_message});
    // a plain string is taken too.
    if (auto* v = p->as_object().if_contains("version"); v && v->is_object())
      info.provider_version = text_of(v->as_object(), "release");
    else
      info.provider_version = text_of(p->as_object(), "version");
  }
  if (auto* ver = o.if_contains("version"); ver && ver->is_object()) {
    info.version = text_of(ver->as_object(), "release");
    info.sha = text_of(ver->as_object(), "sha");
    info.commit_message = text_of(ver->as_object(), "commit_message");
  }
  info.arch = text_of(o, "arch");
  return info;
}

Result<std::vector<std::string>> Client::namespaces() {
  constexpr std::string_view what = "list namespaces";
  auto answer = impl_->expect_success(what, impl_->request("GET", "/system/namespaces"));
  if (!answer) return core::fail(std::move(answer).error());
  auto names = wire::parse_namespace_names(answer->body);
  if (!names) return core::fail(bad_answer(what, names.error()));
  return std::move(*names);
}

Result<model::Namespace> Client::get_namespace(std::string_view name) {
  const std::string what = "get namespace " + std::string(name);
  auto answer = impl_->expect_success(what, impl_->request("GET", "/system/namespace/" + segment(name)));
  if (!answer) return core::fail(std::move(answer).error());
  auto ns = wire::parse_namespace(answer->body);
  if (!ns) return core::fail(bad_answer(what, ns.error()));
  if (ns->name.empty()) ns->name = std::string(name);
  return std::move(*ns);
}

namespace {

// As the upstream SDK: a namespace the gateway manages carries openfaas=1 as a label and an
// annotation (faas-netes only serves namespaces so marked).
std::string namespace_body(model::Namespace ns) {
  ns.labels["openfaas"] = "1";
  ns.annotations["openfaas"] = "1";
  return json::serialize(wire::to_json(ns));
}

}  // namespace

Result<void> Client::create_namespace(const model::Namespace& ns) {
  return impl_->expect_done("create namespace " + ns.name, impl_->request("POST", "/system/namespace/", namespace_body(ns)));
}

Result<void> Client::update_namespace(const model::Namespace& ns) {
  return impl_->expect_done("update namespace " + ns.name,
                            impl_->request("PUT", "/system/namespace/" + segment(ns.name), namespace_body(ns)));
}

Result<void> Client::delete_namespace(std::string_view name) {
  return impl_->expect_done("delete namespace " + std::string(name),
                            impl_->request("DELETE", "/system/namespace/" + segment(name)));
}

Result<std::vector<model::FunctionStatus>> Client::functions(std::string_view namespace_) {
  const std::string what = "list functions in namespace " + std::string(namespace_);
  auto answer = impl_->expect_success(what, impl_->request("GET", "/system/functions?" + in_namespace(namespace_)));
  if (!answer) return core::fail(std::move(answer).error());
  auto list = wire::parse_function_statuses(answer->body);
  if (!list) return core::fail(bad_answer(what, list.error()));
  return std::move(*list);
}

Result<model::FunctionStatus> Client::function(std::string_view name, std::string_view namespace_) {
  const std::string what = "get function " + std::string(name) + " in namespace " + std::string(namespace_);
  auto answer =
      impl_->expect_success(what, impl_->request("GET", "/system/function/" + segment(name) + "?" + in_namespace(namespace_)));
  if (!answer) return core::fail(std::move(answer).error());
  auto status = wire::parse_function_status(answer->body);
  if (!status) return core::fail(bad_answer(what, status.error()));
  return std::move(*status);
}

Result<void> Client::deploy(const model::FunctionDeployment& d) {
  return impl_->expect_done("deploy function " + d.service + " in namespace " + d.namespace_,
                            impl_->request("POST", "/system/functions", json::serialize(wire::to_json(d))));
}

Result<void> Client::update(const model::FunctionDeployment& d) {
  return impl_->expect_done("update function " + d.service + " in namespace " + d.namespace_,
                            impl_->request("PUT", "/system/functions", json::serialize(wire::to_json(d))));
}

Result<void> Client::scale(std::string_view name, std::string_view namespace_, std::uint32_t replicas) {
  json::object body{{"serviceName", name}, {"namespace", namespace_}, {"replicas", replicas}};
  return impl_->expect_done("scale function " + std::string(name) + " in namespace " + std::string(namespace_),
                            impl_->request("POST", "/system/scale-function/" + segment(name) + "?" + in_namespace(namespace_),
                                           json::serialize(body)));
}

Result<void> Client::delete_function(std::string_view name, std::string_view namespace_) {
  json::object body{{"functionName", name}, {"namespace", namespace_}};
  return impl_->expect_done("delete function " + std::string(name) + " in namespace " + std::string(namespace_),
                            impl_->request("DELETE", "/system/functions", json::serialize(body)));
}

Result<std::vector<model::SecretRef>> Client::secrets(std::string_view namespace_) {
  const std::string what = "list secrets in namespace " + std::string(namespace_);
  auto answer = impl_->expect_success(what, impl_->request("GET", "/system/secrets?" + in_namespace(namespace_)));
  if (!answer) return core::fail(std::move(answer).error());
  auto list = wire::parse_secret_refs(answer->body);
  if (!list) return core::fail(bad_answer(what, list.error()));
  return std::move(*list);
}

namespace {

std::string secret_body(const SecretValue& s) {
  return json::serialize(wire::to_json(wire::SecretBody{s.name, s.namespace_, s.value}));
}

}  // namespace

Result<void> Client::create_secret(const SecretValue& secret) {
  return impl_->expect_done("create secret " + secret.name + " in namespace " + secret.namespace_,
                            impl_->request("POST", "/system/secrets", secret_body(secret)));
}

Result<void> Client::update_secret(const SecretValue& secret) {
  return impl_->expect_done("update secret " + secret.name + " in namespace " + secret.namespace_,
                            impl_->request("PUT", "/system/secrets", secret_body(secret)));
}

Result<void> Client::delete_secret(std::string_view name, std::string_view namespace_) {
  json::object body{{"name", name}, {"namespace", namespace_}};
  return impl_->expect_done("delete secret " + std::string(name) + " in namespace " + std::string(namespace_),
                            impl_->request("DELETE", "/system/secrets", json::serialize(body)));
}

Result<void> Client::logs(const LogsRequest& request, const std::function<bool(const LogLine&)>& on_line,
                          std::stop_token stop) {
  const std::string what = "read the logs of function " + request.name + " in namespace " + request.namespace_;
  std::string query = "name=" + form_escape(request.name) + "&" + in_namespace(request.namespace_);
  if (!request.instance.empty()) query += "&instance=" + form_escape(request.instance);
  if (request.tail) query += "&tail=" + std::to_string(*request.tail);
  if (!request.since.empty()) query += "&since=" + form_escape(request.since);
  if (request.follow) query += "&follow=true";

  // The NDJSON stream, cut into lines as pieces arrive; a piece may hold many lines or part of one.
  std::string pending;
  std::optional<Error> broken;
  bool stopped_by_caller = false;
  auto take_line = [&](std::string_view line) -> bool {
    if (line.empty()) return true;
    auto v = core::parse_json_strict(line, {kMaxLogLine, 4});
    if (!v || !v->is_object()) {
      broken = bad_answer(what, "a log line is not a JSON object");
      return false;
    }
    const auto& o = v->as_object();
    LogLine l{text_of(o, "name"), text_of(o, "namespace"), text_of(o, "instance"), text_of(o, "timestamp"), text_of(o, "text")};
    if (!on_line(l)) {
      stopped_by_caller = true;
      return false;
    }
    return true;
  };
  BodySink sink = [&](std::string_view piece) -> bool {
    pending.append(piece);
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!take_line(std::string_view(pending).substr(start, nl - start))) return false;
    }
    pending.erase(0, start);
    if (pending.size() > kMaxLogLine) {
      broken = bad_answer(what, "a log line is longer than 1 MiB");
      return false;
    }
    return true;
  };

  auto answer = impl_->with_auth(impl_->request("GET", "/system/logs?" + query), impl_->api_authorize(), impl_->api_rejected(),
                                 [&](const HttpRequest& q) {
                                   pending.clear();
                                   return impl_->transport->stream(q, sink, stop);
                                 });
  if (broken) return core::fail(std::move(*broken));
  if (!answer) return core::fail(Impl::with_context(what, std::move(answer).error()));
  if (!success(answer->status)) return core::fail(status_error(what, answer->status, answer->body));
  if (!stopped_by_caller && !pending.empty() && !take_line(pending) && broken) return core::fail(std::move(*broken));
  return {};
}

Result<InvokeResponse> Client::invoke(const InvokeRequest& request) {
  const std::string what = "invoke function " + request.name + " in namespace " + request.namespace_;
  std::string path = (request.async ? "/async-function/" : "/function/") + segment(request.name) + "." + segment(request.namespace_);
  if (!request.path.empty()) path += (request.path.front() == '/' ? "" : "/") + request.path;
  if (!request.query.empty()) path += "?" + request.query;

  HttpRequest r;
  r.method = request.method;
  r.url = impl_->base + path;
  r.timeout = request.timeout.count() > 0 ? request.timeout : impl_->options.timeout;
  r.headers = request.headers;
  r.headers.push_back({"User-Agent", impl_->options.user_agent});
  if (!request.callback_url.empty()) r.headers.push_back({"X-Callback-Url", request.callback_url});
  r.body = request.body;

  if (request.authenticate && !impl_->function_auth)
    return core::fail(Error{ErrorKind::token_source, what + ": a function token needs a TokenAuth (ClientOptions.auth or "
                                                             "function_auth); this client has none"});
  auto authorize = [&]() -> Result<core::Secret> {
    if (!request.authenticate) return core::Secret();
    return impl_->function_auth->function_authorization(request.namespace_, request.name);
  };
  auto rejected = [&](const core::Secret& a) {
    return request.authenticate && impl_->function_auth->function_rejected(request.namespace_, request.name, a);
  };
  auto answer = impl_->with_auth(std::move(r), authorize, rejected, [&](const HttpRequest& q) { return impl_->transport->send(q); });
  if (!answer) return core::fail(Impl::with_context(what, std::move(answer).error()));
  return InvokeResponse{answer->status, std::move(answer->headers), std::move(answer->body)};
}

}  // namespace faasgate::sdk
