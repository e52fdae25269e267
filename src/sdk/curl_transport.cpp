// make_curl_transport(): the SDK's HttpTransport on libcurl, the only file of the SDK that
// includes curl. One easy handle per call; the handles share one connection cache, DNS cache and
// TLS session cache (a CURLSH with locks), so keep-alive connections are reused by every thread.
#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <stop_token>

#include "faasgate/curl/handles.hpp"
#include "faasgate/sdk/http.hpp"

namespace faasgate::sdk {

namespace {

using SteadyClock = std::chrono::steady_clock;

// The head of an answer: more than this many bytes or headers is not an API answer.
constexpr std::size_t kMaxHeadBytes = 64 * 1024;
constexpr std::size_t kMaxHeaders = 256;

using curl::append;
using curl::EasyPtr;
using curl::global_init_once;
using curl::ListPtr;

// The URL as an error may show it: no query or fragment (a query can carry a token) and no
// userinfo (a password).
std::string url_for_message(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  std::string out(url);
  const auto scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    const auto authority = scheme_end + 3;
    const auto authority_end = std::min(out.find('/', authority), out.size());
    const auto at = out.rfind('@', authority_end);
    if (at != std::string::npos && at >= authority) out.erase(authority, at + 1 - authority);
  }
  return out;
}

// A method goes into the request line as it is: a token of upper-case letters.
bool plain_method(const std::string& method) {
  return !method.empty() && method.size() <= 16 &&
         std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// A header that would split into two (CR, LF) or end early (NUL) is refused, not sent.
bool plain_header(const Header& header) {
  if (header.name.empty() || header.name.size() > 256 || header.value.size() > 16 * 1024) return false;
  for (char c : header.name)
    if (c <= ' ' || c == ':' || c == 0x7f) return false;
  return std::none_of(header.value.begin(), header.value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// What one transfer's callbacks share with the call that runs it.
struct Transfer {
  CURL* easy = nullptr;
  std::vector<Header> headers;
  std::size_t head_bytes = 0;
  bool head_too_large = false;
  bool head_arrived = false;  // the final (non-1xx) head, complete

  // send(): the whole body, up to `body_limit`.
  std::string body;
  std::size_t body_limit = 0;
  bool body_too_large = false;

  // stream(): a 2xx body goes to `sink`; another's body is kept, up to Error::kMaxBody.
  const BodySink* sink = nullptr;
  bool sink_stopped = false;
  std::exception_ptr sink_threw;
  long status = 0;
  std::stop_token stop;
  bool stopped = false;
  SteadyClock::time_point head_deadline = SteadyClock::time_point::max();
  bool head_timed_out = false;
};

std::size_t on_header(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
  if (t->head_arrived) return n;  // trailers of a chunked body: not part of the head
  t->head_bytes += n;
  if (t->head_bytes > kMaxHeadBytes) {
    t->head_too_large = true;
    return 0;
  }
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t->headers.clear();  // a new answer: after a 100 Continue, the final one starts here
    return n;
  }
  if (trim(line).empty()) {
    long code = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200) {
      t->head_arrived = true;
      t->status = code;
    }
    return n;
  }
  if (line.front() == ' ' || line.front() == '\t') {  // obsolete line folding: continues the last value
    if (!t->headers.empty()) t->headers.back().value += " " + std::string(trim(line));
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  if (t->headers.size() == kMaxHeaders) {
    t->head_too_large = true;
    return 0;
  }
  Header header;
  header.name.reserve(colon);
  for (char c : trim(line.substr(0, colon))) header.name += lower(c);
  header.value = std::string(trim(line.substr(colon + 1)));
  t->headers.push_back(std::move(header));
  return n;
}

// Returning less than size*nmemb makes curl end the transfer with CURLE_WRITE_ERROR.
std::size_t on_body(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
  if (n > t->body_limit - t->body.size()) {
    t->body_too_large = true;
    return 0;
  }
  t->body.append(data, n);
  return n;
}

std::size_t on_streamed_body(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
  if (t->status < 200 || t->status > 299) {
    // An error's body says why; past kMaxBody it says nothing more, so stop reading.
    const std::size_t room = Error::kMaxBody - t->body.size();
    t->body.append(data, std::min(n, room));
    if (n >= room) {
      t->sink_stopped = true;
      return 0;
    }
    return n;
  }
  try {
    if (!(*t->sink)(std::string_view(data, n))) {
      t->sink_stopped = true;
      return 0;
    }
  } catch (...) {
    // An exception must not unwind through curl's C frames: it is rethrown after the transfer.
    t->sink_threw = std::current_exception();
    return 0;
  }
  return n;
}

struct MultiDeleter {
  void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
};
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;

// A stream's transfer, driven by a multi handle so that it can wait for the socket and for a
// stop request at once: the stop token's callback wakes the poll (curl_multi_wakeup is the one
// multi call that is safe from another thread), and a head that is late ends it at its
// deadline. curl_easy_perform would notice either only in its progress callback, about once a
// second.
CURLcode perform_stoppable(CURL* easy, Transfer& t) {
  MultiPtr multi{curl_multi_init()};
  if (!multi || curl_multi_add_handle(multi.get(), easy) != CURLM_OK) return CURLE_OUT_OF_MEMORY;
  CURLcode result = CURLE_OK;
  {
    std::stop_callback wake(t.stop, [m = multi.get()] { curl_multi_wakeup(m); });
    int running = 1;
    while (true) {
      if (curl_multi_perform(multi.get(), &running) != CURLM_OK) {
        result = CURLE_RECV_ERROR;
        break;
      }
      if (running == 0) {
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left))
          if (msg->msg == CURLMSG_DONE) result = msg->data.result;
        break;
      }
      if (t.stop.stop_requested()) {
        t.stopped = true;
        break;
      }
      auto wait = std::chrono::milliseconds(1000);
      if (!t.head_arrived) {
        const auto now = SteadyClock::now();
        if (now >= t.head_deadline) {
          t.head_timed_out = true;
          break;
        }
        wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(t.head_deadline - now));
      }
      curl_multi_poll(multi.get(), nullptr, 0, static_cast<int>(wait.count()), nullptr);
    }
  }
  curl_multi_remove_handle(multi.get(), easy);
  return result;
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
    global_init_once();
    share_ = curl_share_init();
    if (!share_) throw std::runtime_error("curl_share_init failed");
    bool ok = curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlTransport::lock) == CURLSHE_OK &&
              curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlTransport::unlock) == CURLSHE_OK &&
              curl_share_setopt(share_, CURLSHOPT_USERDATA, static_cast<void*>(this)) == CURLSHE_OK &&
              curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) == CURLSHE_OK &&
              curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK &&
              curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK;
    if (!ok) {
      curl_share_cleanup(share_);
      throw std::runtime_error("cannot configure curl's shared connection cache");
    }
  }

  // No call is running: each holds a reference to the transport it calls through.
  ~CurlTransport() override { curl_share_cleanup(share_); }

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request) override {
    Transfer transfer;
    transfer.body_limit = options_.max_body_bytes;
    return run(request, transfer, false);
  }

  Result<HttpResponse> stream(const HttpRequest& request, const BodySink& sink, std::stop_token stop) override {
    if (stop.stop_requested()) return core::fail(Error{ErrorKind::cancelled, "the request was cancelled"});
    Transfer transfer;
    transfer.sink = &sink;
    transfer.stop = std::move(stop);
    if (request.timeout.count() > 0) transfer.head_deadline = SteadyClock::now() + request.timeout;
    auto result = run(request, transfer, true);
    if (transfer.sink_threw) std::rethrow_exception(transfer.sink_threw);
    return result;
  }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<CurlTransport*>(user)->mutex_for(data).lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) { static_cast<CurlTransport*>(user)->mutex_for(data).unlock(); }
  std::mutex& mutex_for(curl_lock_data data) {
    const auto i = static_cast<std::size_t>(data);
    return locks_[i < locks_.size() ? i : 0];
  }

  Result<HttpResponse> run(const HttpRequest& request, Transfer& transfer, bool streaming) {
    const std::string where = request.method + " " + url_for_message(request.url);
    auto fail = [&](ErrorKind kind, const std::string& why) { return core::fail(Error{kind, where + ": " + why}); };
    if (!plain_method(request.method)) return fail(ErrorKind::transport, "not a plain HTTP method");
    const bool bodiless = request.method == "GET" || request.method == "HEAD";
    if (bodiless && !request.body.empty()) return fail(ErrorKind::transport, "a " + request.method + " carries no body");

    ListPtr headers;
    for (const auto& header : request.headers) {
      if (!plain_header(header)) return fail(ErrorKind::transport, "the header " + std::string(header.name.substr(0, 64)) + " cannot be sent");
      if (!append(headers, header.name + ": " + header.value)) return fail(ErrorKind::transport, "out of memory");
    }
    // No 100-continue round trip before a body: the gateway reads it anyway.
    if (!append(headers, "Expect:")) return fail(ErrorKind::transport, "out of memory");

    EasyPtr easy{curl_easy_init()};
    if (!easy) return fail(ErrorKind::transport, "curl_easy_init failed");
    CURL* h = easy.get();
    transfer.easy = h;
    char errbuf[CURL_ERROR_SIZE] = {0};

    bool ok = true;
    auto set = [&](CURLoption opt, auto value) { ok = ok && curl_easy_setopt(h, opt, value) == CURLE_OK; };
    set(CURLOPT_SHARE, share_);
    ok = ok && curl::set_common_options(h, request.url, request.method, request.body, headers.get(),
                                        options_.ca_file.empty() ? nullptr : &options_.ca_file);
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    set(CURLOPT_HEADERFUNCTION, &on_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
    set(CURLOPT_ERRORBUFFER, static_cast<char*>(errbuf));
    if (streaming) {
      // A followed stream may be quiet for hours: no total timeout; the head's is
      // perform_stoppable's.
      set(CURLOPT_WRITEFUNCTION, &on_streamed_body);
      set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
    } else {
      if (request.timeout.count() > 0) set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
      // An announced Content-Length past the limit fails before a byte of the body is read.
      set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_body_bytes));
      set(CURLOPT_WRITEFUNCTION, &on_body);
      set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
    }
    if (!ok) return fail(ErrorKind::transport, "could not configure the transfer");

    const CURLcode rc = streaming ? perform_stoppable(h, transfer) : curl_easy_perform(h);
    if (transfer.sink_threw) return fail(ErrorKind::transport, "the body's reader threw");
    if (transfer.stopped) return fail(ErrorKind::cancelled, "cancelled");
    if (transfer.head_timed_out)
      return fail(ErrorKind::timeout, "no answer within " + std::to_string(request.timeout.count()) + " ms");
    if (transfer.head_too_large) return fail(ErrorKind::too_large, "the answer's head is larger than the limit");
    if (transfer.body_too_large || rc == CURLE_FILESIZE_EXCEEDED)
      return fail(ErrorKind::too_large, "the answer is larger than " + std::to_string(options_.max_body_bytes) + " bytes");
    const bool stopped_reading = rc == CURLE_WRITE_ERROR && transfer.sink_stopped;
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      // Either the connect or the whole exchange: curl's words say which.
      return fail(ErrorKind::timeout, errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc)));
    }
    if (rc != CURLE_OK && !stopped_reading)
      return fail(ErrorKind::transport, errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc)));

    HttpResponse response;
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    response.headers = std::move(transfer.headers);
    response.body = std::move(transfer.body);
    return response;
  }

  CurlTransportOptions options_;
  CURLSH* share_ = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks_;
};

}  // namespace

std::shared_ptr<HttpTransport> make_curl_transport(const CurlTransportOptions& options) {
  return std::make_shared<CurlTransport>(options);
}

}  // namespace faasgate::sdk
