#pragma once
// POSTs an async invocation's result to its X-Callback-Url, and the audit log's events to its
// webhook, through the gateway's HttpClient (blocking: run it on the blocking pool). Bounded in
// time; redirects are not followed; the connection goes only where the address policy allows
// (the client resolves a name once, checks every address and pins the connection to them).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faasgate/http_client/address_policy.hpp"
#include "faasgate/http_client/http_client.hpp"

namespace faasgate::queue {

// The policy api applies to callbacks (--callback-deny): the client's.
using http_client::AddressPolicy;

struct CallbackRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::seconds timeout{10};
  const AddressPolicy* policy = nullptr;  // where the callback may connect; nullptr: the defaults
};

struct CallbackOutcome {
  bool delivered = false;  // a 2xx answer
  bool refused = false;    // the URL or its address is not allowed: retrying cannot help
  long status = 0;         // 0 when there was no HTTP answer
  std::string error;       // why not delivered
};

CallbackOutcome post_callback(http_client::HttpClient& client, const CallbackRequest& request);

// Why a caller's X-Callback-Url is refused when the call is accepted, or nullopt: it must be an
// absolute http(s) URL of at most 2 KiB, and a literal IP address in it must be one the policy
// allows. A host name (letters, digits, '-', '_', '.') is checked when the callback is made, on
// every address it resolves to then; the client connects only to those checked addresses.
std::optional<std::string> refuse_callback_url(std::string_view url, const AddressPolicy& policy);

}  // namespace faasgate::queue
