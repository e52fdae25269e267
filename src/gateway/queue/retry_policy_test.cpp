#include "faasgate/queue/retry_policy.hpp"

#include <gtest/gtest.h>

namespace faasgate::queue {
namespace {

using namespace std::chrono_literals;

TEST(RetryPolicy, DefaultsAreUpstreamsQueueWorkers) {
  const RetryPolicy p;
  EXPECT_EQ(p.max_attempts, 100u);
  EXPECT_EQ(p.min_wait, 10s);
  EXPECT_EQ(p.max_wait, 120s);
  EXPECT_EQ(p.statuses, (std::set<unsigned>{408, 429, 500, 502, 503, 504}));
  EXPECT_EQ(p.backoff, Backoff::exponential);
  EXPECT_TRUE(retryable_status(p, 503));
  EXPECT_FALSE(retryable_status(p, 501));
  EXPECT_FALSE(retryable_status(p, 200));
  EXPECT_TRUE(attempts_left(p, 99));
  EXPECT_FALSE(attempts_left(p, 100));
}

TEST(RetryPolicy, ExponentialDoublesFromMinToMax) {
  const RetryPolicy p;
  EXPECT_EQ(retry_delay(p, 1, 0.5), 10s);
  EXPECT_EQ(retry_delay(p, 2, 0.5), 20s);
  EXPECT_EQ(retry_delay(p, 4, 0.5), 80s);
  EXPECT_EQ(retry_delay(p, 5, 0.5), 120s) << "capped";
  EXPECT_EQ(retry_delay(p, 4'000'000'000u, 0.5), 120s) << "no overflow";
  EXPECT_EQ(retry_delay(p, 0, 0.5), 10s);
}

TEST(RetryPolicy, JitterStaysWithinItsRange) {
  RetryPolicy full;
  full.backoff = Backoff::full;
  EXPECT_EQ(retry_delay(full, 3, 0.0), 0s);
  EXPECT_EQ(retry_delay(full, 3, 0.5), 20s);
  EXPECT_EQ(retry_delay(full, 3, 0.999), 39s);
  RetryPolicy equal;
  equal.backoff = Backoff::equal;
  EXPECT_EQ(retry_delay(equal, 3, 0.0), 20s);
  EXPECT_EQ(retry_delay(equal, 3, 0.999), 39s);
  EXPECT_EQ(retry_delay(equal, 3, 7.0), 40s) << "randomness outside [0, 1) is clamped";
}

TEST(RetryPolicy, RetryAfterReplacesTheWaitBoundedByMax) {
  const RetryPolicy p;
  EXPECT_EQ(retry_delay(p, 1, 0.5, 3s), 3s);
  EXPECT_EQ(retry_delay(p, 1, 0.5, 3600s), 120s);
  const auto now = core::from_unix(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after("7", now), 7s);
  EXPECT_EQ(parse_retry_after(" 0 ", now), 0s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now), 30s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), 0s) << "in the past";
  EXPECT_EQ(parse_retry_after("-1", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sun, 31 Feb 1994 08:49:37 GMT", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), std::nullopt) << "only IMF-fixdate";
}

TEST(RetryPolicy, AnnotationsOverrideAndBadOnesAreReportedAndIgnored) {
  auto got = apply_annotations({}, {{"com.openfaas.retry.attempts", "3"},
                                    {"com.openfaas.retry.codes", "429, 503"},
                                    {"com.openfaas.retry.min_wait", "1s"},
                                    {"com.openfaas.retry.max_wait", "5s"},
                                    {"other", "x"}});
  EXPECT_TRUE(got.problems.empty());
  EXPECT_EQ(got.policy.max_attempts, 3u);
  EXPECT_EQ(got.policy.statuses, (std::set<unsigned>{429, 503}));
  EXPECT_EQ(got.policy.min_wait, 1s);
  EXPECT_EQ(got.policy.max_wait, 5s);

  auto bad = apply_annotations({}, {{"com.openfaas.retry.attempts", "0"},
                                    {"com.openfaas.retry.codes", "429,abc"},
                                    {"com.openfaas.retry.min_wait", "-1s"},
                                    {"com.openfaas.retry.max_wait", "2h"}});
  ASSERT_EQ(bad.problems.size(), 4u);
  EXPECT_NE(bad.problems[0].find("com.openfaas.retry.attempts=0"), std::string::npos) << bad.problems[0];
  EXPECT_EQ(bad.policy.max_attempts, RetryPolicy{}.max_attempts);
  EXPECT_EQ(bad.policy.statuses, RetryPolicy{}.statuses);
  EXPECT_EQ(bad.policy.min_wait, 10s);
  EXPECT_EQ(bad.policy.max_wait, 120s);

  auto crossed = apply_annotations({}, {{"com.openfaas.retry.min_wait", "30s"}, {"com.openfaas.retry.max_wait", "5s"}});
  ASSERT_EQ(crossed.problems.size(), 1u);
  EXPECT_EQ(crossed.policy.min_wait, 10s);
  EXPECT_EQ(crossed.policy.max_wait, 120s);
  EXPECT_EQ(apply_annotations({}, {{"com.openfaas.retry.min_wait", "200s"}}).problems.size(), 1u)
      << "a minimum above the default maximum";
}

TEST(RetryPolicy, BackoffAndStatusListsParse) {
  EXPECT_EQ(parse_backoff("full"), Backoff::full);
  EXPECT_EQ(parse_backoff("Full"), std::nullopt);
  EXPECT_EQ(parse_statuses("500"), (std::set<unsigned>{500}));
  EXPECT_EQ(parse_statuses(""), std::nullopt);
  EXPECT_EQ(parse_statuses("500,"), std::nullopt);
  EXPECT_EQ(parse_statuses("99"), std::nullopt);
}

}  // namespace
}  // namespace faasgate::queue
