#pragma once
// Test-only: an HttpTransport that answers from a handler and records every request, for the
// SDK's tests (TokenAuth, Client, the CLI) without a network.
#include <functional>
#include <mutex>
#include <vector>

#include "faasgate/sdk/http.hpp"

namespace faasgate::sdk::testing {

class FakeTransport final : public HttpTransport {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;

  explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    record(request);
    return handler_(request);
  }

  // The handler's body is given to the sink in one piece for a 2xx, as a server that sends it
  // at once; a stop requested before the call is honoured.
  Result<HttpResponse> stream(const HttpRequest& request, const BodySink& sink, std::stop_token stop) override {
    record(request);
    if (stop.stop_requested()) return core::fail(Error{ErrorKind::cancelled, "the request was cancelled"});
    auto answer = handler_(request);
    if (!answer || answer->status < 200 || answer->status > 299) return answer;
    sink(answer->body);
    answer->body.clear();
    return answer;
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  void record(const HttpRequest& request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
  }

  Handler handler_;
  mutable std::mutex mutex_;
  std::vector<HttpRequest> requests_;
};

inline HttpResponse answer(int status, std::string body, std::vector<Header> headers = {}) {
  return HttpResponse{status, std::move(headers), std::move(body)};
}

}  // namespace faasgate::sdk::testing
