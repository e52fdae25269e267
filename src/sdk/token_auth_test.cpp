// exchange_token and TokenAuth over a FakeTransport and a fake clock: what is sent, what is
// believed, and when an exchange happens - once for many callers, ahead of need, after a backoff.
#include "faasgate/sdk/token_auth.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <thread>

#include "faasgate/core/form.hpp"
#include "fake_transport.hpp"

namespace faasgate::sdk {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;
using testing::answer;

constexpr const char* kTokenUrl = "https://gw.example/oauth/token";
constexpr const char* kSubject = "eyJhbGciOiJSUzI1NiJ9.the-subject-token.signature";

// The time TokenAuth sees: moves only when a test moves it.
class FakeTime {
 public:
  std::chrono::steady_clock::time_point now() const { return base_ + std::chrono::nanoseconds(offset_.load()); }
  void advance(std::chrono::nanoseconds d) { offset_ += d.count(); }

 private:
  std::chrono::steady_clock::time_point base_ = std::chrono::steady_clock::time_point{} + std::chrono::hours(1000);
  std::atomic<std::int64_t> offset_{0};
};

std::string token_answer(const std::string& token, long long expires_in) {
  return R"({"access_token":")" + token +
         R"(","issued_token_type":"urn:ietf:params:oauth:token-type:id_token","token_type":"Bearer","expires_in":)" +
         std::to_string(expires_in) + "}";
}

// A gateway's /oauth/token: the n-th exchange answers "at-<n>", living `expires_in`.
struct FakeGateway {
  std::atomic<int> exchanges{0};
  std::atomic<long long> expires_in{101};
  std::function<std::optional<Result<HttpResponse>>(int)> override_answer;  // for exchange n, if set

  std::shared_ptr<FakeTransport> transport() {
    return std::make_shared<FakeTransport>([this](const HttpRequest&) -> Result<HttpResponse> {
      const int n = ++exchanges;
      if (override_answer)
        if (auto a = override_answer(n)) return *a;
      return answer(200, token_answer("at-" + std::to_string(n), expires_in.load()),
                    {{"content-type", "application/json"}, {"cache-control", "no-store"}});
    });
  }
};

core::FormParams form_of(const HttpRequest& request) {
  core::FormParams params;
  EXPECT_TRUE(core::decode_form(request.body, params)) << "not a form";
  return params;
}

std::string header_of(const HttpRequest& request, std::string_view name) {
  for (const auto& h : request.headers)
    if (h.name == name) return h.value;
  return "<none>";
}

class TokenAuthTest : public ::testing::Test {
 protected:
  TokenAuthOptions options(bool background = false) {
    TokenAuthOptions o;
    o.transport = transport_;
    o.now = [this] { return time_.now(); };
    o.background_renewal = background;
    return o;
  }
  std::unique_ptr<TokenAuth> make(TokenAuthOptions o, std::shared_ptr<TokenSource> source = nullptr) {
    if (!source) source = std::make_shared<StaticTokenSource>(core::Secret(kSubject));
    return std::make_unique<TokenAuth>(kTokenUrl, std::move(source), std::move(o));
  }
  // Waits, in real time, for the background thread to have done something; false after 5 s.
  template <class Predicate>
  static bool eventually(Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }

  FakeTime time_;
  FakeGateway gateway_;
  std::shared_ptr<FakeTransport> transport_ = gateway_.transport();
};

// --- exchange_token ------------------------------------------------------------------------

TEST_F(TokenAuthTest, TheExchangeSendsTheUpstreamSdksFormFieldsExactly) {
  auto o = options();
  o.audiences = {"https://gw.example", "other"};
  o.scopes = {"openid", "profile"};
  o.user_agent = "my-agent/1";
  auto auth = make(o);
  auto header = auth->authorization();
  ASSERT_TRUE(header.has_value()) << header.error().message;
  EXPECT_EQ(header->reveal(), "Bearer at-1");

  auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, kTokenUrl);
  EXPECT_EQ(header_of(r, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(header_of(r, "Accept"), "application/json");
  EXPECT_EQ(header_of(r, "User-Agent"), "my-agent/1");
  EXPECT_EQ(r.timeout, o.timeout);
  const core::FormParams expected = {
      {"grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"},
      {"subject_token_type", "urn:ietf:params:oauth:token-type:id_token"},
      {"subject_token", kSubject},
      {"audience", "https://gw.example"},
      {"audience", "other"},
      {"scope", "openid profile"},
  };
  EXPECT_EQ(form_of(r), expected);
}

TEST_F(TokenAuthTest, NoAudienceNorScopeSendsNeither) {
  auto auth = make(options());
  ASSERT_TRUE(auth->authorization().has_value());
  auto form = form_of(transport_->requests().at(0));
  EXPECT_EQ(form.size(), 3u);
  EXPECT_FALSE(core::form_value(form, "audience"));
  EXPECT_FALSE(core::form_value(form, "scope"));
}

ExchangeRequest request_for(std::string subject = kSubject) {
  ExchangeRequest r;
  r.token_url = kTokenUrl;
  r.subject_token = core::Secret(std::move(subject));
  r.user_agent = "ua";
  return r;
}

TEST(ExchangeToken, ParsesTheAnswer) {
  FakeTransport t([](const HttpRequest&) -> Result<HttpResponse> {
    return answer(200, R"({"access_token":"tok.en.x","token_type":"bearer","issued_token_type":"urn:ietf:params:oauth:token-type:id_token","scope":"function","expires_in":7200})");
  });
  auto token = exchange_token(t, request_for());
  ASSERT_TRUE(token.has_value()) << token.error().message;
  EXPECT_EQ(token->access_token.reveal(), "tok.en.x");
  EXPECT_EQ(token->token_type, "bearer");
  EXPECT_EQ(token->issued_token_type, "urn:ietf:params:oauth:token-type:id_token");
  EXPECT_EQ(token->scope, "function");
  EXPECT_EQ(token->expires_in, 7200s);
}

TEST(ExchangeToken, AnAnswerWithoutExpiryHasExpiresInZero) {
  FakeTransport t([](const HttpRequest&) -> Result<HttpResponse> { return answer(200, R"({"access_token":"a","token_type":"Bearer"})"); });
  auto token = exchange_token(t, request_for());
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(token->expires_in, 0s);
}

TEST(ExchangeToken, AnOAuthErrorSurfacesErrorAndDescriptionButNeverTheSubjectToken) {
  FakeTransport t([](const HttpRequest&) -> Result<HttpResponse> {
    return answer(400, std::string(R"({"error":"invalid_request","error_description":"No policies found for subject: alice )") +
                           kSubject + R"("})");
  });
  auto token = exchange_token(t, request_for());
  ASSERT_FALSE(token.has_value());
  const Error& e = token.error();
  EXPECT_EQ(e.kind, ErrorKind::exchange);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.oauth_error, "invalid_request");
  EXPECT_NE(e.oauth_description.find("No policies found for subject: alice"), std::string::npos);
  EXPECT_NE(e.message.find("invalid_request"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("No policies found for subject: alice"), std::string::npos) << e.message;
  for (const std::string& text : {e.message, e.body, e.oauth_description, e.describe()})
    EXPECT_EQ(text.find("the-subject-token"), std::string::npos) << text;
}

TEST(ExchangeToken, AnyOtherFailingStatusIsAStatusErrorWithoutTheSubjectToken) {
  FakeTransport t([](const HttpRequest& r) -> Result<HttpResponse> { return answer(500, "crashed while reading " + r.body); });
  auto token = exchange_token(t, request_for());
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().kind, ErrorKind::unexpected_status);
  EXPECT_EQ(token.error().status, 500);
  EXPECT_NE(token.error().message.find("500"), std::string::npos);
  for (const std::string& text : {token.error().message, token.error().body, token.error().describe()})
    EXPECT_EQ(text.find("the-subject-token"), std::string::npos) << text;

  FakeTransport plain_400([](const HttpRequest&) -> Result<HttpResponse> { return answer(400, "bad form"); });
  auto refused = exchange_token(plain_400, request_for());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::bad_request);
}

TEST(ExchangeToken, ATransportFailureKeepsItsKindAndNeverEchoesTheSubjectToken) {
  FakeTransport t([](const HttpRequest& r) -> Result<HttpResponse> {
    return core::fail(Error{ErrorKind::timeout, "POST gw: no answer to " + r.body});
  });
  auto token = exchange_token(t, request_for());
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().kind, ErrorKind::timeout);
  EXPECT_NE(token.error().message.find("token exchange at https://gw.example/oauth/token"), std::string::npos);
  // The form escapes '.', nothing; the subject token appears in it as it is.
  EXPECT_EQ(token.error().message.find("the-subject-token"), std::string::npos) << token.error().message;
}

TEST(ExchangeToken, AnAnswerThatIsNotATokenIsABadResponse) {
  for (std::string body : {std::string("not json"), std::string("[]"), std::string(R"({"token_type":"Bearer"})"),
                           std::string(R"({"access_token":"","token_type":"Bearer"})"),
                           std::string(R"({"access_token":"a b","token_type":"Bearer"})"),
                           std::string(R"({"access_token":"a\r\nX: y","token_type":"Bearer"})"),
                           std::string(R"({"access_token":"a","token_type":"mac"})"),
                           std::string(R"({"access_token":"a","token_type":"Bearer","expires_in":-5})"),
                           std::string(R"({"access_token":"a","token_type":"Bearer","expires_in":"60"})"),
                           std::string(R"({"access_token":"a","access_token":"b","token_type":"Bearer"})"),
                           std::string(70 * 1024, ' ') + "{}"}) {
    FakeTransport t([&](const HttpRequest&) -> Result<HttpResponse> { return answer(200, body); });
    auto token = exchange_token(t, request_for());
    ASSERT_FALSE(token.has_value()) << body;
    EXPECT_EQ(token.error().kind, ErrorKind::bad_response) << body;
  }
}

TEST(ExchangeToken, AnEmptySubjectTokenIsNotSent) {
  FakeTransport t([](const HttpRequest&) -> Result<HttpResponse> { return answer(200, "{}"); });
  auto token = exchange_token(t, request_for(""));
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().kind, ErrorKind::token_source);
  EXPECT_EQ(t.count(), 0u);
}

// --- TokenAuth: caching and renewal --------------------------------------------------------

TEST_F(TokenAuthTest, ACachedTokenIsReusedForManyCalls) {
  auto auth = make(options());
  for (int i = 0; i < 100; ++i) {
    auto header = auth->authorization();
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(header->reveal(), "Bearer at-1");
    time_.advance(100ms);  // 10 s in all: far from the renewal at 40-60 s
  }
  EXPECT_EQ(transport_->count(), 1u);
  EXPECT_EQ(auth->stats().exchanges, 1u);
  EXPECT_EQ(auth->token_url(), kTokenUrl);
}

TEST_F(TokenAuthTest, PastRenewAtTheOldTokenComesAtOnceAndTheBackgroundRenewsItOnce) {
  auto auth = make(options(/*background=*/true));
  ASSERT_EQ(auth->authorization()->reveal(), "Bearer at-1");
  time_.advance(61s);  // past renew_at (40-60 s), before expiry (100 s)
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-1");
  ASSERT_TRUE(eventually([&] { return auth->authorization()->reveal() == "Bearer at-2"; }));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-2");
  std::this_thread::sleep_for(20ms);  // a second renewal, were there one, would have happened by now
  EXPECT_EQ(auth->stats().exchanges, 2u);
  EXPECT_EQ(auth->stats().renewed_ahead, 1u);
  EXPECT_EQ(gateway_.exchanges.load(), 2);
}

TEST_F(TokenAuthTest, WithoutTheBackgroundTheCallerThatFindsRenewalDueRenewsAndOthersKeepTheOldToken) {
  std::latch renewing(1), release(1);
  gateway_.override_answer = [&](int n) -> std::optional<Result<HttpResponse>> {
    if (n == 2) {
      renewing.count_down();
      release.wait();
    }
    return std::nullopt;
  };
  auto auth = make(options());
  ASSERT_EQ(auth->authorization()->reveal(), "Bearer at-1");
  time_.advance(61s);
  std::string renewed;
  std::thread renewer([&] { renewed = std::string(auth->authorization()->reveal()); });
  renewing.wait();
  // The renewal is in flight: other callers are not held up by it.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-1");
  release.count_down();
  renewer.join();
  EXPECT_EQ(renewed, "Bearer at-2");
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-2");
  EXPECT_EQ(auth->stats().exchanges, 2u);
  EXPECT_EQ(auth->stats().renewed_ahead, 1u);
}

TEST_F(TokenAuthTest, AnIdleTokenIsNotRenewedAheadButOneInUseIs) {
  // The real clock: a token of one second is served for half of it and renewed at a quarter.
  gateway_.expires_in = 1;
  auto o = options(/*background=*/true);
  o.now = nullptr;
  auto auth = make(o);
  ASSERT_TRUE(auth->authorization().has_value());
  // at-1 was taken, so it is renewed at about 250 ms; nobody takes at-2, so it is not, and it
  // runs out at about 750 ms.
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(auth->stats().exchanges, 2u);
  EXPECT_EQ(auth->stats().renewed_ahead, 1u);

  const auto until = std::chrono::steady_clock::now() + 700ms;
  while (std::chrono::steady_clock::now() < until) {
    auto header = auth->authorization();
    ASSERT_TRUE(header.has_value());
    std::this_thread::sleep_for(5ms);
  }
  const auto stats = auth->stats();
  EXPECT_GE(stats.exchanges, 4u);  // one when the caller came back, then renewals ahead
  EXPECT_GE(stats.renewed_ahead, 2u);
  EXPECT_EQ(stats.failed_exchanges, 0u);
}

TEST_F(TokenAuthTest, SixteenCallersWithNoTokenShareOneExchange) {
  constexpr int kCallers = 16;
  std::latch all_called(kCallers);
  gateway_.override_answer = [&](int) -> std::optional<Result<HttpResponse>> {
    all_called.wait();  // every caller has asked before the first exchange answers
    return std::nullopt;
  };
  auto auth = make(options());
  std::vector<std::string> headers(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      all_called.count_down();
      auto header = auth->authorization();
      headers[i] = header ? std::string(header->reveal()) : header.error().message;
    });
  }
  for (auto& c : callers) c.join();
  for (const auto& h : headers) EXPECT_EQ(h, "Bearer at-1");
  EXPECT_EQ(transport_->count(), 1u);
  EXPECT_EQ(auth->stats().exchanges, 1u);
}

TEST_F(TokenAuthTest, CallersWaitingOnAFailingExchangeGetItsFailureWithoutExchangingAgain) {
  constexpr int kCallers = 4;
  std::latch all_called(kCallers);
  gateway_.override_answer = [&](int) -> std::optional<Result<HttpResponse>> {
    all_called.wait();
    return Result<HttpResponse>(answer(503, "down for maintenance"));
  };
  auto auth = make(options());
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      all_called.count_down();
      auto header = auth->authorization();
      if (!header && header.error().kind == ErrorKind::unexpected_status) ++failures;
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(failures.load(), kCallers);
  EXPECT_EQ(transport_->count(), 1u);
}

TEST_F(TokenAuthTest, AfterAFailedExchangeCallsFailAtOnceUntilTheBackoffHasPassed) {
  gateway_.override_answer = [](int n) -> std::optional<Result<HttpResponse>> {
    if (n == 1) return Result<HttpResponse>(answer(500, "boom"));
    return std::nullopt;
  };
  auto auth = make(options());  // backoff 500 ms .. 10 s, ± 20 %: the first is 500-600 ms
  auto first = auth->authorization();
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().kind, ErrorKind::unexpected_status);
  for (int i = 0; i < 5; ++i) {
    auto again = auth->authorization();
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().kind, ErrorKind::unexpected_status);
    EXPECT_NE(again.error().message.find("the last exchange failed"), std::string::npos) << again.error().message;
    EXPECT_NE(again.error().message.find("next attempt is in"), std::string::npos) << again.error().message;
    EXPECT_NE(again.error().message.find("boom"), std::string::npos) << again.error().message;
  }
  time_.advance(400ms);
  EXPECT_FALSE(auth->authorization().has_value());
  EXPECT_EQ(transport_->count(), 1u);
  time_.advance(300ms);
  auto later = auth->authorization();
  ASSERT_TRUE(later.has_value()) << later.error().message;
  EXPECT_EQ(later->reveal(), "Bearer at-2");
  EXPECT_EQ(auth->stats().exchanges, 2u);
  EXPECT_EQ(auth->stats().failed_exchanges, 1u);
}

TEST_F(TokenAuthTest, TheBackoffGrowsWithEachFailureInARow) {
  gateway_.override_answer = [](int) -> std::optional<Result<HttpResponse>> {
    return Result<HttpResponse>(answer(400, R"({"error":"invalid_request","error_description":"token expired"})"));
  };
  auto auth = make(options());
  auto first = auth->authorization();
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().kind, ErrorKind::exchange);
  time_.advance(700ms);  // past the first backoff (at most 600 ms)
  EXPECT_FALSE(auth->authorization().has_value());
  EXPECT_EQ(transport_->count(), 2u);
  time_.advance(700ms);  // not past the second (800-1200 ms)
  auto inside = auth->authorization();
  ASSERT_FALSE(inside.has_value());
  EXPECT_EQ(inside.error().kind, ErrorKind::exchange);
  EXPECT_EQ(inside.error().oauth_error, "invalid_request");
  EXPECT_EQ(transport_->count(), 2u);
  time_.advance(600ms);
  EXPECT_FALSE(auth->authorization().has_value());
  EXPECT_EQ(transport_->count(), 3u);
}

TEST_F(TokenAuthTest, AFailedRenewalKeepsServingTheOldTokenWhileItIsValid) {
  gateway_.override_answer = [](int n) -> std::optional<Result<HttpResponse>> {
    if (n >= 2) return Result<HttpResponse>(answer(502, "bad gateway"));
    return std::nullopt;
  };
  auto auth = make(options());
  ASSERT_EQ(auth->authorization()->reveal(), "Bearer at-1");
  time_.advance(61s);
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-1");  // the renewal failed
  EXPECT_EQ(transport_->count(), 2u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-1");
  EXPECT_EQ(transport_->count(), 2u);  // inside the backoff: no renewal attempt
  time_.advance(40s);                  // past expiry (100 s): no token left
  auto after = auth->authorization();
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().kind, ErrorKind::unexpected_status);
}

// --- TokenAuth: rejection ------------------------------------------------------------------

TEST_F(TokenAuthTest, ARejectedTokenIsDroppedAndTheNextCallExchanges) {
  auto auth = make(options());
  auto first = *auth->authorization();
  EXPECT_TRUE(auth->rejected(first));
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-2");
  EXPECT_EQ(transport_->count(), 2u);
  // A late rejection of the token already replaced: true (there is a newer one), nothing dropped.
  EXPECT_TRUE(auth->rejected(first));
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-2");
  EXPECT_EQ(transport_->count(), 2u);
  EXPECT_EQ(auth->stats().rejected, 1u);
}

TEST_F(TokenAuthTest, TokensRejectedAgainAndAgainBackOffInsteadOfExchangingOnEveryCall) {
  auto auth = make(options());
  EXPECT_TRUE(auth->rejected(*auth->authorization()));  // at-1: replaced at once
  EXPECT_TRUE(auth->rejected(*auth->authorization()));  // at-2, rejected as well
  auto refused = auth->authorization();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::unauthorized);
  EXPECT_NE(refused.error().message.find("rejected the last 2 tokens"), std::string::npos) << refused.error().message;
  EXPECT_EQ(transport_->count(), 2u);
  time_.advance(700ms);
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-3");
  EXPECT_EQ(transport_->count(), 3u);
}

TEST_F(TokenAuthTest, ARejectionInsideABackoffGetsOneAttemptNotMore) {
  gateway_.override_answer = [](int n) -> std::optional<Result<HttpResponse>> {
    if (n >= 2) return Result<HttpResponse>(answer(400, R"({"error":"invalid_request","error_description":"revoked"})"));
    return std::nullopt;
  };
  auto auth = make(options());
  auto first = *auth->authorization();
  time_.advance(61s);
  EXPECT_EQ(auth->authorization()->reveal(), first.reveal());  // renewal failed: backoff
  EXPECT_EQ(transport_->count(), 2u);
  EXPECT_TRUE(auth->rejected(first));
  auto retried = auth->authorization();  // the one attempt a rejection earns
  ASSERT_FALSE(retried.has_value());
  EXPECT_EQ(retried.error().kind, ErrorKind::exchange);
  EXPECT_EQ(transport_->count(), 3u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(auth->authorization().has_value());
  EXPECT_EQ(transport_->count(), 3u);
}

// --- TokenAuth: function tokens ------------------------------------------------------------

TEST_F(TokenAuthTest, FunctionTokensAskForScopeFunctionAndTheirAudienceAndAreKeptPerFunction) {
  auto o = options();
  o.audiences = {"https://gw.example"};
  o.scopes = {"openid"};
  auto auth = make(o);
  auto echo = auth->function_authorization("openfaas-fn", "echo");
  ASSERT_TRUE(echo.has_value()) << echo.error().message;
  EXPECT_EQ(echo->reveal(), "Bearer at-1");
  auto form = form_of(transport_->requests().at(0));
  EXPECT_EQ(core::form_value(form, "scope"), "function");
  EXPECT_EQ(core::form_value(form, "audience"), "openfaas-fn:echo");
  EXPECT_EQ(std::count_if(form.begin(), form.end(), [](auto& p) { return p.first == "audience"; }), 1);

  EXPECT_EQ(auth->function_authorization("openfaas-fn", "echo")->reveal(), "Bearer at-1");
  EXPECT_EQ(auth->function_authorization("dev", "echo")->reveal(), "Bearer at-2");
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-3");  // the API token is a slot of its own
  EXPECT_EQ(transport_->count(), 3u);
  EXPECT_EQ(core::form_value(form_of(transport_->requests().at(1)), "audience"), "dev:echo");
  EXPECT_EQ(core::form_value(form_of(transport_->requests().at(2)), "scope"), "openid");
  EXPECT_EQ(auth->stats().function_tokens, 2u);

  EXPECT_TRUE(auth->function_rejected("dev", "echo", core::Secret("Bearer at-2")));
  EXPECT_EQ(auth->function_authorization("dev", "echo")->reveal(), "Bearer at-4");
  EXPECT_EQ(auth->function_authorization("openfaas-fn", "echo")->reveal(), "Bearer at-1");
}

TEST_F(TokenAuthTest, FunctionTokensAreEvictedOnceTheyHaveRunOut) {
  auto auth = make(options());
  ASSERT_TRUE(auth->function_authorization("openfaas-fn", "a").has_value());
  ASSERT_TRUE(auth->function_authorization("openfaas-fn", "b").has_value());
  EXPECT_EQ(auth->stats().function_tokens, 2u);
  time_.advance(101s);  // both have run out
  ASSERT_TRUE(auth->function_authorization("openfaas-fn", "c").has_value());
  EXPECT_EQ(auth->stats().function_tokens, 1u);
  ASSERT_TRUE(auth->function_authorization("openfaas-fn", "a").has_value());
  EXPECT_EQ(auth->stats().function_tokens, 2u);
  EXPECT_EQ(transport_->count(), 4u);
}

TEST_F(TokenAuthTest, AFunctionNameThatIsNotANameIsRefusedWithoutAnExchange) {
  auto auth = make(options());
  for (auto [ns, name] : {std::pair{"openfaas-fn", ""}, std::pair{"", "echo"}, std::pair{"a b", "echo"},
                          std::pair{"openfaas-fn", "x:y"}}) {
    auto header = auth->function_authorization(ns, name);
    ASSERT_FALSE(header.has_value());
    EXPECT_EQ(header.error().kind, ErrorKind::bad_request);
  }
  EXPECT_EQ(transport_->count(), 0u);
}

// --- TokenAuth: lifetimes and the token source ---------------------------------------------

TEST_F(TokenAuthTest, AVeryShortLivedTokenStillWorks) {
  gateway_.expires_in = 1;
  auto auth = make(options());
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-1");
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-1");
  time_.advance(1s);
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-2");
  EXPECT_EQ(transport_->count(), 2u);
}

TEST_F(TokenAuthTest, ATokenWithoutExpiryLivesTheUnboundedLifetime) {
  gateway_.expires_in = 0;
  auto o = options();
  o.unbounded_lifetime = 100s;  // served 99 s, renewed at 39.6-59.4 s
  auto auth = make(o);
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-1");
  time_.advance(39s);
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-1");
  time_.advance(22s);
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-2");
}

class CountingTokenSource final : public TokenSource {
 public:
  core::Expected<core::Secret, std::string> token() override {
    const int n = ++calls;
    if (fail) return core::fail(std::string("cannot read /var/secrets/tokens/openfaas-token"));
    return core::Secret("id-token-" + std::to_string(n));
  }
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
};

TEST_F(TokenAuthTest, TheTokenSourceIsReadOnEachExchange) {
  auto source = std::make_shared<CountingTokenSource>();
  auto auth = make(options(), source);
  auto first = *auth->authorization();
  auth->rejected(first);
  ASSERT_TRUE(auth->authorization().has_value());
  auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(core::form_value(form_of(requests[0]), "subject_token"), "id-token-1");
  EXPECT_EQ(core::form_value(form_of(requests[1]), "subject_token"), "id-token-2");
  EXPECT_EQ(source->calls.load(), 2);
}

TEST_F(TokenAuthTest, ATokenSourceFailureIsItsOwnKindAndBacksOff) {
  auto source = std::make_shared<CountingTokenSource>();
  source->fail = true;
  auto auth = make(options(), source);
  auto header = auth->authorization();
  ASSERT_FALSE(header.has_value());
  EXPECT_EQ(header.error().kind, ErrorKind::token_source);
  EXPECT_NE(header.error().message.find("/var/secrets/tokens/openfaas-token"), std::string::npos);
  EXPECT_FALSE(auth->authorization().has_value());
  EXPECT_EQ(source->calls.load(), 1);
  EXPECT_EQ(transport_->count(), 0u);
  source->fail = false;
  time_.advance(1s);
  EXPECT_EQ(auth->authorization()->reveal(), "Bearer at-1");
}

TEST_F(TokenAuthTest, NoTokenSourceIsATokenSourceError) {
  TokenAuth auth(kTokenUrl, nullptr, options());
  auto header = auth.authorization();
  ASSERT_FALSE(header.has_value());
  EXPECT_EQ(header.error().kind, ErrorKind::token_source);
}

TEST_F(TokenAuthTest, TheDestructorStopsTheRenewerWhileItSleeps) {
  auto auth = make(options(/*background=*/true));
  ASSERT_TRUE(auth->authorization().has_value());
  const auto start = std::chrono::steady_clock::now();
  auth.reset();  // the renewer waits for renew_at, 40 s away
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace faasgate::sdk
