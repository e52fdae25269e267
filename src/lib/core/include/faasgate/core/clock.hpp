#pragma once
// Time enters the core from outside: pure code takes an Instant argument; only the I/O shell
// asks a Clock. Tests use FakeClock to hit expiry boundaries exactly.
#include <atomic>
#include <chrono>

namespace faasgate::core {

using Instant = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;

inline Instant from_unix(long long s) { return Instant{Seconds{s}}; }
inline long long to_unix(Instant t) { return t.time_since_epoch().count(); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override {
    return std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant t) : t_(to_unix(t)) {}
  Instant now() const override { return from_unix(t_.load()); }
  void set(Instant t) { t_ = to_unix(t); }
  void advance(Seconds d) { t_ += d.count(); }

 private:
  std::atomic<long long> t_;
};

}  // namespace faasgate::core
