#include "renewal.hpp"

#include <algorithm>
#include <cmath>

namespace faasgate::sdk::renewal {

namespace {

double clamp_u(double u) { return std::isfinite(u) ? std::clamp(u, -1.0, 1.0) : 0.0; }

}  // namespace

Policy sanitized(Policy policy) {
  policy.renew_fraction = std::isnan(policy.renew_fraction) ? 0.5 : std::clamp(policy.renew_fraction, 0.0, 1.0);
  policy.jitter = std::isnan(policy.jitter) ? 0.0 : std::clamp(policy.jitter, 0.0, 0.5);
  policy.unbounded_lifetime = std::clamp(policy.unbounded_lifetime, std::chrono::seconds(1), kMaxLifetime);
  policy.min_backoff = std::max(policy.min_backoff, std::chrono::milliseconds(0));
  policy.max_backoff = std::max(policy.max_backoff, policy.min_backoff);
  return policy;
}

Schedule schedule(TimePoint obtained, std::chrono::seconds expires_in, const Policy& policy, double u) {
  const std::chrono::seconds lifetime =
      expires_in.count() > 0 ? std::min(expires_in, kMaxLifetime) : std::max(policy.unbounded_lifetime, std::chrono::seconds(1));
  const Clock::duration whole = lifetime;
  const Clock::duration margin = std::min<Clock::duration>(std::chrono::seconds(1), whole / 2);
  Schedule s;
  s.expires_at = obtained + whole - margin;
  const double fraction = std::clamp(policy.renew_fraction + policy.jitter * clamp_u(u), 0.0, 1.0);
  // The fraction is of the time the token is served, so that even a token of a second is
  // renewed before it ends.
  const Clock::duration served = whole - margin;
  const auto ahead = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, Clock::period>(
      static_cast<double>(served.count()) * fraction));
  s.renew_at = std::min(obtained + ahead, s.expires_at);
  return s;
}

std::chrono::milliseconds backoff(unsigned failures, const Policy& policy, double u) {
  using std::chrono::milliseconds;
  milliseconds base = policy.min_backoff;
  for (unsigned i = 1; i < failures && base < policy.max_backoff; ++i) base = std::max(base * 2, milliseconds(1));
  base = std::min(base, policy.max_backoff);
  const auto jittered = milliseconds(static_cast<milliseconds::rep>(std::llround(static_cast<double>(base.count()) * (1.0 + 0.2 * clamp_u(u)))));
  return std::clamp(jittered, policy.min_backoff, policy.max_backoff);
}

}  // namespace faasgate::sdk::renewal
