#pragma once
// What both of the tree's libcurl users - the gateway's http_client and the SDK's transport -
// need of libcurl's C API in C++: one global initialisation, and handles that free themselves.
// Header-only and not installed: it is included by their .cpp files alone, never by a public
// header.
#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace faasgate::curl {

// curl_global_init is not thread-safe and must precede every other call: once per process.
inline void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  });
}

struct EasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;

struct ListDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using ListPtr = std::unique_ptr<curl_slist, ListDeleter>;

// Appends to a curl list; false when curl could not (out of memory), the list kept as it was.
inline bool append(ListPtr& list, const std::string& item) {
  curl_slist* longer = curl_slist_append(list.get(), item.c_str());
  if (!longer) return false;
  (void)list.release();  // curl_slist_append returned the same list, longer
  list.reset(longer);
  return true;
}

// The options both clients hold every transfer to: http and https only; a redirect is an answer,
// never followed (a token or a callback's body is not sent on to another host); no signals (DNS
// timeouts would raise SIGALRM in a process of many threads); TLS 1.2 or later with the peer and
// its host name verified, against `ca_file` when given. Then the request itself: URL, method,
// body (none for GET and HEAD) and headers; the strings must outlive the transfer. False when
// curl refused an option (out of memory): the transfer must not run.
inline bool set_common_options(CURL* h, const std::string& url, const std::string& method, const std::string& body,
                               curl_slist* headers, const std::string* ca_file) {
  bool ok = true;
  auto set = [&](CURLoption opt, auto value) { ok = ok && curl_easy_setopt(h, opt, value) == CURLE_OK; };
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_NOSIGNAL, 1L);
  if (method == "GET") {
    set(CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else {
    set(CURLOPT_POSTFIELDS, body.data());
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (method != "POST") set(CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  set(CURLOPT_HTTPHEADER, headers);
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (ca_file) set(CURLOPT_CAINFO, ca_file->c_str());
  return ok;
}

}  // namespace faasgate::curl
