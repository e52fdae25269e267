#pragma once
// In-memory HttpFetcher for tests (this module's and the token exchange's): canned answers per
// URL, a call log, and an optional gate that holds every get() until released, to test callers
// that wait on an in-flight fetch.
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "faasgate/oidc/fetcher.hpp"

namespace faasgate::oidc {

class FakeFetcher final : public HttpFetcher {
 public:
  using Answer = core::Expected<FetchResponse, FetchError>;

  void set(const std::string& url, std::string body, std::optional<std::chrono::seconds> max_age = std::nullopt) {
    std::lock_guard lock(mu_);
    answers_.insert_or_assign(url, Answer{FetchResponse{200, std::move(body), max_age}});
  }
  void set_error(const std::string& url, FetchError error) {
    std::lock_guard lock(mu_);
    answers_.insert_or_assign(url, Answer{core::fail(std::move(error))});
  }
  void remove(const std::string& url) {
    std::lock_guard lock(mu_);
    answers_.erase(url);
  }

  // While held, get() blocks (after counting the call) until release().
  void hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  // Blocks until at least n calls have been made (or are blocked in the gate).
  void wait_for_calls(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return calls_.size() >= n; });
  }

  std::size_t calls() const {
    std::lock_guard lock(mu_);
    return calls_.size();
  }
  std::size_t calls(const std::string& url) const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& c : calls_) n += c.url == url;
    return n;
  }
  std::vector<FetchRequest> requests() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  Answer get(const FetchRequest& request) override {
    std::unique_lock lock(mu_);
    calls_.push_back(request);
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_; });
    if (auto ok = check_fetch_url(request.url); !ok) return core::fail(ok.error());
    auto it = answers_.find(request.url);
    if (it == answers_.end()) return core::fail(FetchError{FetchErrc::http_status, 404, "GET " + request.url + ": HTTP status 404"});
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Answer> answers_;
  std::vector<FetchRequest> calls_;
  bool held_ = false;
};

}  // namespace faasgate::oidc
