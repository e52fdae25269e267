#include "faasgate/http_client/curl_http_client.hpp"

#include <curl/curl.h>

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "faasgate/curl/handles.hpp"

namespace faasgate::http_client {

namespace {

using curl::append;
using curl::EasyPtr;
using curl::global_init_once;
using curl::ListPtr;

struct Sink {
  std::string body;
  std::size_t limit = 0;
  bool discard = false;
  bool overflow = false;
};

// Returning less than size*nmemb makes curl abort the transfer with CURLE_WRITE_ERROR.
std::size_t on_body(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t n = size * nmemb;
  if (sink->discard) return n;
  if (n > sink->limit - sink->body.size()) {
    sink->overflow = true;
    return 0;
  }
  sink->body.append(data, n);
  return n;
}

// Refuses, at connect time, an address the policy does not allow. The last line of defence: a
// name's addresses are checked (all of them) and pinned before curl runs, see pin().
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

std::string address_text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]";
  }
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  return text;
}

// Decides where a policy'd request connects, before curl runs: a literal is checked as it is;
// a name is resolved once, here, every address it resolves to is checked, and curl is pinned to
// exactly those (CURLOPT_RESOLVE entries "host:port:addr,addr"). curl then makes no lookup of its
// own, so a name that answers one address to the check and another to the connection (DNS
// rebinding) gets nowhere, and neither does curl's built-in "localhost" (both loopbacks, whatever
// /etc/hosts says).
core::Expected<ListPtr, Error> pin(const std::string& url, const AddressPolicy& policy) {
  auto destination = destination_of(url);
  if (!destination) return core::fail(destination.error());
  if (destination->address) {
    if (!policy.allowed(reinterpret_cast<const sockaddr*>(&*destination->address)))
      return core::fail(Error{Errc::refused, "the address is not allowed"});
    return ListPtr{};
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(destination->name.c_str(), nullptr, &hints, &found); rc != 0)
    return core::fail(Error{Errc::connect_failed, std::string("cannot resolve the host: ") + gai_strerror(rc)});
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  if (auto why = refuse_resolved(list.get(), policy)) return core::fail(Error{Errc::refused, *why});
  std::string addresses;
  for (const addrinfo* a = list.get(); a; a = a->ai_next) {
    auto text = address_text(a->ai_addr);
    if (("," + addresses + ",").find("," + text + ",") != std::string::npos) continue;
    if (!addresses.empty()) addresses += ',';
    addresses += text;
  }
  if (addresses.empty()) return core::fail(Error{Errc::connect_failed, "the host resolves to no address"});
  // curl may look the name up with or without a trailing dot: pin both spellings.
  std::string bare = destination->name;
  while (!bare.empty() && bare.back() == '.') bare.pop_back();
  ListPtr pins;
  for (const auto& name : {bare, bare + "."}) {
    if (!append(pins, name + ":" + std::to_string(destination->port) + ":" + addresses))
      return core::fail(Error{Errc::transport, "out of memory"});
  }
  return pins;
}

Errc classify(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return Errc::timeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: return Errc::connect_failed;
    case CURLE_FILESIZE_EXCEEDED: return Errc::too_large;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return Errc::bad_url;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED: return Errc::tls_failed;
    default: return Errc::transport;
  }
}

std::optional<std::string> response_cache_control(CURL* h) {
  std::optional<std::string> result;
  std::size_t amount = 1;
  for (std::size_t i = 0; i < amount; ++i) {
    curl_header* header = nullptr;
    if (curl_easy_header(h, "Cache-Control", i, CURLH_HEADER, -1, &header) != CURLHE_OK || !header) break;
    amount = header->amount;
    result = (result ? *result + ", " : std::string()) + (header->value ? header->value : "");
  }
  return result;
}

// A method is a token of upper-case letters here: it goes into the request line as it is.
bool plain_method(const std::string& method) {
  return !method.empty() && method.size() <= 16 &&
         std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options) : options_(std::move(options)) { global_init_once(); }

Result CurlHttpClient::send(const Request& request) {
  auto fail = [](Errc code, std::string why) { return core::fail(Error{code, std::move(why)}); };
  if (!plain_method(request.method)) return fail(Errc::transport, "not a plain method");
  if (auto ok = check_url(request.url, request.plain_http_only_to_loopback); !ok)
    return fail(ok.error().code, ok.error().detail);
  ListPtr pins;
  if (request.address_policy) {
    auto pinned = pin(request.url, *request.address_policy);
    if (!pinned) return fail(pinned.error().code, pinned.error().detail);
    pins = std::move(*pinned);
  }
  ListPtr headers;
  for (const auto& [name, value] : request.headers) {
    if (!append(headers, name + ": " + value)) return fail(Errc::transport, "out of memory");
  }
  if (!append(headers, "Expect:")) return fail(Errc::transport, "out of memory");  // no 100-continue round trip

  EasyPtr easy{curl_easy_init()};
  if (!easy) return fail(Errc::transport, "curl_easy_init failed");
  CURL* h = easy.get();
  char errbuf[CURL_ERROR_SIZE] = {0};
  Sink sink;
  sink.limit = request.limits.max_body_bytes;
  sink.discard = request.discard_body;
  if (!sink.discard) sink.body.reserve(std::min<std::size_t>(sink.limit, 16 * 1024));
  SocketGate gate{request.address_policy};

  // Failures of curl_easy_setopt are only possible for out-of-memory or unknown options; any of
  // them that matter for security (protocols, TLS verification, the pins) fail the request.
  bool ok = true;
  auto set = [&](CURLoption opt, auto value) { ok = ok && curl_easy_setopt(h, opt, value) == CURLE_OK; };
  ok = curl::set_common_options(h, request.url, request.method, request.body, headers.get(),
                                request.ca_file ? &*request.ca_file : nullptr);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.limits.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.limits.total_timeout.count()));
  if (!sink.discard) set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.limits.max_body_bytes));
  set(CURLOPT_WRITEFUNCTION, &on_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&sink));
  set(CURLOPT_ERRORBUFFER, static_cast<char*>(errbuf));
  set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (request.address_policy) {
    if (pins) set(CURLOPT_RESOLVE, pins.get());
    set(CURLOPT_OPENSOCKETFUNCTION, &open_socket);
    set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&gate));
  }
  // A proxy would make the connection, to an address no policy here sees.
  if (request.address_policy || !options_.use_environment_proxy || is_loopback_url(request.url)) set(CURLOPT_PROXY, "");
  if (!ok) return fail(Errc::transport, "could not configure the transfer");

  const CURLcode rc = curl_easy_perform(h);
  if (gate.refused) return fail(Errc::refused, "the address connected to is not allowed");
  if (sink.overflow) return fail(Errc::too_large, "body larger than " + std::to_string(sink.limit) + " bytes");
  if (rc != CURLE_OK) return fail(classify(rc), errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc)));
  Response response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(sink.body);
  response.cache_control = response_cache_control(h);
  return response;
}

}  // namespace faasgate::http_client
