#include "faasgate/oidc/fetcher.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace faasgate::oidc {

std::string_view to_string(FetchErrc code) noexcept {
  switch (code) {
    case FetchErrc::bad_url: return "bad_url";
    case FetchErrc::insecure_url: return "insecure_url";
    case FetchErrc::connect_failed: return "connect_failed";
    case FetchErrc::tls_failed: return "tls_failed";
    case FetchErrc::timeout: return "timeout";
    case FetchErrc::too_large: return "too_large";
    case FetchErrc::http_status: return "http_status";
    case FetchErrc::transport: return "transport";
  }
  return "unknown";
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

FetchErrc fetch_errc(http_client::Errc code) {
  switch (code) {
    case http_client::Errc::bad_url: return FetchErrc::bad_url;
    case http_client::Errc::insecure_url: return FetchErrc::insecure_url;
    case http_client::Errc::connect_failed: return FetchErrc::connect_failed;
    case http_client::Errc::tls_failed: return FetchErrc::tls_failed;
    case http_client::Errc::timeout: return FetchErrc::timeout;
    case http_client::Errc::too_large: return FetchErrc::too_large;
    case http_client::Errc::refused:  // fetch() sets no address policy
    case http_client::Errc::transport: return FetchErrc::transport;
  }
  return FetchErrc::transport;
}

constexpr bool kPlainHttpOnlyToLoopback = true;

}  // namespace

core::Expected<void, FetchError> check_fetch_url(std::string_view url) {
  auto ok = http_client::check_url(url, kPlainHttpOnlyToLoopback);
  if (!ok) return core::fail(FetchError{fetch_errc(ok.error().code), 0, std::move(ok).error().detail});
  return {};
}

core::Expected<FetchResponse, FetchError> fetch(http_client::HttpClient& client, const FetchRequest& request) {
  http_client::Request get;
  get.url = request.url;
  get.headers = {{"User-Agent", "faasgate-oidc/0.1"}};
  get.ca_file = request.ca_file;
  get.limits = request.limits;
  get.plain_http_only_to_loopback = kPlainHttpOnlyToLoopback;
  // Key-set and discovery URLs are the operator's configuration, public endpoints: safe to log.
  const std::string what = "GET " + request.url + ": ";
  auto answer = client.send(get);
  if (!answer) return core::fail(FetchError{fetch_errc(answer.error().code), 0, what + answer.error().detail});
  if (answer->status != 200) {
    std::string why = what + "HTTP status " + std::to_string(answer->status);
    if (answer->status >= 300 && answer->status < 400) why += " (redirects are not followed)";
    return core::fail(FetchError{FetchErrc::http_status, answer->status, std::move(why)});
  }
  FetchResponse response;
  response.status = answer->status;
  response.body = std::move(answer->body);
  if (answer->cache_control) response.max_age = parse_max_age(*answer->cache_control);
  return response;
}

std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control) {
  std::optional<long long> result;
  auto take = [&](long long v) { result = result ? std::min(*result, v) : v; };
  while (!cache_control.empty()) {
    auto comma = cache_control.find(',');
    std::string_view item = trim(cache_control.substr(0, comma));
    cache_control = comma == std::string_view::npos ? std::string_view{} : cache_control.substr(comma + 1);
    auto eq = item.find('=');
    std::string_view name = trim(item.substr(0, eq));
    if (eq == std::string_view::npos) {
      if (iequals(name, "no-store") || iequals(name, "no-cache")) take(0);
      continue;
    }
    if (!iequals(name, "max-age")) continue;
    std::string_view value = trim(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;  // malformed: ignored, as if absent
    // RFC 9111 §1.2.2: a delta-seconds too large to represent is taken as 2^31.
    constexpr long long cap = 2147483648LL;
    long long v = 0;
    for (char c : value) {
      v = v * 10 + (c - '0');
      if (v >= cap) { v = cap; break; }
    }
    take(v);
  }
  if (!result) return std::nullopt;
  return std::chrono::seconds{*result};
}

}  // namespace faasgate::oidc
