// TokenAuth's pure schedule: renew-at, expiry and backoff, at their boundaries.
#include "renewal.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace faasgate::sdk::renewal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint t0 = TimePoint{} + std::chrono::hours(1000);

TEST(Schedule, RenewsAtTheFractionOfTheLifetimeMovedByTheJitterDraw) {
  Policy p;  // 0.5 ± 0.1
  // 101 s, served for 100 s.
  EXPECT_EQ(schedule(t0, seconds(101), p, 0.0).renew_at, t0 + seconds(50));
  EXPECT_EQ(schedule(t0, seconds(101), p, -1.0).renew_at, t0 + seconds(40));
  EXPECT_EQ(schedule(t0, seconds(101), p, 1.0).renew_at, t0 + seconds(60));
  EXPECT_EQ(schedule(t0, seconds(101), p, 0.5).renew_at, t0 + seconds(55));
}

TEST(Schedule, TheTokenIsTakenToEndASecondEarlyOrAtHalfItsLifeWhenShorter) {
  Policy p;
  EXPECT_EQ(schedule(t0, seconds(7200), p, 0).expires_at, t0 + seconds(7199));
  EXPECT_EQ(schedule(t0, seconds(2), p, 0).expires_at, t0 + seconds(1));
  EXPECT_EQ(schedule(t0, seconds(1), p, 0).expires_at, t0 + milliseconds(500));
}

TEST(Schedule, NeverRenewsAfterExpiry) {
  Policy p;
  p.renew_fraction = 1.0;
  p.jitter = 0.5;
  for (double u : {-1.0, 0.0, 1.0}) {
    for (auto life : {seconds(1), seconds(2), seconds(60), seconds(7200)}) {
      auto s = schedule(t0, life, p, u);
      EXPECT_LE(s.renew_at, s.expires_at) << life.count() << " " << u;
      EXPECT_GE(s.renew_at, t0);
    }
  }
  auto s = schedule(t0, seconds(10), p, 1.0);
  EXPECT_EQ(s.renew_at, s.expires_at);
}

TEST(Schedule, AVeryShortTokenIsStillRenewedAheadBeforeItEnds) {
  auto s = schedule(t0, seconds(1), Policy{}, 0);
  EXPECT_EQ(s.expires_at, t0 + milliseconds(500));
  EXPECT_EQ(s.renew_at, t0 + milliseconds(250));  // half of the half second it is served
  EXPECT_LT(s.renew_at, s.expires_at);
}

TEST(Schedule, NoExpiryUsesTheUnboundedLifetime) {
  Policy p;
  p.unbounded_lifetime = seconds(3600);
  auto s = schedule(t0, seconds(0), p, 0);
  EXPECT_EQ(s.expires_at, t0 + seconds(3599));
  EXPECT_EQ(s.renew_at, t0 + milliseconds(1799500));
}

TEST(Schedule, AHugeLifetimeIsCappedAndADrawOutOfRangeIsClamped) {
  auto s = schedule(t0, seconds(std::numeric_limits<int>::max()) * 1000, Policy{}, 0);
  EXPECT_EQ(s.expires_at, t0 + kMaxLifetime - seconds(1));
  EXPECT_EQ(schedule(t0, seconds(101), Policy{}, 7.0).renew_at, t0 + seconds(60));
  EXPECT_EQ(schedule(t0, seconds(101), Policy{}, std::nan("")).renew_at, t0 + seconds(50));
}

TEST(Sanitized, BringsEveryValueIntoRange) {
  Policy p;
  p.renew_fraction = 3;
  p.jitter = -1;
  p.unbounded_lifetime = seconds(0);
  p.min_backoff = milliseconds(-5);
  p.max_backoff = milliseconds(-10);
  auto s = sanitized(p);
  EXPECT_EQ(s.renew_fraction, 1.0);
  EXPECT_EQ(s.jitter, 0.0);
  EXPECT_EQ(s.unbounded_lifetime, seconds(1));
  EXPECT_EQ(s.min_backoff, milliseconds(0));
  EXPECT_EQ(s.max_backoff, milliseconds(0));
  p.renew_fraction = std::nan("");
  p.jitter = 0.9;
  EXPECT_EQ(sanitized(p).renew_fraction, 0.5);
  EXPECT_EQ(sanitized(p).jitter, 0.5);
}

TEST(Backoff, DoublesFromTheMinimumUpToTheMaximum) {
  Policy p;  // 500 ms .. 10 s
  EXPECT_EQ(backoff(1, p, 0), milliseconds(500));
  EXPECT_EQ(backoff(2, p, 0), milliseconds(1000));
  EXPECT_EQ(backoff(3, p, 0), milliseconds(2000));
  EXPECT_EQ(backoff(5, p, 0), milliseconds(8000));
  EXPECT_EQ(backoff(6, p, 0), milliseconds(10000));
  EXPECT_EQ(backoff(1000, p, 0), milliseconds(10000));
}

TEST(Backoff, JitterMovesItByAFifthButNeverOutsideTheBounds) {
  Policy p;
  EXPECT_EQ(backoff(2, p, 1.0), milliseconds(1200));
  EXPECT_EQ(backoff(2, p, -1.0), milliseconds(800));
  EXPECT_EQ(backoff(1, p, -1.0), milliseconds(500));   // not below the minimum
  EXPECT_EQ(backoff(1, p, 1.0), milliseconds(600));
  EXPECT_EQ(backoff(40, p, 1.0), milliseconds(10000));  // not above the maximum
}

}  // namespace
}  // namespace faasgate::sdk::renewal
