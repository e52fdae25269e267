#pragma once
// Client: every route of the REST API (reference §3) as a call, with the model's types. Beyond
// the upstream Go SDK: a 401 asks the ClientAuth for another token and retries the call once,
// every request has a timeout, errors are typed (error.hpp), logs stream line by line and stop
// on request, and function tokens are exchanged and cached per function when asked. Safe to
// share between threads. With `debug` (or FAASGATE_DEBUG=1 / FAAS_DEBUG=1 in the environment),
// each request's method, URL, headers and status are logged with the Authorization value
// redacted; bodies are never logged (they hold secrets' values and tokens).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/core/secret.hpp"
#include "faasgate/model/model.hpp"
#include "faasgate/sdk/auth.hpp"
#include "faasgate/sdk/error.hpp"
#include "faasgate/sdk/http.hpp"
#include "faasgate/sdk/token_auth.hpp"

namespace faasgate::sdk {

struct ClientOptions {
  std::shared_ptr<ClientAuth> auth;          // nullptr: no Authorization header
  std::shared_ptr<HttpTransport> transport;  // nullptr: make_curl_transport()
  std::chrono::milliseconds timeout{30000};  // each request (a log stream: until its head)
  // Where function tokens come from for invoke(.authenticate = true); nullptr: `auth`, when it
  // is a TokenAuth.
  std::shared_ptr<TokenAuth> function_auth;
  std::optional<bool> debug;                     // unset: the environment decides
  std::function<void(std::string_view)> debug_log;  // nullptr: standard error
  std::string user_agent = "faasgate-sdk-cpp";
};

struct Info {
  std::string provider;        // provider.provider
  std::string orchestration;   // provider.orchestration
  std::string provider_version;
  std::string version;         // version.release
  std::string sha;             // version.sha
  std::string commit_message;  // version.commit_message
  std::string arch;
};

struct SecretValue {
  std::string name;
  std::string namespace_ = std::string(model::kDefaultNamespace);
  core::Secret value;  // sent as base64 "rawValue", which holds any bytes
};

struct LogsRequest {
  std::string name;
  std::string namespace_ = std::string(model::kDefaultNamespace);
  std::string instance;            // empty: every replica
  std::optional<unsigned> tail;    // the last N lines
  std::string since;               // RFC 3339
  bool follow = false;
};

struct LogLine {
  std::string name;
  std::string namespace_;
  std::string instance;
  std::string timestamp;
  std::string text;
};

struct InvokeRequest {
  std::string name;
  std::string namespace_ = std::string(model::kDefaultNamespace);
  std::string method = "POST";
  std::string path;   // after /function/<name>.<ns>, e.g. "/hooks/1"; empty: none
  std::string query;  // without '?'
  std::vector<Header> headers;
  std::string body;
  bool async = false;        // POST /async-function/...: 202 and an X-Call-Id
  std::string callback_url;  // async: X-Callback-Url
  // Send a function token (scope=function, audience=<ns>:<name>) - what a function whose
  // jwt-auth is on requires.
  bool authenticate = false;
  std::chrono::milliseconds timeout{0};  // 0: the client's
};

struct InvokeResponse {
  int status = 0;
  std::vector<Header> headers;
  std::string body;
  const std::string* header(std::string_view name) const noexcept;
};

class Client {
 public:
  explicit Client(std::string gateway_url, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& gateway_url() const noexcept;

  Result<Info> info();

  Result<std::vector<std::string>> namespaces();
  Result<model::Namespace> get_namespace(std::string_view name);
  Result<void> create_namespace(const model::Namespace& ns);  // sets openfaas=1, as upstream does
  Result<void> update_namespace(const model::Namespace& ns);
  Result<void> delete_namespace(std::string_view name);

  Result<std::vector<model::FunctionStatus>> functions(std::string_view namespace_ = model::kDefaultNamespace);
  Result<model::FunctionStatus> function(std::string_view name, std::string_view namespace_ = model::kDefaultNamespace);
  Result<void> deploy(const model::FunctionDeployment& deployment);  // POST
  Result<void> update(const model::FunctionDeployment& deployment);  // PUT
  Result<void> scale(std::string_view name, std::string_view namespace_, std::uint32_t replicas);
  Result<void> delete_function(std::string_view name, std::string_view namespace_ = model::kDefaultNamespace);

  Result<std::vector<model::SecretRef>> secrets(std::string_view namespace_ = model::kDefaultNamespace);
  Result<void> create_secret(const SecretValue& secret);
  Result<void> update_secret(const SecretValue& secret);
  Result<void> delete_secret(std::string_view name, std::string_view namespace_ = model::kDefaultNamespace);

  // Calls on_line for each line as it arrives, until the stream ends, on_line returns false, or
  // `stop` is requested (then ErrorKind::cancelled).
  Result<void> logs(const LogsRequest& request, const std::function<bool(const LogLine&)>& on_line,
                    std::stop_token stop = {});

  // The function's answer, whatever its status: a function may answer 404 or 500 itself. The
  // Error cases are the ones with no answer, and a function token that could not be had.
  Result<InvokeResponse> invoke(const InvokeRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faasgate::sdk
