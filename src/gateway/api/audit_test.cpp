// The audit log file: what it says (who did what to which function) is for the operator only.
#include "faasgate/api/audit.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace faasgate::api {
namespace {

namespace fs = std::filesystem;

class AuditFileTest : public ::testing::Test {
 protected:
  AuditFileTest() {
    std::string pattern = (fs::path(::testing::TempDir()) / "faasgate-audit-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    // The most permissive umask: the file's mode must come from the gateway, not the umask.
    old_umask_ = ::umask(0);
  }
  ~AuditFileTest() override {
    ::umask(old_umask_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path log() const { return dir_ / "audit.log"; }
  mode_t mode() const {
    struct stat st {};
    EXPECT_EQ(::stat(log().c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  std::string contents() const {
    std::ifstream in(log(), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static AuditEvent event(std::string actor) {
    AuditEvent e;
    e.time = std::chrono::system_clock::from_time_t(1'700'000'000);
    e.actor = std::move(actor);
    e.method = "GET";
    e.path = "/system/functions";
    e.action = "Function:List";
    e.resource = "openfaas-fn:*";
    e.allowed = true;
    e.status = 200;
    return e;
  }

  fs::path dir_;
  mode_t old_umask_ = 0;
};

TEST_F(AuditFileTest, ANewLogIsCreatedPrivate) {
  {
    AuditLog audit({.file = log().string()});
    audit.record(event("alice"));
  }
  EXPECT_EQ(mode(), 0600u);
  EXPECT_NE(contents().find("\"actor\":\"alice\""), std::string::npos);
}

TEST_F(AuditFileTest, AnExistingLogReadableByOthersIsMadePrivateAndAppendedTo) {
  { std::ofstream(log()) << "{\"earlier\":1}\n"; }
  ASSERT_EQ(::chmod(log().c_str(), 0644), 0);
  {
    AuditLog audit({.file = log().string()});
    audit.record(event("bob"));
  }
  EXPECT_EQ(mode(), 0600u);
  const auto text = contents();
  EXPECT_EQ(text.rfind("{\"earlier\":1}\n", 0), 0u) << "what was there is kept";
  EXPECT_NE(text.find("\"actor\":\"bob\""), std::string::npos);
}

TEST_F(AuditFileTest, AnUnopenableLogIsRefused) {
  EXPECT_THROW(AuditLog({.file = (dir_ / "missing" / "audit.log").string()}), std::runtime_error);
}

}  // namespace
}  // namespace faasgate::api
