#pragma once
// Secret: a string that cannot be logged by accident. It has no stream or fmt formatter, so
// `log(secret)` fails to compile; reveal() is explicit and grep-able. Equality is constant-time.
#include <string>
#include <string_view>

namespace faasgate::core {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(const Secret&) = default;
  Secret& operator=(Secret&&) noexcept = default;
  ~Secret();

  std::string_view reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }
  std::size_t size() const noexcept { return value_.size(); }

  // A short, non-reversible tag (first 8 hex digits of SHA-256) for logs and audit lines.
  std::string fingerprint() const;

  // Constant-time comparison (CRYPTO_memcmp); the lengths are not secret.
  friend bool operator==(const Secret& a, const Secret& b) noexcept { return a.equals(b.value_); }
  bool equals(std::string_view other) const noexcept;

 private:
  std::string value_;
};

}  // namespace faasgate::core
