#pragma once
// A FunctionInvoker for tests: functions exist when added, and every call answers 200 with a
// body naming the function, path and body it got (or the status set for that function). Calls
// are recorded. Thread-safe.
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "faasgate/invoke/function_invoker.hpp"

namespace faasgate::invoke {

class FakeInvoker final : public FunctionInvoker {
 public:
  void add(const std::string& ns, const std::string& name, server::http::status answer = server::http::status::ok) {
    std::lock_guard lock(mu_);
    functions_[{ns, name}] = answer;
  }
  void remove(const std::string& ns, const std::string& name) {
    std::lock_guard lock(mu_);
    functions_.erase({ns, name});
  }
  // The (namespace, name) of every call, in order.
  std::vector<std::pair<std::string, std::string>> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  bool exists(const std::string& ns, const std::string& name) const override {
    std::lock_guard lock(mu_);
    return functions_.contains({ns, name});
  }

  server::asio::awaitable<server::Response> invoke(server::asio::any_io_executor, Invocation call) override {
    const auto started = std::chrono::system_clock::now();
    server::Response response;
    {
      std::lock_guard lock(mu_);
      calls_.emplace_back(call.namespace_, call.name);
      auto it = functions_.find({call.namespace_, call.name});
      if (it == functions_.end()) {
        response = plain_answer(server::http::status::not_found, "function " + call.name + "." + call.namespace_ + " not found");
      } else {
        response = plain_answer(it->second, call.name + "." + call.namespace_ + " " + call.path + " " + call.request.body());
      }
    }
    stamp_answer(response, call.call_id, started, 0.0);
    co_return response;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, server::http::status> functions_;
  std::vector<std::pair<std::string, std::string>> calls_;
};

}  // namespace faasgate::invoke
