#pragma once
// The pure part of TokenAuth: when a token is renewed ahead, from when it is no longer served,
// and how long to wait after a failure. Time comes in as an argument and the random draw as `u`
// (uniform in [-1, 1]), so tests hit every boundary exactly.
#include <chrono>

namespace faasgate::sdk::renewal {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct Policy {
  double renew_fraction = 0.5;
  double jitter = 0.1;
  std::chrono::seconds unbounded_lifetime{3600};
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{10000};
};

// The policy with every value brought into its range: renew_fraction in [0, 1] (NaN: 0.5),
// jitter in [0, 0.5], unbounded_lifetime at least a second, 0 <= min_backoff <= max_backoff.
Policy sanitized(Policy policy);

// The longest lifetime believed: a larger expires_in would overflow nothing, but a token that
// lives for ten years is one that should be renewed anyway.
inline constexpr std::chrono::seconds kMaxLifetime{10LL * 365 * 24 * 3600};

struct Schedule {
  TimePoint expires_at;  // not served from here on
  TimePoint renew_at;    // renewed ahead from here on; never after expires_at
};

// A token asked for at `obtained` that the endpoint says lives `expires_in` (0: no expiry given,
// taken as the policy's unbounded_lifetime). It is taken to end a second early (half its
// lifetime, for one shorter than two seconds): the gateway counts from its own whole second, so
// the real `exp` can be up to a second before obtained + expires_in. It is renewed at
// obtained + (expires_at - obtained) * (renew_fraction + jitter * u), clamped to [0, 1].
Schedule schedule(TimePoint obtained, std::chrono::seconds expires_in, const Policy& policy, double u);

// The wait after `failures` (at least 1) failures in a row: min_backoff, doubled for each
// further failure, ± 20 % (u), and never outside [min_backoff, max_backoff].
std::chrono::milliseconds backoff(unsigned failures, const Policy& policy, double u);

}  // namespace faasgate::sdk::renewal
