#include "config.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <fstream>

#include "faasgate/core/files.hpp"
#include "test_support.hpp"

namespace faasgate::cli {
namespace {

using testing::TempDir;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::string slurp(const std::filesystem::path& p) {
  auto text = core::read_file(p, 1 << 24);
  EXPECT_TRUE(text) << p;
  return text ? *text : std::string();
}

Config sample() {
  Config c;
  c.current = "https://gw.example.com";
  GatewayLogin token;
  token.kind = AuthKind::token;
  token.access_token = core::Secret("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJmZWQ6YSJ9.c2ln");
  token.expires_at = 1'800'003'600;
  token.token_file = "/home/me/id token: \"quoted\"";
  c.gateways["https://gw.example.com"] = token;
  GatewayLogin basic;
  basic.kind = AuthKind::basic;
  basic.username = "admin";
  // Everything YAML could misread: a bool word, a number, quotes, a colon, a comment, a newline.
  basic.password = core::Secret("yes: 0755 # \"x\" 'y'\n\\ \xc3\xa9\t");
  c.gateways["http://127.0.0.1:8080"] = basic;
  return c;
}

void expect_same(const Config& a, const Config& b) {
  EXPECT_EQ(a.current, b.current);
  ASSERT_EQ(a.gateways.size(), b.gateways.size());
  for (const auto& [url, login] : a.gateways) {
    const auto* other = b.login(url);
    ASSERT_NE(other, nullptr) << url;
    EXPECT_EQ(login.kind, other->kind);
    EXPECT_EQ(login.access_token.reveal(), other->access_token.reveal());
    EXPECT_EQ(login.expires_at, other->expires_at);
    EXPECT_EQ(login.token_file, other->token_file);
    EXPECT_EQ(login.username, other->username);
    EXPECT_EQ(login.password.reveal(), other->password.reveal());
  }
}

TEST(ConfigPath, ExplicitFileThenXdgThenHome) {
  EXPECT_EQ(*config_path(env_of({{"FAASGATE_CONFIG", "/x/c.yaml"}, {"XDG_CONFIG_HOME", "/xdg"}, {"HOME", "/h"}})),
            "/x/c.yaml");
  EXPECT_EQ(*config_path(env_of({{"XDG_CONFIG_HOME", "/xdg"}, {"HOME", "/h"}})), "/xdg/faasgate/config.yaml");
  EXPECT_EQ(*config_path(env_of({{"HOME", "/h"}})), "/h/.config/faasgate/config.yaml");
}

TEST(ConfigPath, RelativeXdgIsIgnoredAsTheSpecSays) {
  EXPECT_EQ(*config_path(env_of({{"XDG_CONFIG_HOME", "rel"}, {"HOME", "/h"}})), "/h/.config/faasgate/config.yaml");
  EXPECT_EQ(*config_path(env_of({{"XDG_CONFIG_HOME", ""}, {"HOME", "/h"}})), "/h/.config/faasgate/config.yaml");
}

TEST(ConfigPath, NoHomeIsAnError) {
  auto p = config_path(env_of({}));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("HOME"), std::string::npos);
}

TEST(Config, RoundTripsThroughYaml) {
  const auto c = sample();
  auto back = parse_config(to_yaml(c), "config.yaml");
  ASSERT_TRUE(back) << back.error();
  expect_same(c, *back);
}

TEST(Config, RoundTripsThroughTheFile) {
  TempDir dir;
  const auto path = dir.path() / "a" / "faasgate" / "config.yaml";
  ASSERT_TRUE(save_config(path, sample()));
  auto back = load_config(path);
  ASSERT_TRUE(back) << back.error();
  expect_same(sample(), *back);
}

TEST(Config, MissingFileIsEmpty) {
  TempDir dir;
  auto c = load_config(dir.path() / "nope.yaml");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->current.empty());
  EXPECT_TRUE(c->gateways.empty());
}

TEST(Config, SaveCreatesPrivateDirectoriesAndFileWhateverTheUmask) {
  TempDir dir;
  const auto path = dir.path() / "xdg" / "faasgate" / "config.yaml";
  const mode_t old = ::umask(0);  // a careless umask must not make the file readable by others
  auto saved = save_config(path, sample());
  ::umask(old);
  ASSERT_TRUE(saved) << saved.error();
  EXPECT_EQ(mode_of(dir.path() / "xdg"), 0700u);
  EXPECT_EQ(mode_of(dir.path() / "xdg" / "faasgate"), 0700u);
  EXPECT_EQ(mode_of(path), 0600u);
  // Saving again replaces the file and keeps the mode.
  ASSERT_TRUE(save_config(path, Config{}));
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST(Config, SaveLeavesAnExistingDirectoryAlone) {
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  ASSERT_TRUE(save_config(dir.path() / "c.yaml", sample()));
  EXPECT_EQ(mode_of(dir.path()), 0755u);
  EXPECT_EQ(mode_of(dir.path() / "c.yaml"), 0600u);
}

TEST(Config, FailedSaveLeavesTheOldFileByteForByte) {
  TempDir dir;
  const auto path = dir.path() / "faasgate" / "config.yaml";
  ASSERT_TRUE(save_config(path, sample()));
  const auto before = slurp(path);

  // A write that fails half-way, even for root: the file-size limit stops it with EFBIG.
  Config big = sample();
  big.gateways["https://big.example.com"].access_token = core::Secret(std::string(256 * 1024, 'x'));
  struct rlimit saved_limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved_limit;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto saved = save_config(path, big);
  ::setrlimit(RLIMIT_FSIZE, &saved_limit);
  std::signal(SIGXFSZ, old_handler);

  ASSERT_FALSE(saved);
  EXPECT_EQ(slurp(path), before);
  // ... and no temporary file is left beside it.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(Config, UnknownKeysAreIgnored) {
  auto c = parse_config(
      "current: http://a\nfuture: 1\ngateways:\n  http://a:\n    kind: basic\n    username: u\n    password: p\n"
      "    colour: blue\n",
      "c.yaml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->login("http://a")->username, "u");
}

TEST(Config, HandEditedUrlsAreNormalized) {
  auto c = parse_config("current: http://a:8080/\ngateways:\n  HTTP://a:8080//:\n    kind: basic\n    username: u\n", "c");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->current, "http://a:8080");
  EXPECT_NE(c->login("http://a:8080"), nullptr);
  auto twice = parse_config("gateways:\n  http://a/:\n    kind: basic\n    username: u\n  http://a:\n    kind: basic\n"
                            "    username: v\n",
                            "c");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().find("appears twice"), std::string::npos) << twice.error();
}

TEST(Config, ErrorsNameTheLineAndField) {
  auto bad_kind = parse_config("gateways:\n  http://a:\n    kind: magic\n", "c.yaml");
  ASSERT_FALSE(bad_kind);
  EXPECT_EQ(bad_kind.error(), "c.yaml:3: gateways.http://a.kind must be token or basic");

  auto bad_exp = parse_config("gateways:\n  http://a:\n    kind: token\n    access_token: t\n    expires_at: soon\n",
                              "c.yaml");
  ASSERT_FALSE(bad_exp);
  EXPECT_NE(bad_exp.error().find("c.yaml:5:"), std::string::npos) << bad_exp.error();
  EXPECT_NE(bad_exp.error().find("expires_at"), std::string::npos);

  auto not_yaml = parse_config("gateways: [\n", "c.yaml");
  ASSERT_FALSE(not_yaml);
  EXPECT_NE(not_yaml.error().find("c.yaml:"), std::string::npos);
  EXPECT_NE(not_yaml.error().find("not YAML"), std::string::npos);

  auto no_token = parse_config("gateways:\n  http://a:\n    kind: token\n", "c.yaml");
  ASSERT_FALSE(no_token);
  EXPECT_NE(no_token.error().find("access_token"), std::string::npos);
}

TEST(Config, ErrorsDoNotQuoteSecrets) {
  auto e = parse_config("gateways:\n  http://a:\n    kind: basic\n    username: u\n    password: [hunter2]\n", "c.yaml");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().find("hunter2"), std::string::npos);
}

TEST(Config, TooLargeIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "c.yaml";
  std::ofstream(path) << std::string(2 * 1024 * 1024, '#');
  auto c = load_config(path);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("larger"), std::string::npos);
}

TEST(NormalizeGateway, KeepsSchemeHostAndPathWithoutTrailingSlash) {
  EXPECT_EQ(*normalize_gateway("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
  EXPECT_EQ(*normalize_gateway("HTTPS://gw.example.com/prefix//"), "https://gw.example.com/prefix");
  EXPECT_FALSE(normalize_gateway("gw.example.com"));
  EXPECT_FALSE(normalize_gateway("ftp://gw"));
  EXPECT_FALSE(normalize_gateway("http://"));
  EXPECT_FALSE(normalize_gateway("http://admin:pw@gw"));
  EXPECT_FALSE(normalize_gateway("http://gw/?x=1"));
}

}  // namespace
}  // namespace faasgate::cli
