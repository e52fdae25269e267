#pragma once
// The functions platform's operations - deploy, update, delete, scale, secrets, namespaces,
// logs - as the API asks for them. This is the back-end seam: handlers call it and turn its
// errors into statuses; nothing here knows HTTP routes, and nothing above reaches a store, a
// runtime or a remote provider but through it.
//
//  - LocalPlatform (local_platform.hpp): what should exist in the gateway's store, what runs in a
//    provider::Provider (the embedded runtime); the gateway is the source of truth.
//  - the upstream provider API (provider_api/, faas-netes or faasd): what exists lives in the
//    back end, as upstream's gateway keeps nothing of its own; its statuses and plain-text error
//    bodies pass through (Error::status).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/model/model.hpp"
#include "faasgate/provider/logs.hpp"

namespace faasgate::platform {

enum class Errc {
  not_found,
  already_exists,
  invalid,
  conflict,
  unavailable,  // the back end cannot be reached (down, refusing, too slow): 502/503, retry later
  internal,
};

struct Error {
  Errc code;
  std::string message;  // plain text for the caller; never a secret value
  // A remote back end's own status, passed through with `message` (its body) as upstream's
  // gateway passes them; 0 for the gateway's own errors, which the API maps from `code`.
  unsigned status = 0;
};

template <class T>
using Result = core::Expected<T, Error>;

// What GET /system/info reports of the back end (reference §3, §6).
struct ProviderInfo {
  std::string provider;
  std::string orchestration;
  std::string version_release;
  std::string version_sha;
  std::string version_commit_message;
};

// A function's log lines as a stream: the lines there are, then (when following) new ones as
// they arrive. One reader, on the executor it was opened with.
class LogFeed {
 public:
  virtual ~LogFeed() = default;
  // The next lines; an empty batch when none came within `wait`; nullopt when the stream ended
  // (not following and everything was read, or the back end closed it).
  virtual boost::asio::awaitable<std::optional<std::vector<provider::LogLine>>> next(std::chrono::milliseconds wait) = 0;
};

class Platform {
 public:
  virtual ~Platform() = default;

  virtual Result<void> deploy(const model::FunctionDeployment& fn, core::Instant now) = 0;
  virtual Result<void> update(const model::FunctionDeployment& fn) = 0;
  virtual Result<void> remove(const std::string& ns, const std::string& name) = 0;
  virtual Result<void> scale(const std::string& ns, const std::string& name, std::uint32_t replicas) = 0;
  virtual Result<model::FunctionStatus> get(const std::string& ns, const std::string& name) = 0;
  virtual Result<std::vector<model::FunctionStatus>> list(const std::string& ns) = 0;  // "" = every namespace

  virtual Result<void> create_secret(const model::SecretRef& ref, const core::Secret& value) = 0;
  virtual Result<void> update_secret(const model::SecretRef& ref, const core::Secret& value) = 0;
  virtual Result<void> delete_secret(const model::SecretRef& ref) = 0;
  virtual Result<std::vector<model::SecretRef>> list_secrets(const std::string& ns) = 0;

  virtual Result<void> create_namespace(const model::Namespace& ns) = 0;
  virtual Result<void> update_namespace(const model::Namespace& ns) = 0;
  virtual Result<void> delete_namespace(const std::string& name) = 0;
  virtual Result<model::Namespace> get_namespace(const std::string& name) = 0;
  virtual Result<std::vector<model::Namespace>> list_namespaces() = 0;

  virtual Result<ProviderInfo> info() = 0;

  // Opens the function's logs (GET /system/logs; the caller checked that the function exists).
  // The calls above block (callers run them on the blocking pool); this one is asynchronous, on
  // `executor`, because a followed stream lasts.
  virtual boost::asio::awaitable<Result<std::unique_ptr<LogFeed>>> open_logs(boost::asio::any_io_executor executor,
                                                                             provider::LogQuery query, bool follow) = 0;

  // Invocations answered through this gateway, counted in memory and written out in batches
  // (flush_invocations, called periodically and at shutdown); get/list include what is not
  // flushed yet.
  virtual void record_invocation(const std::string& ns, const std::string& name) = 0;
  virtual void flush_invocations() = 0;

  // Functions annotated com.openfaas.iam/jwt-auth: "true" are invoked only with a function token.
  static constexpr const char* kJwtAuthAnnotation = "com.openfaas.iam/jwt-auth";
  // Whether a function asks for a function token. `unknown`: the back end cannot say now (a
  // remote one is down or answers nonsense) - the caller must not invoke it, with a token or
  // without: it answers 502, closed, and does not tell an open function's callers they need a
  // token. A function that does not exist asks for none (its invocation answers 404).
  enum class TokenRule { none, required, unknown };
  // May block where the answer needs a remote lookup (RemotePlatform): callers on an I/O thread
  // ask token_rule_if_known first, and call this on the blocking pool when it says nullopt.
  virtual TokenRule token_rule(const std::string& ns, const std::string& name) const = 0;
  virtual std::optional<TokenRule> token_rule_if_known(const std::string& ns, const std::string& name) const {
    return token_rule(ns, name);
  }
};

}  // namespace faasgate::platform
