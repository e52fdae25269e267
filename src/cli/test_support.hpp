#pragma once
// For the CLI's tests: a private temporary directory, and a Context over string streams, a fake
// clock, an environment of our own and a FakeTransport.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "faasgate/cli/context.hpp"
#include "faasgate/core/clock.hpp"
#include "fake_transport.hpp"

namespace faasgate::cli::testing {

class TempDir {
 public:
  TempDir() {
    auto base = std::filesystem::temp_directory_path() / "faasgate-cli-test-XXXXXX";
    std::string pattern = base.string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct TestContext {
  TempDir home;
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  core::FakeClock clock{core::from_unix(1'800'000'000)};
  std::map<std::string, std::string> env;
  std::shared_ptr<sdk::testing::FakeTransport> transport;
  std::stop_source interrupt;
  int sleeps = 0;
  Context context;

  explicit TestContext(sdk::testing::FakeTransport::Handler handler = nullptr) {
    env["XDG_CONFIG_HOME"] = (home.path() / "config").string();
    env["HOME"] = home.path().string();
    if (!handler) handler = [](const sdk::HttpRequest&) { return sdk::Result<sdk::HttpResponse>(sdk::testing::answer(500, "")); };
    transport = std::make_shared<sdk::testing::FakeTransport>(std::move(handler));
    context.in = &in;
    context.out = &out;
    context.err = &err;
    context.clock = &clock;
    context.env = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    context.transport = [this] { return std::static_pointer_cast<sdk::HttpTransport>(transport); };
    context.interrupt = [this] { return interrupt.get_token(); };
    // No real waiting: the fake clock moves on instead.
    context.sleep = [this](std::chrono::milliseconds d, std::stop_token stop) {
      ++sleeps;
      clock.advance(std::chrono::duration_cast<core::Seconds>(d));
      return !stop.stop_requested();
    };
  }

  std::filesystem::path config_file() const { return home.path() / "config" / "faasgate" / "config.yaml"; }
};

}  // namespace faasgate::cli::testing
