#pragma once
// In-memory HttpClient for tests (this module's and every module that sends through one):
// scripted answers per URL, a log of the requests it got, the Nth call (1-based, counting every
// call) failed with a given error, and a gate that holds every send() until released, to test
// callers that wait on a request in flight. It applies the URL policy of http_client.hpp (and an
// address policy to literal addresses) before it answers, as the real client does; names are not
// resolved - script an Errc::refused answer to test a name that resolves to a refused address.
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <sys/socket.h>
#include <vector>

#include "faasgate/http_client/http_client.hpp"

namespace faasgate::http_client {

class FakeHttpClient final : public HttpClient {
 public:
  void set(const std::string& url, Response response) {
    std::lock_guard lock(mu_);
    answers_.insert_or_assign(url, Result{std::move(response)});
  }
  // A 200 with `body` (and a Cache-Control field when given).
  void set(const std::string& url, std::string body, std::optional<std::string> cache_control = std::nullopt) {
    set(url, Response{200, std::move(body), std::move(cache_control)});
  }
  void set_error(const std::string& url, Error error) {
    std::lock_guard lock(mu_);
    answers_.insert_or_assign(url, Result{core::fail(std::move(error))});
  }
  void remove(const std::string& url) {
    std::lock_guard lock(mu_);
    answers_.erase(url);
  }
  // The nth call (1-based) answers `error`, whatever its URL; the calls around it are untouched.
  void fail_call(std::size_t nth, Error error) {
    std::lock_guard lock(mu_);
    failures_.insert_or_assign(nth, std::move(error));
  }

  // While held, send() blocks (after counting the call) until release().
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
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  // An unscripted URL answers 404 with an empty body.
  Result send(const Request& request) override {
    std::unique_lock lock(mu_);
    calls_.push_back(request);
    const std::size_t nth = calls_.size();
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_; });
    if (auto failure = failures_.find(nth); failure != failures_.end()) return core::fail(failure->second);
    if (auto ok = check_url(request.url, request.plain_http_only_to_loopback); !ok)
      return core::fail(ok.error());
    if (request.address_policy) {
      auto destination = destination_of(request.url);
      if (!destination) return core::fail(destination.error());
      if (destination->address &&
          !request.address_policy->allowed(reinterpret_cast<const sockaddr*>(&*destination->address)))
        return core::fail(Error{Errc::refused, "the address is not allowed"});
    }
    auto it = answers_.find(request.url);
    if (it == answers_.end()) return Response{404, {}, std::nullopt};
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Result> answers_;
  std::map<std::size_t, Error> failures_;
  std::vector<Request> calls_;
  bool held_ = false;
};

}  // namespace faasgate::http_client
