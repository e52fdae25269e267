#include "faasgate/core/files.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>

namespace faasgate::core {
namespace {

class Files : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "faasgate-files-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(Files, AWriteThatMustNotReplaceLeavesAnExistingFileAsItIs) {
  const auto path = dir_ / "key.pem";
  ASSERT_TRUE(write_file_atomic(path, "first", 0600, /*replace=*/false));
  auto second = write_file_atomic(path, "second", 0600, /*replace=*/false);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("exists"), std::string::npos) << second.error();
  EXPECT_EQ(*read_file(path, 64), "first");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1u) << "no temporary file is left behind";
  ASSERT_TRUE(write_file_atomic(path, "third"));  // replace, the default
  EXPECT_EQ(*read_file(path, 64), "third");
}

TEST_F(Files, AFileLockHasOneHolderAtATime) {
  const auto path = dir_ / "gateway.lock";
  {
    auto first = FileLock::acquire(path);
    ASSERT_TRUE(first) << first.error();
    // flock belongs to the open file: a second open, even in this process, is refused.
    auto second = FileLock::acquire(path);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().find("locked by another process (pid " + std::to_string(getpid()) + ")"),
              std::string::npos)
        << second.error();
    auto content = read_file(path, 64);
    ASSERT_TRUE(content);
    EXPECT_EQ(*content, std::to_string(getpid()) + "\n");
  }
  auto again = FileLock::acquire(path);  // released with its holder
  EXPECT_TRUE(again) << again.error();
}

TEST_F(Files, AMovedLockStaysHeld) {
  const auto path = dir_ / "gateway.lock";
  auto first = FileLock::acquire(path);
  ASSERT_TRUE(first);
  FileLock held = std::move(*first);
  EXPECT_FALSE(FileLock::acquire(path));
}

TEST_F(Files, ALockInAMissingDirectoryIsAnError) {
  auto lock = FileLock::acquire(dir_ / "missing" / "gateway.lock");
  ASSERT_FALSE(lock);
  EXPECT_NE(lock.error().find("cannot open"), std::string::npos);
}

TEST_F(Files, ReadFileRefusesWhatIsLargerThanItsLimit) {
  ASSERT_TRUE(write_file_atomic(dir_ / "f", "0123456789"));
  EXPECT_EQ(*read_file(dir_ / "f", 10), "0123456789");
  EXPECT_FALSE(read_file(dir_ / "f", 9));
}

}  // namespace
}  // namespace faasgate::core
