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

}  // namespace faasgate::curl
