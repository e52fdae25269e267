#include "gateway_process.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

extern char** environ;

namespace faasgate::bench {

GatewayProcess::GatewayProcess(const std::filesystem::path& binary, std::vector<std::string> args) {
  int pipefd[2];
  if (pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
  posix_spawn_file_actions_addclose(&actions, pipefd[0]);
  std::vector<std::string> argv_store{binary.string()};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start " + binary.string());
  }
  posix_spawn_file_actions_destroy(&actions);
  close(pipefd[1]);
  FILE* out = fdopen(pipefd[0], "r");
  char line[512];
  constexpr std::string_view marker = "listening on http://127.0.0.1:";
  while (fgets(line, sizeof line, out)) {
    std::string_view text(line);
    if (auto at = text.find(marker); at != std::string_view::npos) {
      port_ = static_cast<unsigned short>(std::atoi(line + at + marker.size()));
      break;
    }
  }
  if (port_ == 0) throw std::runtime_error("the gateway did not start");
  // Leave the pipe open (the gateway writes nothing more to stdout); it closes with the process.
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::filesystem::path make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "faasgate-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  // Passable: a sandboxed gateway run as root hands its functions to a user of their own, who
  // must reach the data directory inside (see docs/isolation.md).
  std::filesystem::permissions(tmpl, std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                         std::filesystem::perms::others_exec);
  return tmpl;
}

}  // namespace faasgate::bench
