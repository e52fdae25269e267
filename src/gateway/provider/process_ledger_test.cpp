// The ledger against real processes: it stops what a previous gateway left running, and never a
// process that merely has a recorded pid.
#include "process_ledger.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

extern char** environ;

namespace faasgate::provider::detail {
namespace {

namespace fs = std::filesystem;

// `sleep 30` in a process group of its own, as the runtime starts functions.
pid_t start_sleeper() {
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = -1;
  char arg0[] = "sleep", arg1[] = "30";
  char* argv[] = {arg0, arg1, nullptr};
  const int rc = posix_spawnp(&pid, "sleep", nullptr, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  return rc == 0 ? pid : -1;
}

// How the process ended: the signal that killed it, 0 for a normal exit.
int reap(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

class ProcessLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ledger-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(ProcessStartTime, IsKnownForALiveProcessAndNotForAReapedOne) {
  EXPECT_TRUE(process_start_time(getpid()).has_value());
  pid_t pid = start_sleeper();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(process_start_time(pid).has_value());
  kill(pid, SIGKILL);
  reap(pid);
  EXPECT_FALSE(process_start_time(pid).has_value());
}

TEST_F(ProcessLedgerTest, TheNextGatewayStopsWhatACrashedOneLeftRunning) {
  pid_t pid = start_sleeper();
  ASSERT_GT(pid, 0);
  ProcessLedger(dir_).add(pid);  // the crashed gateway's ledger
  ProcessLedger next(dir_);
  EXPECT_EQ(next.stop_leftovers(), 1u);
  EXPECT_EQ(reap(pid), SIGKILL);
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(ProcessLedgerTest, AReusedPidIsLeftAlone) {
  pid_t pid = start_sleeper();
  ASSERT_GT(pid, 0);
  fs::create_directories(dir_);
  // The recorded start time is not this process's: the pid now names someone else.
  std::ofstream(dir_ / std::to_string(pid)) << (*process_start_time(pid) + 1) << "\n";
  EXPECT_EQ(ProcessLedger(dir_).stop_leftovers(), 0u);
  EXPECT_TRUE(process_start_time(pid).has_value()) << "an unrelated process was killed";
  EXPECT_TRUE(fs::is_empty(dir_));
  kill(pid, SIGKILL);
  reap(pid);
}

TEST_F(ProcessLedgerTest, RemovedAndUnreadableEntriesKillNothing) {
  pid_t pid = start_sleeper();
  ASSERT_GT(pid, 0);
  ProcessLedger ledger(dir_);
  ledger.add(pid);
  ledger.remove(pid);
  std::ofstream(dir_ / "not-a-pid") << "x\n";
  std::ofstream(dir_ / "1") << "garbage\n";
  EXPECT_EQ(ledger.stop_leftovers(), 0u);
  EXPECT_TRUE(process_start_time(pid).has_value());
  EXPECT_TRUE(fs::is_empty(dir_));
  kill(pid, SIGKILL);
  reap(pid);
}

}  // namespace
}  // namespace faasgate::provider::detail
