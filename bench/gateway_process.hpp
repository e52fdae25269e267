#pragma once
// Starts `faasgate serve` on 127.0.0.1:0 for a benchmark and stops it at the end.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace faasgate::bench {

class GatewayProcess {
 public:
  GatewayProcess(const std::filesystem::path& binary, std::vector<std::string> args);
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;
  unsigned short port() const noexcept { return port_; }
  pid_t pid() const noexcept { return pid_; }

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

std::filesystem::path make_temp_dir();

}  // namespace faasgate::bench
