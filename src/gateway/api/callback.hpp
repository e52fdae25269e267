#pragma once
// POSTs an async invocation's result to its X-Callback-Url (libcurl, blocking: run it on the
// blocking pool). Bounded in time and size; redirects are not followed.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faasgate/api/address_policy.hpp"

struct addrinfo;

namespace faasgate::api {

struct CallbackRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::seconds timeout{10};
  const AddressPolicy* policy = nullptr;  // where the callback may connect; nullptr: the defaults
};

struct CallbackOutcome {
  bool delivered = false;  // a 2xx answer
  bool refused = false;    // the address is not allowed: retrying cannot help
  long status = 0;         // 0 when there was no HTTP answer
  std::string error;       // why not delivered
};

CallbackOutcome post_callback(const CallbackRequest& request);

// Why a caller's X-Callback-Url is refused when the call is accepted, or nullopt: it must be an
// absolute http(s) URL of at most 2 KiB, and a literal IP address in it must be one the policy
// allows. A host name (letters, digits, '-', '_', '.') is checked when the callback is made, on
// every address it resolves to then; post_callback() connects only to those checked addresses.
std::optional<std::string> refuse_callback_url(std::string_view url, const AddressPolicy& policy);

// Why a name that resolved to `addresses` (getaddrinfo's list) is refused, or nullopt: one
// address the policy refuses refuses the name, whatever the others are.
std::optional<std::string> refuse_resolved(const addrinfo* addresses, const AddressPolicy& policy);

}  // namespace faasgate::api
