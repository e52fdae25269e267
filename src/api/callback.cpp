#include "api/callback.hpp"

#include <curl/curl.h>

#include <sys/socket.h>

#include <memory>
#include <mutex>

namespace faasgate::api {

namespace {

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

bool valid_callback_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  auto scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  if (url.size() > 2048) return false;
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  return url.size() > scheme_end + 3;
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
