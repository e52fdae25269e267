#include "faasgate/sdk/token_auth.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "faasgate/core/json.hpp"
#include "faasgate/core/text.hpp"
#include "faasgate/model/model.hpp"
#include "renewal.hpp"

namespace faasgate::sdk {

namespace {

// A token endpoint's answer is a few KiB; one larger than this is not an answer to believe.
constexpr std::size_t kMaxExchangeAnswer = 64 * 1024;
// Function tokens kept at most; past it the idle ones that run out soonest go first.
constexpr std::size_t kMaxFunctionSlots = 1024;

std::string without_query(std::string_view url) { return std::string(url.substr(0, url.find_first_of("?#"))); }

// The subject token must never reach an error: an endpoint might echo it in a description or a
// body, so every text that leaves exchange_token has it replaced.
std::string redact(std::string text, std::string_view secret) {
  if (secret.size() < 4) return text;  // too short to mean anything, and would mangle ordinary words
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "[the subject token]");
  return text;
}

Error redacted(Error error, std::string_view secret) {
  error.message = redact(std::move(error.message), secret);
  error.body = redact(std::move(error.body), secret);
  error.oauth_description = redact(std::move(error.oauth_description), secret);
  return error;
}

// A token goes into a header as it is: only visible ASCII, so it cannot split or end one.
bool header_safe(std::string_view token) {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::string join(const std::vector<std::string>& words, char separator) {
  std::string out;
  for (const auto& w : words) {
    if (w.empty()) continue;
    if (!out.empty()) out += separator;
    out += w;
  }
  return out;
}

const boost::json::string* string_member(const boost::json::object& o, std::string_view name) {
  auto it = o.find(name);
  return it != o.end() && it->value().is_string() ? &it->value().get_string() : nullptr;
}

// RFC 6749 §5.2: {"error": "...", "error_description": "..."}; nullopt when the body is not that.
struct OAuthError {
  std::string error;
  std::string description;
};
std::optional<OAuthError> oauth_error_of(std::string_view body) {
  auto json = core::parse_json_strict(body, {.max_bytes = kMaxExchangeAnswer, .max_depth = 8});
  if (!json || !json->is_object()) return std::nullopt;
  const auto* error = string_member(json->get_object(), "error");
  if (!error || error->empty()) return std::nullopt;
  OAuthError out{core::printable(*error, 100), {}};
  if (const auto* description = string_member(json->get_object(), "error_description"))
    out.description = core::printable(*description, 500);
  return out;
}

Result<ExchangedToken> parse_exchanged(std::string_view body, const std::string& what) {
  auto bad = [&](const std::string& why) { return core::fail(Error{ErrorKind::bad_response, what + ": the answer is not a token: " + why}); };
  auto json = core::parse_json_strict(body, {.max_bytes = kMaxExchangeAnswer, .max_depth = 8});
  if (!json) return bad("not JSON (" + json.error().detail + ")");
  if (!json->is_object()) return bad("not a JSON object");
  const auto& o = json->get_object();
  ExchangedToken token;
  const auto* access_token = string_member(o, "access_token");
  if (!access_token || !header_safe(*access_token)) return bad("no access_token, or one that cannot be sent in a header");
  token.access_token = core::Secret(std::string(*access_token));
  // RFC 8693 §2.2.1 requires token_type; the gateway always says Bearer, and a token of another
  // type would be sent wrongly as "Bearer <token>".
  if (auto it = o.find("token_type"); it != o.end()) {
    const auto* type = string_member(o, "token_type");
    if (!type || !equal_ignoring_case(*type, "bearer")) return bad("its token_type is not Bearer");
    token.token_type = std::string(*type);
  } else {
    token.token_type = "Bearer";
  }
  if (const auto* issued = string_member(o, "issued_token_type")) token.issued_token_type = core::printable(*issued, 200);
  if (const auto* scope = string_member(o, "scope")) token.scope = core::printable(*scope, 1000);
  if (auto it = o.find("expires_in"); it != o.end() && !it->value().is_null()) {
    const auto& v = it->value();
    double seconds = -1;
    if (v.is_int64()) seconds = static_cast<double>(v.get_int64());
    else if (v.is_uint64()) seconds = static_cast<double>(v.get_uint64());
    else if (v.is_double()) seconds = v.get_double();
    if (!std::isfinite(seconds) || seconds < 0) return bad("its expires_in is not a number of seconds");
    const double capped = std::min(seconds, static_cast<double>(renewal::kMaxLifetime.count()));
    token.expires_in = std::chrono::seconds(static_cast<std::chrono::seconds::rep>(capped));
    // A lifetime under a second is still a lifetime, not "no expiry".
    if (token.expires_in.count() == 0 && seconds > 0) token.expires_in = std::chrono::seconds(1);
  }
  return token;
}

std::string duration_text(std::chrono::steady_clock::duration d) {
  const auto ms = std::max<long long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  if (ms < 10000) return std::to_string(ms) + " ms";
  return std::to_string((ms + 500) / 1000) + " s";
}

}  // namespace

Result<ExchangedToken> exchange_token(HttpTransport& transport, const ExchangeRequest& request) {
  const std::string what = "token exchange at " + without_query(request.token_url);
  const std::string_view subject = request.subject_token.reveal();
  if (subject.empty()) return core::fail(Error{ErrorKind::token_source, what + ": the ID token to exchange is empty"});

  HttpRequest http;
  http.method = "POST";
  http.url = request.token_url;
  http.timeout = request.timeout;
  http.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                  {"Accept", "application/json"},
                  {"User-Agent", request.user_agent.empty() ? std::string("faasgate-sdk-cpp") : request.user_agent}};
  http.body = "grant_type=" + form_escape(kTokenExchangeGrant) + "&subject_token_type=" + form_escape(kIdTokenType) +
              "&subject_token=" + form_escape(subject);
  for (const auto& audience : request.audiences)
    if (!audience.empty()) http.body += "&audience=" + form_escape(audience);
  if (auto scope = join(request.scopes, ' '); !scope.empty()) http.body += "&scope=" + form_escape(scope);

  auto answer = transport.send(http);
  // The form (and so the subject token) is wiped with the request, not left in freed memory.
  const core::Secret form(std::move(http.body));
  if (!answer) {
    Error error = std::move(answer).error();
    error.message = what + ": " + error.message;
    return core::fail(redacted(std::move(error), subject));
  }
  const HttpResponse& response = *answer;
  if (response.status >= 200 && response.status <= 299) {
    auto token = parse_exchanged(response.body, what);
    if (!token) return core::fail(redacted(std::move(token).error(), subject));
    return token;
  }
  if (response.status == 400) {
    if (auto oauth = oauth_error_of(response.body)) {
      Error error;
      error.kind = ErrorKind::exchange;
      error.status = 400;
      error.body = response.body.substr(0, Error::kMaxBody);
      error.oauth_error = oauth->error;
      error.oauth_description = oauth->description;
      error.message = what + " was refused: " + oauth->error;
      if (!oauth->description.empty()) error.message += ": " + oauth->description;
      return core::fail(redacted(std::move(error), subject));
    }
  }
  return core::fail(redacted(status_error(what, response.status, response.body), subject));
}

namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// One kind of token: the API token, or one function's. Its audiences and scopes are fixed when
// it is made; the rest is guarded by Impl::mutex.
struct Slot {
  std::string what;  // "the API token", "the function token for ns:fn": for messages
  std::vector<std::string> audiences;
  std::vector<std::string> scopes;

  std::optional<core::Secret> authorization;  // "Bearer <token>"
  TimePoint expires_at{};
  TimePoint renew_at{};
  bool used = false;               // taken by a caller since it was exchanged: worth renewing ahead
  bool renewal_requested = false;  // a caller woke the renewer for it, and no exchange has run since

  bool in_flight = false;
  std::uint64_t attempts = 0;         // finished exchanges: a waiter sees its one is done
  std::optional<Error> last_failure;  // why there is no token, while next_attempt is ahead
  bool failure_is_rejection = false;
  unsigned failures = 0;  // exchanges failed in a row
  TimePoint next_attempt{};

  unsigned rejections = 0;            // tokens the gateway rejected in a row
  bool dropped_by_rejection = false;  // the token an exchange replaces was rejected, not run out
  std::size_t waiters = 0;            // callers waiting for this slot's exchange: not to be evicted

  bool valid(TimePoint t) const { return authorization && t < expires_at; }
};

}  // namespace

struct TokenAuth::Impl {
  std::string token_url;
  std::shared_ptr<TokenSource> source;
  TokenAuthOptions options;
  renewal::Policy policy;

  mutable std::mutex mutex;
  std::condition_variable exchanged;  // a slot's exchange finished
  std::condition_variable renewer_wake;
  std::map<std::string, Slot, std::less<>> slots;  // "" is the API token; "ns:fn" a function's
  TokenAuthStats stats;
  std::mt19937_64 random{std::random_device{}()};
  TimePoint next_sweep{};
  bool stopping = false;
  std::thread renewer;

  TimePoint now() const { return options.now(); }

  // Uniform in [-1, 1]; under the mutex.
  double draw() { return std::uniform_real_distribution<double>(-1.0, 1.0)(random); }

  Slot& api_slot() { return slots.find(std::string_view())->second; }

  // The one exchange for `slot`, made with the mutex released; the slot is updated with its
  // outcome before the mutex is held again by anyone else. `ahead`: the slot still has a token.
  Result<core::Secret> exchange(std::unique_lock<std::mutex>& lock, Slot& slot, bool ahead) {
    slot.in_flight = true;
    ++stats.exchanges;
    // The token's lifetime counts from before the request: the answer's latency is not ours to spend.
    const TimePoint started = now();
    lock.unlock();
    Result<ExchangedToken> answer = fetch(slot);
    lock.lock();
    slot.in_flight = false;
    slot.renewal_requested = false;
    ++slot.attempts;
    exchanged.notify_all();
    renewer_wake.notify_one();
    if (!answer) {
      ++stats.failed_exchanges;
      ++slot.failures;
      slot.last_failure = answer.error();
      slot.failure_is_rejection = false;
      slot.next_attempt = now() + renewal::backoff(slot.failures, policy, draw());
      return core::fail(std::move(answer).error());
    }
    const auto plan = renewal::schedule(started, answer->expires_in, policy, draw());
    slot.authorization = core::Secret("Bearer " + std::string(answer->access_token.reveal()));
    slot.expires_at = plan.expires_at;
    slot.renew_at = plan.renew_at;
    slot.used = false;
    slot.failures = 0;
    slot.last_failure.reset();
    slot.next_attempt = {};
    // A token that ran out or was renewed ahead was accepted: the chain of rejections is over.
    if (!slot.dropped_by_rejection) slot.rejections = 0;
    slot.dropped_by_rejection = false;
    if (ahead) ++stats.renewed_ahead;
    return *slot.authorization;
  }

  // Outside the mutex. Nothing here may throw into exchange(): the slot would stay in flight.
  Result<ExchangedToken> fetch(const Slot& slot) {
    try {
      if (!source) return core::fail(Error{ErrorKind::token_source, "no TokenSource to get an ID token from"});
      auto subject = source->token();
      if (!subject) return core::fail(Error{ErrorKind::token_source, "no ID token to exchange: " + subject.error()});
      ExchangeRequest request;
      request.token_url = token_url;
      request.subject_token = std::move(*subject);
      request.audiences = slot.audiences;
      request.scopes = slot.scopes;
      request.user_agent = options.user_agent;
      request.timeout = options.timeout;
      return exchange_token(*options.transport, request);
    } catch (const std::bad_alloc&) {
      return core::fail(Error{ErrorKind::transport, "out of memory during the token exchange"});
    } catch (...) {
      // What a throwing TokenSource or transport says is not ours to repeat: it may hold a token.
      return core::fail(Error{ErrorKind::transport, "the token exchange threw an exception"});
    }
  }

  Error backoff_error(const Slot& slot, TimePoint t) const {
    Error error = slot.last_failure ? *slot.last_failure : Error{ErrorKind::exchange, "no token"};
    const std::string next = duration_text(slot.next_attempt - t);
    if (slot.failure_is_rejection)
      error.message = "no " + slot.what + ": " + error.message + "; the next exchange is in " + next;
    else
      error.message = "no " + slot.what + ": the last exchange failed and the next attempt is in " + next + " (" +
                      error.message + ")";
    return error;
  }

  Result<core::Secret> get(std::unique_lock<std::mutex>& lock, Slot& slot) {
    for (;;) {
      const TimePoint t = now();
      if (slot.valid(t)) {
        if (!slot.used) {
          slot.used = true;
          if (options.background_renewal) renewer_wake.notify_one();  // it now has this one to schedule
        }
        if (t >= slot.renew_at && !slot.in_flight && t >= slot.next_attempt) {
          if (options.background_renewal) {
            // The renewer's timer may be far off (or on another clock, in a test): wake it now.
            if (!slot.renewal_requested) {
              slot.renewal_requested = true;
              renewer_wake.notify_one();
            }
          } else {
            // No renewer: this caller renews; the others keep the still-valid token meanwhile.
            auto renewed = exchange(lock, slot, true);
            if (renewed) {
              slot.used = true;
              return renewed;
            }
            if (slot.valid(now())) return *slot.authorization;
            continue;
          }
        }
        return *slot.authorization;
      }
      if (slot.in_flight) {
        const auto seen = slot.attempts;
        ++slot.waiters;
        exchanged.wait(lock, [&] { return slot.attempts != seen; });
        --slot.waiters;
        // The exchange waited for failed: its failure is the answer, not another exchange.
        if (slot.last_failure && !slot.valid(now())) return core::fail(*slot.last_failure);
        continue;
      }
      if (t < slot.next_attempt) return core::fail(backoff_error(slot, t));
      auto fresh = exchange(lock, slot, false);
      // Returned even if it ran out already (a token of a second, a slow answer): it is the newest.
      if (fresh) slot.used = true;
      return fresh;
    }
  }

  bool reject(Slot& slot, const core::Secret& authorization) {
    if (!slot.authorization || !(*slot.authorization == authorization)) return true;  // already replaced
    const TimePoint t = now();
    slot.authorization.reset();
    slot.used = false;
    slot.dropped_by_rejection = true;
    ++slot.rejections;
    ++stats.rejected;
    if (slot.rejections == 1) {
      // A revoked token is replaced at once, even inside a backoff: that is one attempt.
      slot.next_attempt = std::min(slot.next_attempt, t);
    } else {
      // The gateway rejects what it has just issued (a revoked subject, a clock far off):
      // exchanging again on every 401 would be a storm, so rejections back off like failures.
      slot.next_attempt = std::max(slot.next_attempt, t + renewal::backoff(slot.rejections - 1, policy, draw()));
      slot.last_failure = Error{ErrorKind::unauthorized,
                                "the gateway rejected the last " + std::to_string(slot.rejections) + " tokens it issued"};
      slot.last_failure->status = 401;
      slot.failure_is_rejection = true;
    }
    return true;
  }

  // Function slots nobody holds and whose token has run out go; a slot inside a backoff stays,
  // or forgetting it would let the next call exchange at once.
  void sweep(TimePoint t) {
    for (auto it = slots.begin(); it != slots.end();) {
      const Slot& s = it->second;
      const bool idle = !it->first.empty() && !s.in_flight && s.waiters == 0 && t >= s.next_attempt && !s.valid(t);
      it = idle ? slots.erase(it) : std::next(it);
    }
  }

  void sweep_now_and_then(TimePoint t) {
    if (t < next_sweep) return;
    sweep(t);
    next_sweep = t + std::chrono::seconds(1);
  }

  Slot& function_slot(const std::string& key) {
    if (auto it = slots.find(key); it != slots.end()) return it->second;
    const TimePoint t = now();
    if (slots.size() > kMaxFunctionSlots) sweep(t);
    if (slots.size() > kMaxFunctionSlots) {
      // Still full of live tokens: the idle one that runs out soonest makes room.
      auto victim = slots.end();
      for (auto it = slots.begin(); it != slots.end(); ++it) {
        const Slot& s = it->second;
        if (it->first.empty() || s.in_flight || s.waiters != 0) continue;
        if (victim == slots.end() || s.expires_at < victim->second.expires_at) victim = it;
      }
      if (victim != slots.end()) slots.erase(victim);
    }
    Slot& slot = slots[key];
    slot.what = "function token for " + key;
    slot.audiences = {key};
    slot.scopes = {"function"};
    return slot;
  }

  // The background thread: renews each used token once its renew_at has passed, and sleeps
  // until the earliest such time, a caller's wake-up or the stop.
  void renew_loop() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      const TimePoint t = now();
      sweep_now_and_then(t);
      Slot* due = nullptr;
      TimePoint wake = TimePoint::max();
      for (auto& [key, slot] : slots) {
        if (!key.empty() && !slot.in_flight && slot.waiters == 0 && slot.authorization)
          wake = std::min(wake, std::max(slot.expires_at, next_sweep));  // to evict it when it runs out
        // A token nobody took since its exchange is not renewed: an idle program exchanges nothing.
        if (slot.in_flight || !slot.used || !slot.valid(t)) continue;
        const TimePoint at = std::max(slot.renew_at, slot.next_attempt);
        if (at <= t) {
          due = &slot;
          break;
        }
        wake = std::min(wake, at);
      }
      if (due) {
        (void)exchange(lock, *due, true);  // a failure is kept in the slot and backs off
        continue;
      }
      if (wake == TimePoint::max())
        renewer_wake.wait(lock);
      else
        renewer_wake.wait_for(lock, wake - t);
    }
  }
};

TokenAuth::TokenAuth(std::string token_url, std::shared_ptr<TokenSource> source, TokenAuthOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->token_url = std::move(token_url);
  impl_->source = std::move(source);
  if (!options.transport) options.transport = make_curl_transport();
  if (!options.now) options.now = [] { return std::chrono::steady_clock::now(); };
  impl_->policy = renewal::sanitized({options.renew_fraction, options.jitter, options.unbounded_lifetime,
                                      options.min_backoff, options.max_backoff});
  impl_->options = std::move(options);
  Slot& api = impl_->slots[std::string()];
  api.what = "API token";
  api.audiences = impl_->options.audiences;
  api.scopes = impl_->options.scopes;
  if (impl_->options.background_renewal) impl_->renewer = std::thread([impl = impl_.get()] { impl->renew_loop(); });
}

TokenAuth::~TokenAuth() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->renewer_wake.notify_all();
  if (impl_->renewer.joinable()) impl_->renewer.join();
}

Result<core::Secret> TokenAuth::authorization() {
  std::unique_lock lock(impl_->mutex);
  return impl_->get(lock, impl_->api_slot());
}

bool TokenAuth::rejected(const core::Secret& authorization) {
  std::lock_guard lock(impl_->mutex);
  return impl_->reject(impl_->api_slot(), authorization);
}

Result<core::Secret> TokenAuth::function_authorization(std::string_view namespace_, std::string_view name) {
  if (!model::valid_name(namespace_) || !model::valid_name(name))
    return core::fail(Error{ErrorKind::bad_request, "not a function name: " + core::printable(name, 64) + "." +
                                                        core::printable(namespace_, 64)});
  const std::string key = std::string(namespace_) + ":" + std::string(name);
  std::unique_lock lock(impl_->mutex);
  impl_->sweep_now_and_then(impl_->now());
  return impl_->get(lock, impl_->function_slot(key));
}

bool TokenAuth::function_rejected(std::string_view namespace_, std::string_view name, const core::Secret& authorization) {
  const std::string key = std::string(namespace_) + ":" + std::string(name);
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->slots.find(key);
  if (it == impl_->slots.end()) return true;  // evicted: the next call exchanges anyway
  return impl_->reject(it->second, authorization);
}

TokenAuthStats TokenAuth::stats() const {
  std::lock_guard lock(impl_->mutex);
  TokenAuthStats stats = impl_->stats;
  stats.function_tokens = impl_->slots.size() - 1;
  return stats;
}

const std::string& TokenAuth::token_url() const noexcept { return impl_->token_url; }

}  // namespace faasgate::sdk
