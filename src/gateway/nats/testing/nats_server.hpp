#pragma once
// For tests that need a real NATS server: `nats-server -js` on a loopback port the OS picks, with
// its store in a private temporary directory, stopped (SIGKILL) and removed at the end. The port
// is read from the server's log line "Listening for client connections on 127.0.0.1:PORT".
// stop() and start() again keep the store and the port, as an outage would.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace faasgate::nats::testing {

class NatsServer {
 public:
  NatsServer();  // starts it; throws std::runtime_error (naming the log) if it does not listen
  ~NatsServer();
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  const std::string& url() const { return url_; }
  void stop();   // SIGKILL, and waits for it
  void start();  // again, on the same port and store

  // /usr/sbin/nats-server (Debian's), or the first on PATH; empty if none.
  static std::string binary();

 private:
  void spawn(const std::string& port);
  std::filesystem::path dir_;
  std::string url_;
  std::string port_;
  pid_t pid_ = -1;
};

}  // namespace faasgate::nats::testing
