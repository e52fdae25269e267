#pragma once
// Shared by the provider's tests (not part of the library): a Runtime on a private io_context
// with two threads, in a scratch directory, and a blocking classic invocation.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "faasgate/provider/runtime.hpp"

namespace faasgate::provider::test_support {

class RuntimeFixture : public ::testing::Test {
 protected:
  using Result = core::Expected<ClassicResponse, RuntimeError>;

  // A scratch directory (removed at the end) and the threads that run the io_context.
  void make_dir_and_threads(const char* prefix) {
    std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    runtime_.reset();
    guard_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void start(RuntimeOptions options) {
    runtime_.reset();
    runtime_ = std::make_unique<Runtime>(io_, std::move(options));
  }

  Result invoke(const std::string& name, ClassicRequest request = {}, const std::string& ns = "openfaas-fn") {
    std::promise<Result> promise;
    auto future = promise.get_future();
    boost::asio::co_spawn(
        io_,
        [&]() -> boost::asio::awaitable<void> {
          promise.set_value(co_await runtime_->invoke_classic(ns, name, std::move(request)));
        },
        boost::asio::detached);
    if (future.wait_for(std::chrono::seconds(120)) != std::future_status::ready) {
      ADD_FAILURE() << "invocation did not complete";
      std::abort();  // the coroutine still refers to this frame
    }
    return future.get();
  }

  std::filesystem::path dir_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ = boost::asio::make_work_guard(io_);
  std::vector<std::thread> threads_;
  std::unique_ptr<Runtime> runtime_;
};

}  // namespace faasgate::provider::test_support
