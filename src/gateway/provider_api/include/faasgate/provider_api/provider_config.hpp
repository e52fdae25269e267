#pragma once
// Where the upstream provider API is (faas-netes, faasd, `faasgate provider`) and how the
// gateway talks to it (reference §6): the operator's URL, the gateway's basic-auth credentials,
// and the bounds of every call.
//
// The URL is the operator's, not a caller's: plain http is allowed to any host (the faas-netes
// sidecar on 127.0.0.1:8081, faasd's provider on the host). https is not: invocations go through
// the invocation path's own HTTP/1.1 pool (invoke::UpstreamPool), which speaks plain TCP - run
// the gateway beside its provider, as upstream deploys them. The URL never carries credentials
// (userinfo is refused), so it can be logged and named in errors; the password is a core::Secret.
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"

namespace faasgate::provider_api {

struct ProviderAddress {
  std::string base;     // "http://host:port" + path prefix, no trailing '/': what paths are appended to
  std::string host;     // as written (a name or an IP literal, without brackets)
  unsigned short port = 80;
  std::string prefix;   // "" or "/some/prefix"
  std::string display;  // "host:port", for messages and logs
};

// http://host[:port][/prefix]; no userinfo, query or fragment. The reason, without the URL's
// text beyond its host, otherwise.
core::Expected<ProviderAddress, std::string> parse_provider_url(std::string_view url);

// The address to connect to (invocations, log streams): an IP literal as it is, a name resolved
// (the first address). Blocking; called once at start.
core::Expected<boost::asio::ip::tcp::endpoint, std::string> resolve_provider(const ProviderAddress& address);

struct ProviderConfig {
  ProviderAddress address;
  boost::asio::ip::tcp::endpoint endpoint;  // resolve_provider(address)
  std::string user;
  core::Secret password;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds system_timeout{30000};  // one /system call, all of it
  std::chrono::seconds invoke_timeout{60};          // one invocation (--provider-timeout)
  std::size_t max_answer_bytes = 32u << 20;         // a function list of many functions
  std::size_t max_error_bytes = 1024;               // of an error body, passed on as plain text
  std::size_t max_log_line_bytes = 64u << 10;       // a longer log line is skipped (and counted)
  // How long a function lookup (exists, token_rule) is believed: seen, and not seen.
  std::chrono::seconds lookup_ttl{2};
  std::chrono::seconds miss_ttl{1};
};

// "Basic base64(user:password)", for the Authorization field.
core::Secret basic_authorization(const std::string& user, const core::Secret& password);

}  // namespace faasgate::provider_api
