#include "faasgate/cli/context.hpp"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

namespace faasgate::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
  // A second Ctrl-C ends the process, should the command not notice the first.
  std::signal(SIGINT, SIG_DFL);
}

// A signal handler may not take the locks request_stop() takes: it only sets a flag, and this
// thread turns the flag into a stop request.
class Interrupt {
 public:
  std::stop_token token() {
    std::call_once(once_, [this] {
      struct sigaction action {};
      action.sa_handler = on_sigint;
      sigemptyset(&action.sa_mask);
      ::sigaction(SIGINT, &action, nullptr);
      watcher_ = std::jthread([this](std::stop_token self) {
        while (!self.stop_requested()) {
          if (g_interrupted.load()) {
            source_.request_stop();
            return;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      });
    });
    return source_.get_token();
  }

 private:
  std::once_flag once_;
  std::stop_source source_;
  std::jthread watcher_;
};

bool sleep_unless_stopped(std::chrono::milliseconds d, std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait_for(lock, stop, d, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace

Context& process_context() {
  static core::SystemClock clock;
  static Interrupt interrupt;
  static Context context = [] {
    Context c;
    c.in = &std::cin;
    c.out = &std::cout;
    c.err = &std::cerr;
    c.in_is_terminal = ::isatty(STDIN_FILENO) == 1;
    c.err_is_terminal = ::isatty(STDERR_FILENO) == 1;
    c.clock = &clock;
    c.env = [](std::string_view name) -> std::optional<std::string> {
      const char* value = std::getenv(std::string(name).c_str());
      if (!value) return std::nullopt;
      return std::string(value);
    };
    c.transport = [] {
      static std::shared_ptr<sdk::HttpTransport> transport = sdk::make_curl_transport();
      return transport;
    };
    c.interrupt = [] { return interrupt.token(); };
    c.sleep = sleep_unless_stopped;
    return c;
  }();
  return context;
}

}  // namespace faasgate::cli
