#include "faasgate/oidc/curl_fetcher.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <stdexcept>

namespace faasgate::oidc {

namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  });
}

struct EasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;

struct Sink {
  std::string body;
  std::size_t limit = 0;
  bool overflow = false;
};

// Returning less than size*nmemb makes curl abort the transfer with CURLE_WRITE_ERROR.
std::size_t on_body(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t n = size * nmemb;
  if (n > sink->limit - sink->body.size()) {
    sink->overflow = true;
    return 0;
  }
  sink->body.append(data, n);
  return n;
}

FetchErrc classify(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return FetchErrc::timeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: return FetchErrc::connect_failed;
    case CURLE_FILESIZE_EXCEEDED: return FetchErrc::too_large;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return FetchErrc::bad_url;
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
    case CURLE_SSL_SHUTDOWN_FAILED: return FetchErrc::tls_failed;
    default: return FetchErrc::transport;
  }
}

std::optional<std::chrono::seconds> response_max_age(CURL* h) {
  std::optional<std::chrono::seconds> result;
  std::size_t amount = 1;
  for (std::size_t i = 0; i < amount; ++i) {
    curl_header* header = nullptr;
    if (curl_easy_header(h, "Cache-Control", i, CURLH_HEADER, -1, &header) != CURLHE_OK || !header) break;
    amount = header->amount;
    if (auto v = parse_max_age(header->value ? header->value : "")) result = result ? std::min(*result, *v) : *v;
  }
  return result;
}

}  // namespace

CurlFetcher::CurlFetcher(CurlFetcherOptions options) : options_(std::move(options)) { global_init_once(); }

core::Expected<FetchResponse, FetchError> CurlFetcher::get(const FetchRequest& request) {
  if (auto ok = check_fetch_url(request.url); !ok) {
    FetchError e = ok.error();
    e.detail = "GET " + request.url + ": " + e.detail;
    return core::fail(std::move(e));
  }
  auto fail = [&](FetchErrc code, std::string why, long status = 0) {
    return core::fail(FetchError{code, status, "GET " + request.url + ": " + why});
  };

  EasyPtr easy{curl_easy_init()};
  if (!easy) return fail(FetchErrc::transport, "curl_easy_init failed");
  CURL* h = easy.get();
  char errbuf[CURL_ERROR_SIZE] = {0};
  Sink sink;
  sink.limit = request.limits.max_body_bytes;
  sink.body.reserve(std::min<std::size_t>(sink.limit, 16 * 1024));

  // Failures of curl_easy_setopt are only possible for out-of-memory or unknown options; any of
  // them that matter for security (protocols, TLS verification) are checked.
  bool ok = true;
  auto set = [&](CURLoption opt, auto value) { ok = ok && curl_easy_setopt(h, opt, value) == CURLE_OK; };
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we run on many threads
  set(CURLOPT_HTTPGET, 1L);
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (request.ca_file) set(CURLOPT_CAINFO, request.ca_file->c_str());
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.limits.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.limits.total_timeout.count()));
  set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.limits.max_body_bytes));
  set(CURLOPT_WRITEFUNCTION, &on_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&sink));
  set(CURLOPT_ERRORBUFFER, static_cast<char*>(errbuf));
  set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (!options_.use_environment_proxy || is_loopback_url(request.url)) set(CURLOPT_PROXY, "");
  if (!ok) return fail(FetchErrc::transport, "could not configure the transfer");

  const CURLcode rc = curl_easy_perform(h);
  if (sink.overflow) {
    return fail(FetchErrc::too_large, "body larger than " + std::to_string(sink.limit) + " bytes");
  }
  if (rc != CURLE_OK) {
    std::string why = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    return fail(classify(rc), why);
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    std::string why = "HTTP status " + std::to_string(status);
    if (status >= 300 && status < 400) why += " (redirects are not followed)";
    return fail(FetchErrc::http_status, why, status);
  }
  FetchResponse response;
  response.status = status;
  response.body = std::move(sink.body);
  response.max_age = response_max_age(h);
  return response;
}

}  // namespace faasgate::oidc
