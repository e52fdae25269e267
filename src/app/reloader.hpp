#pragma once
// Keeps a running gateway's view of the world fresh: every period, on a thread of its own, it
// runs its chores in order - reloading the IAM objects and keys when they changed, re-reading
// revocations (`faasgate iam revoke` writes them from another process), writing invocation
// counts. Polling, not inotify: Kubernetes swaps ConfigMap volumes through symlinks, which
// inotify barely sees. A chore must not throw; a slow one delays the next round, never a request.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace faasgate::app {

class Reloader {
 public:
  using Chore = std::function<void()>;
  Reloader(std::chrono::milliseconds period, std::vector<Chore> chores);
  ~Reloader();  // stops
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  void start();
  // Waits for the round in progress, if any; no chore runs after it returns.
  void stop();

 private:
  std::chrono::milliseconds period_;
  std::vector<Chore> chores_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace faasgate::app
