#include "callback.hpp"

#include <curl/curl.h>

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

namespace faasgate::api {

namespace {

constexpr std::size_t kMaxCallbackUrlBytes = 2048;

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

// Refuses, at connect time, an address the policy does not allow. The last line of defence: a
// name's addresses are checked (all of them) and pinned before curl runs, see pin_host().
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

// A host name the callback may use: letters, digits, '-', '_' and '.', as DNS and /etc/hosts
// have them. Anything else (percent-encoding, which curl would decode) is refused, so that the
// name checked here is the name curl looks up - and finds pinned.
bool plain_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

std::string address_text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]";
  }
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  return text;
}

// Where a name is to be connected to: the CURLOPT_RESOLVE entries, or why not.
struct Pinned {
  std::vector<std::string> entries;  // "host:port:addr,addr"
  bool refused = false;
  std::string error;
};

// Resolves `host` once, here, checks every address it resolves to and pins curl to exactly
// those (CURLOPT_RESOLVE): curl then makes no lookup of its own, so a name that answers one
// address to the check and another to the connection (DNS rebinding) gets nowhere, and neither
// does curl's built-in "localhost" (both loopbacks, whatever /etc/hosts says). One refused
// address refuses the name: which address curl would try first is not ours to predict.
Pinned pin_host(const std::string& host, unsigned port, const AddressPolicy& policy) {
  Pinned out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0) {
    out.error = std::string("cannot resolve the callback's host: ") + gai_strerror(rc);  // may recover: retried
    return out;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  if (auto why = refuse_resolved(list.get(), policy)) {
    out.refused = true;
    out.error = *why;
    return out;
  }
  std::string addresses;
  for (const addrinfo* a = list.get(); a; a = a->ai_next) {
    auto text = address_text(a->ai_addr);
    if (("," + addresses + ",").find("," + text + ",") != std::string::npos) continue;
    if (!addresses.empty()) addresses += ',';
    addresses += text;
  }
  if (addresses.empty()) {
    out.error = "the callback's host resolves to no address";
    return out;
  }
  // curl may look the name up with or without a trailing dot: pin both spellings.
  std::string bare = host;
  while (!bare.empty() && bare.back() == '.') bare.pop_back();
  for (const auto& name : {bare, bare + "."}) out.entries.push_back(name + ":" + std::to_string(port) + ":" + addresses);
  return out;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::optional<std::string> refuse_resolved(const addrinfo* addresses, const AddressPolicy& policy) {
  for (const addrinfo* a = addresses; a; a = a->ai_next) {
    if (a->ai_addr == nullptr || !policy.allowed(a->ai_addr)) {
      return "the callback's host resolves to an address the gateway does not call back (link-local, unspecified or "
             "--callback-deny)";
    }
  }
  return std::nullopt;
}

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
    case boost::urls::host_type::name:
      // Checked on every address it resolves to when the callback is made (it may resolve
      // differently by then).
      if (!plain_host_name(parsed->encoded_host())) return "X-Callback-Url's host must be an IP address or a DNS name";
      return std::nullopt;
    default:
      return not_absolute;  // an IPvFuture literal: nothing curl could connect to
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
  const AddressPolicy& policy = request.policy ? *request.policy : defaults;
  SocketGate gate{&policy};

  // The address to connect to is decided here, not by curl: a literal is checked as it is, a
  // name is resolved once and pinned to its checked addresses.
  const auto refused = [&](std::string why) {
    outcome.refused = true;
    outcome.error = std::move(why);
    return outcome;
  };
  const std::string terminated(request.url);
  auto parsed = boost::urls::parse_absolute_uri(boost::core::string_view(terminated.data(), terminated.size()));
  if (!parsed || !parsed->has_authority()) return refused("the callback URL is not an absolute http(s) URL");
  if (auto why = refuse_callback_url(request.url, policy)) return refused(*why);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> pins(nullptr, curl_slist_free_all);
  if (parsed->host_type() == boost::urls::host_type::name) {
    unsigned port = parsed->scheme_id() == boost::urls::scheme::https ? 443 : 80;
    if (parsed->has_port() && !parsed->port().empty()) port = parsed->port_number();
    auto pinned = pin_host(std::string(parsed->encoded_host()), port, policy);
    if (pinned.refused) return refused(pinned.error);
    if (pinned.entries.empty()) {
      outcome.error = pinned.error;
      return outcome;
    }
    curl_slist* list = nullptr;
    for (const auto& entry : pinned.entries) list = curl_slist_append(list, entry.c_str());
    pins.reset(list);
  }

  CURL* h = curl.get();
  if (pins) curl_easy_setopt(h, CURLOPT_RESOLVE, pins.get());
  // No proxy, not even from the environment: the proxy would make the connection, to an
  // address no policy here sees.
  curl_easy_setopt(h, CURLOPT_PROXY, "");
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
