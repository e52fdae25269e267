#include "nats_server.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace faasgate::nats::testing {

namespace fs = std::filesystem;

std::string NatsServer::binary() {
  if (::access("/usr/sbin/nats-server", X_OK) == 0) return "/usr/sbin/nats-server";
  const char* path = ::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    auto candidate = fs::path(dir) / "nats-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

NatsServer::NatsServer() {
  std::string pattern = (fs::temp_directory_path() / "faasgate-nats-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  spawn("-1");
}

NatsServer::~NatsServer() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void NatsServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void NatsServer::start() {
  if (pid_ <= 0) spawn(port_);
}

void NatsServer::spawn(const std::string& port) {
  const auto bin = binary();
  if (bin.empty()) throw std::runtime_error("nats-server is not installed (scripts/install-deps installs it)");
  const auto log = (dir_ / "server.log").string();
  fs::remove(log);
  const auto store = (dir_ / "store").string();
  std::vector<std::string> args = {bin, "-a", "127.0.0.1", "-p", port, "-js", "-sd", store, "-l", log};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("cannot start nats-server");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test that crashes leaves no server behind
    ::execve(bin.c_str(), argv.data(), environ);
    ::_exit(127);
  }
  static const std::string listening = "Listening for client connections on 127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    const auto all = text.str();
    // JetStream is ready once the server listens for clients (it logs that after recovery).
    if (auto at = all.find(listening); at != std::string::npos && all.find('\n', at) != std::string::npos) {
      auto digits = all.substr(at + listening.size());
      port_ = digits.substr(0, digits.find_first_not_of("0123456789"));
      url_ = "nats://127.0.0.1:" + port_;
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nats-server exited at start; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw std::runtime_error("nats-server did not listen within 20s; see " + log);
}

}  // namespace faasgate::nats::testing
