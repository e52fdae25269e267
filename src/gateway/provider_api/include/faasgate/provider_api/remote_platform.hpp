#pragma once
// platform::Platform over the upstream provider API (reference §6): every /system call is
// forwarded to the provider - faas-netes, faasd or `faasgate provider` - with the gateway's
// basic-auth credentials. The provider is the source of truth for functions, secrets and
// namespaces, as upstream's gateway keeps nothing: there is no copy in the gateway's store.
//
// Requests: names go into their path segment or query value percent-encoded, so a name can
// neither add a segment ("a/../b") nor a second parameter ("x&namespace=y"); a name that is all
// dots is refused before it is sent. Every call is bounded (config's system_timeout and
// max_answer_bytes).
//
// Answers (the statuses a client sees are the gateway's canonical ones, reference §3, whatever
// the back end answers on success - faas-netes answers a secret's creation 202, faasd 200, the
// gateway 201 - so that clients see one API):
//   - 2xx: success;
//   - 401 or 403: the provider refused the gateway's own credentials. Answering the client 401
//     would tell it that its token is bad: the error is 502 and says the gateway's credentials
//     for the provider were refused (never what they are);
//   - any other 4xx or 5xx: the provider's status and its plain-text body (bounded, printable)
//     pass through, as upstream's gateway passes them;
//   - 1xx/3xx (redirects are never followed) or an unreadable body: 502, naming the provider;
//   - unreachable or too slow: Errc::unavailable (502), naming the provider (its host and port).
//
// Function lookups (exists, token_rule) are cached for a short time (lookup_ttl; a function
// not found, miss_ttl) and dropped when a deploy, update or delete goes through this gateway.
// The attack: a tenant who can change functions on the back end directly (kubectl, faas-cli
// against the provider) drops the jwt-auth annotation; the gateway believes the old answer for
// at most lookup_ttl. A lookup that fails (the provider is down, answers 5xx or nonsense) is
// TokenRule::unknown, for a function never seen as for one seen open before: the gateway
// invokes it neither with a token nor without (502), closed, not open.
// A function not found is remembered for miss_ttl: one deployed on the back end meanwhile is
// invoked without the guard for at most that long.
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "faasgate/http_client/http_client.hpp"
#include "faasgate/platform/platform.hpp"
#include "faasgate/provider_api/provider_config.hpp"

namespace faasgate::provider_api {

// What a lookup of one function found.
struct FunctionLookup {
  enum class State { found, not_found, unknown };  // unknown: the provider could not say
  State state = State::unknown;
  platform::Platform::TokenRule rule = platform::Platform::TokenRule::unknown;  // closed until the provider says
};

class RemotePlatform final : public platform::Platform {
 public:
  RemotePlatform(http_client::HttpClient& http, ProviderConfig config, const core::Clock& clock);

  platform::Result<void> deploy(const model::FunctionDeployment& fn, core::Instant now) override;
  platform::Result<void> update(const model::FunctionDeployment& fn) override;
  platform::Result<void> remove(const std::string& ns, const std::string& name) override;
  platform::Result<void> scale(const std::string& ns, const std::string& name, std::uint32_t replicas) override;
  platform::Result<model::FunctionStatus> get(const std::string& ns, const std::string& name) override;
  platform::Result<std::vector<model::FunctionStatus>> list(const std::string& ns) override;

  platform::Result<void> create_secret(const model::SecretRef& ref, const core::Secret& value) override;
  platform::Result<void> update_secret(const model::SecretRef& ref, const core::Secret& value) override;
  platform::Result<void> delete_secret(const model::SecretRef& ref) override;
  platform::Result<std::vector<model::SecretRef>> list_secrets(const std::string& ns) override;

  platform::Result<void> create_namespace(const model::Namespace& ns) override;
  platform::Result<void> update_namespace(const model::Namespace& ns) override;
  platform::Result<void> delete_namespace(const std::string& name) override;
  platform::Result<model::Namespace> get_namespace(const std::string& name) override;
  platform::Result<std::vector<model::Namespace>> list_namespaces() override;

  platform::Result<platform::ProviderInfo> info() override;
  boost::asio::awaitable<platform::Result<std::unique_ptr<platform::LogFeed>>> open_logs(
      boost::asio::any_io_executor executor, provider::LogQuery query, bool follow) override;

  // Counted in memory only (the provider keeps its own counts; these are the calls this gateway
  // answered since it started), added to invocationCount in get and list.
  void record_invocation(const std::string& ns, const std::string& name) override;
  void flush_invocations() override {}

  // May block (a lookup at the provider): call it off the I/O threads, or ask
  // token_rule_if_known first.
  TokenRule token_rule(const std::string& ns, const std::string& name) const override;
  std::optional<TokenRule> token_rule_if_known(const std::string& ns, const std::string& name) const override;

  // The function as the provider last said, from the cache when fresh; blocking otherwise.
  FunctionLookup lookup(const std::string& ns, const std::string& name) const;
  std::optional<FunctionLookup> cached_lookup(const std::string& ns, const std::string& name) const;

  const ProviderConfig& config() const noexcept { return config_; }

 private:
  struct Cached {
    FunctionLookup lookup;
    core::Instant at;
  };
  platform::Result<http_client::Response> call(const std::string& method, const std::string& path_and_query,
                                               std::string body = {}) const;
  platform::Result<void> expect_ok(const std::string& method, const std::string& path_and_query, std::string body = {});
  void forget(const std::string& ns, const std::string& name);
  void add_counts(model::FunctionStatus& status);

  http_client::HttpClient& http_;
  ProviderConfig config_;
  core::Secret authorization_;
  const core::Clock& clock_;
  mutable std::mutex mu_;
  mutable std::map<std::pair<std::string, std::string>, Cached> lookups_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> counts_;
};

}  // namespace faasgate::provider_api
