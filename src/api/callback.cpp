#include "api/callback.hpp"

#include <curl/curl.h>

#include <sys/socket.h>

#include <netinet/in.h>

#include <boost/url/parse.hpp>

#include <cstring>
#include <memory>
#include <mutex>

namespace faasgate::api {

namespace {

constexpr std::size_t kMaxCallbackUrlBytes = 2048;

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

// Refuses, at connect time, an address the policy does not allow (after DNS, so a name cannot
// smuggle a refused address in).
struct SocketGate {
  const AddressPolicy* policy;
  bool refused = false;
};

curl_socket_t open_socket(void* data, curlsocktype purpose, struct curl_sockaddr* address) {
  auto* gate = static_cast<SocketGate*>(data);
  if (purpose != CURLSOCKTYPE_IPCXN || !gate->policy->allowed(&address->addr)) {
    gate->refused = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::optional<std::string> refuse_callback_url(std::string_view url, const AddressPolicy& policy) {
  if (url.size() > kMaxCallbackUrlBytes) return "X-Callback-Url is longer than 2048 bytes";
  const std::optional<std::string> not_absolute = "X-Callback-Url must be an absolute http(s) URL";
  if (url.find('\0') != std::string_view::npos) return not_absolute;
  // A NUL-terminated copy: Debian's Boost.URL 1.81 parsers may read up to a NUL (see form.cpp).
  const std::string terminated(url);
  auto parsed = boost::urls::parse_absolute_uri(boost::core::string_view(terminated.data(), terminated.size()));
  if (!parsed) return not_absolute;
  const auto scheme = parsed->scheme_id();
  if ((scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) || !parsed->has_authority() ||
      parsed->encoded_host().empty()) {
    return not_absolute;
  }
  sockaddr_storage address{};
  switch (parsed->host_type()) {
    case boost::urls::host_type::ipv4: {
      auto& in = reinterpret_cast<sockaddr_in&>(address);
      in.sin_family = AF_INET;
      const auto bytes = parsed->host_ipv4_address().to_bytes();
      std::memcpy(&in.sin_addr, bytes.data(), bytes.size());
      break;
    }
    case boost::urls::host_type::ipv6: {
      auto& in6 = reinterpret_cast<sockaddr_in6&>(address);
      in6.sin6_family = AF_INET6;
      const auto bytes = parsed->host_ipv6_address().to_bytes();
      std::memcpy(&in6.sin6_addr, bytes.data(), bytes.size());
      break;
    }
    default:
      return std::nullopt;  // a name: checked on the address it resolves to, at connect time
  }
  if (!policy.allowed(reinterpret_cast<const sockaddr*>(&address))) {
    return "X-Callback-Url names an address the gateway does not call back (link-local, unspecified or --callback-deny)";
  }
  return std::nullopt;
}

CallbackOutcome post_callback(const CallbackRequest& request) {
  global_init();
  CallbackOutcome outcome;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    outcome.error = "cannot create a curl handle";
    return outcome;
  }
  struct curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers, curl_slist_free_all);

  static const AddressPolicy defaults;
  SocketGate gate{request.policy ? request.policy : &defaults};

  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &gate);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count() * 1000));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "faasgate-async/1");
  CURLcode rc = curl_easy_perform(h);
  if (gate.refused) {
    outcome.refused = true;
    outcome.error = "the callback's address is not allowed (link-local, unspecified or --callback-deny)";
    return outcome;
  }
  if (rc != CURLE_OK) {
    outcome.error = curl_easy_strerror(rc);
    return outcome;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &outcome.status);
  outcome.delivered = outcome.status >= 200 && outcome.status < 300;
  if (!outcome.delivered) outcome.error = "the callback answered " + std::to_string(outcome.status);
  return outcome;
}

}  // namespace faasgate::api
