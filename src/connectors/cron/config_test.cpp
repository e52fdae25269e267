#include "faasgate/cron_connector/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace faasgate::cron_connector {
namespace {

using namespace std::chrono_literals;

struct ConfigTest : ::testing::Test {
  std::map<std::string, std::string, std::less<>> vars{{"gateway_url", "http://gateway.openfaas:8080/"}};
  Flags flags;
  Environment env() {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
  core::Expected<Config, std::string> load() { return load_config(flags, env()); }
  std::string error() {
    auto c = load();
    EXPECT_FALSE(c.has_value());
    return c ? std::string() : c.error();
  }
};

TEST_F(ConfigTest, DefaultsAreUpstreamsAndIam) {
  auto c = load();
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->gateway_url, "http://gateway.openfaas:8080");
  EXPECT_FALSE(c->asynchronous);
  EXPECT_EQ(c->content_type, "text/plain");
  EXPECT_FALSE(c->print_response_body);
  EXPECT_EQ(c->rebuild_interval, 10s);
  EXPECT_EQ(c->rebuild_timeout, 5s);
  EXPECT_EQ(c->invoke_timeout, 30s);
  EXPECT_EQ(c->max_inflight, 16u);
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:8083");
  EXPECT_EQ(c->auth, AuthMode::iam);
  EXPECT_EQ(c->token_file, "/var/secrets/tokens/openfaas-token");
}

TEST_F(ConfigTest, TheEnvironmentWithUpstreamNames) {
  vars["asynchronous_invocation"] = "1";
  vars["content_type"] = "application/json";
  vars["print_response_body"] = "true";
  vars["rebuild_interval"] = "1m30s";
  vars["rebuild_timeout"] = "1500ms";
  vars["token_mount_path"] = "/run/tokens";
  vars["max_inflight"] = "4";
  vars["metrics_listen"] = "off";
  auto c = load();
  ASSERT_TRUE(c) << c.error();
  EXPECT_TRUE(c->asynchronous);
  EXPECT_EQ(c->content_type, "application/json");
  EXPECT_TRUE(c->print_response_body);
  EXPECT_EQ(c->rebuild_interval, 90s);
  EXPECT_EQ(c->rebuild_timeout, 1500ms);
  EXPECT_EQ(c->token_file, "/run/tokens/openfaas-token");
  EXPECT_EQ(c->max_inflight, 4u);
  EXPECT_TRUE(c->metrics_listen.empty());
}

TEST_F(ConfigTest, FlagsWin) {
  vars["asynchronous_invocation"] = "true";
  vars["rebuild_interval"] = "30s";
  vars["token_mount_path"] = "/run/tokens";
  flags.gateway_url = "https://gw.example.com";
  flags.asynchronous_invocation = "false";
  flags.rebuild_interval = "2s";
  flags.token_file = "/tmp/connector/token";
  flags.metrics_listen = "127.0.0.1:0";
  auto c = load();
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->gateway_url, "https://gw.example.com");
  EXPECT_FALSE(c->asynchronous);
  EXPECT_EQ(c->rebuild_interval, 2s);
  EXPECT_EQ(c->token_file, "/tmp/connector/token");
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:0");
}

TEST_F(ConfigTest, GoBooleans) {
  for (auto t : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_EQ(parse_go_bool(t), true) << t;
  for (auto f : {"0", "f", "F", "FALSE", "false", "False"}) EXPECT_EQ(parse_go_bool(f), false) << f;
  for (auto x : {"", "yes", "on", "tRUE", " 1"}) EXPECT_FALSE(parse_go_bool(x).has_value()) << x;
}

TEST_F(ConfigTest, ErrorsNameTheSetting) {
  vars.erase("gateway_url");
  EXPECT_NE(error().find("gateway_url is required"), std::string::npos);
  vars["gateway_url"] = "gateway:8080";
  EXPECT_NE(error().find("http:// or https://"), std::string::npos);
  vars["gateway_url"] = "http://admin:hunter2@gateway:8080";
  auto e = error();
  EXPECT_NE(e.find("credentials"), std::string::npos);
  EXPECT_EQ(e.find("hunter2"), std::string::npos) << "the URL's password is not repeated: " << e;
  vars["gateway_url"] = "http://gateway:8080";
  vars["asynchronous_invocation"] = "yes";
  EXPECT_NE(error().find("asynchronous_invocation \"yes\" is not a boolean"), std::string::npos);
  vars.erase("asynchronous_invocation");
  vars["rebuild_interval"] = "10";
  EXPECT_NE(error().find("rebuild_interval \"10\" is not a duration"), std::string::npos);
  vars["rebuild_interval"] = "1ms";
  EXPECT_NE(error().find("rebuild_interval \"1ms\" must be between"), std::string::npos);
  vars.erase("rebuild_interval");
  flags.rebuild_timeout = "-1s";
  EXPECT_NE(error().find("--rebuild-timeout"), std::string::npos);
  flags.rebuild_timeout.reset();
  vars["max_inflight"] = "0";
  EXPECT_NE(error().find("max_inflight"), std::string::npos);
  vars["max_inflight"] = "2000";
  EXPECT_NE(error().find("max_inflight"), std::string::npos);
  vars.erase("max_inflight");
  vars["content_type"] = "text/plain\r\nX-Evil: 1";
  EXPECT_NE(error().find("control character"), std::string::npos);
  vars.erase("content_type");
  vars["metrics_listen"] = "8083";
  EXPECT_NE(error().find("HOST:PORT"), std::string::npos);
}

struct BasicAuthTest : ConfigTest {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("cron-connector-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                               "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
};

TEST_F(BasicAuthTest, ReadsTheTwoFilesUnderSecretMountPathAndNeverDescribesThePassword) {
  write("basic-auth-user", "admin\n");
  write("basic-auth-password", "s3cr3t-password\n");
  vars["basic_auth"] = "true";
  vars["secret_mount_path"] = dir.string();
  auto c = load();
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->auth, AuthMode::basic);
  EXPECT_EQ(c->basic_auth_user, "admin");
  EXPECT_EQ(c->basic_auth_password.reveal(), "s3cr3t-password");
  const auto described = c->describe();
  EXPECT_EQ(described.find("s3cr3t"), std::string::npos) << described;
  EXPECT_NE(described.find("\"auth\": \"basic\""), std::string::npos) << described;
}

TEST_F(BasicAuthTest, MissingOrOversizedFilesAreConfigErrors) {
  vars["basic_auth"] = "true";
  vars["secret_mount_path"] = dir.string();
  EXPECT_NE(error().find("basic_auth: cannot read the user"), std::string::npos);
  write("basic-auth-user", "admin");
  write("basic-auth-password", std::string(kMaxCredentialFileBytes + 1, 'x'));
  EXPECT_NE(error().find("basic_auth: cannot read the password"), std::string::npos);
  write("basic-auth-password", "\n");
  EXPECT_NE(error().find("must not be empty"), std::string::npos);
}

TEST_F(ConfigTest, DescribeIsTheWriteUpsConfigLine) {
  auto c = load();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->describe().rfind(R"({"gateway": "http://gateway.openfaas:8080", "async_invocation": false, )"
                                R"("rebuild_interval": 10, "rebuild_timeout": 5)", 0),
            0u)
      << c->describe();
}

}  // namespace
}  // namespace faasgate::cron_connector
