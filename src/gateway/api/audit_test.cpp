// The audit log file: what it says (who did what to which function) is for the operator only.
#include "faasgate/api/audit.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "faasgate/http_client/fake_http_client.hpp"

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
  http_client::FakeHttpClient http_;
};

TEST_F(AuditFileTest, ANewLogIsCreatedPrivate) {
  {
    AuditLog audit({.file = log().string()}, http_);
    audit.record(event("alice"));
  }
  EXPECT_EQ(mode(), 0600u);
  EXPECT_NE(contents().find("\"actor\":\"alice\""), std::string::npos);
}

TEST_F(AuditFileTest, AnExistingLogReadableByOthersIsMadePrivateAndAppendedTo) {
  { std::ofstream(log()) << "{\"earlier\":1}\n"; }
  ASSERT_EQ(::chmod(log().c_str(), 0644), 0);
  {
    AuditLog audit({.file = log().string()}, http_);
    audit.record(event("bob"));
  }
  EXPECT_EQ(mode(), 0600u);
  const auto text = contents();
  EXPECT_EQ(text.rfind("{\"earlier\":1}\n", 0), 0u) << "what was there is kept";
  EXPECT_NE(text.find("\"actor\":\"bob\""), std::string::npos);
}

TEST_F(AuditFileTest, AnUnopenableLogIsRefused) {
  EXPECT_THROW(AuditLog({.file = (dir_ / "missing" / "audit.log").string()}, http_), std::runtime_error);
}

TEST_F(AuditFileTest, TheWebhookGetsEachEventSignedWithTheSecret) {
  const std::string url = "https://audit.example/events";
  http_.set(url, http_client::Response{204, "", std::nullopt});
  http_.fail_call(1, http_client::Error{http_client::Errc::timeout, "scripted"});  // dropped, logged: no retry
  const core::Secret secret(std::string("webhook-key"));
  {
    AuditLog audit({.webhook_url = url, .webhook_secret = secret}, http_);
    audit.record(event("carol"));
    audit.record(event("dave"));
  }  // the destructor drains the queue
  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  const auto& sent = requests[1];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, url);
  EXPECT_EQ(sent.body, to_json_line(event("dave")));
  auto header = [&](const std::string& name) -> std::optional<std::string> {
    for (const auto& [k, v] : sent.headers)
      if (k == name) return v;
    return std::nullopt;
  };
  EXPECT_EQ(header("X-Openfaas-Signature-256"), sign_webhook_body(secret, sent.body));
  EXPECT_EQ(header("Content-Type"), "application/json");
  EXPECT_NE(sent.address_policy, nullptr) << "the webhook is held to the default address policy";
}

}  // namespace
}  // namespace faasgate::api
