// The commands, run in-process through CLI11 as `faasgate` runs them, over a fake gateway (an
// sdk::testing::FakeTransport), a temporary XDG_CONFIG_HOME, string streams and a fake clock.
#include "faasgate/cli/commands.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <set>

#include "config.hpp"
#include "faasgate/core/base64.hpp"
#include "faasgate/core/files.hpp"
#include "faasgate/wire/json.hpp"
#include "test_support.hpp"

namespace faasgate::cli {
namespace {

namespace json = boost::json;
using sdk::testing::answer;
using testing::TestContext;

constexpr const char* kGateway = "http://gw.test:8080";
constexpr long long kNow = 1'800'000'000;

std::string jwt(const json::object& claims) {
  return core::base64url_encode(std::string(R"({"alg":"ES256","typ":"JWT"})")) + "." +
         core::base64url_encode(json::serialize(claims)) + ".c2lnbmF0dXJl";
}

std::string access_token(const std::string& jti, long long exp = kNow + 3600) {
  return jwt({{"sub", "fed:alice"}, {"iss", kGateway}, {"fed:iss", "https://idp.test"},
              {"policy", json::array{"dev-rw", "read-all"}}, {"exp", exp}, {"iat", kNow}, {"jti", jti}});
}

// The query's values and the path, from a URL the client built.
struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};
Target parse_target(const std::string& url) {
  Target t;
  std::string rest = url.substr(url.find("://") + 3);
  rest = rest.substr(rest.find('/'));
  auto q = rest.find('?');
  t.path = rest.substr(0, q);
  if (q != std::string::npos) {
    std::string query = rest.substr(q + 1);
    std::size_t at = 0;
    while (at <= query.size()) {
      auto amp = query.find('&', at);
      auto item = query.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
      auto eq = item.find('=');
      if (!item.empty()) t.query[item.substr(0, eq)] = eq == std::string::npos ? "" : item.substr(eq + 1);
      if (amp == std::string::npos) break;
      at = amp + 1;
    }
  }
  return t;
}

const std::string* header(const sdk::HttpRequest& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size(); ++i) same = same && std::tolower(h.name[i]) == std::tolower(name[i]);
    if (same) return &h.value;
  }
  return nullptr;
}

// A gateway good enough for the CLI: functions in namespaces, secrets, logs, an exchange that
// mints numbered tokens, and a switch for every failure a test wants.
struct FakeGateway {
  std::map<std::pair<std::string, std::string>, model::FunctionStatus> functions;  // (ns, name)
  std::vector<std::string> namespaces{"openfaas-fn", "dev"};
  int exchanges = 0;
  std::string exchange_error;  // a 400 invalid_request with this description
  int available_after_polls = 0;  // get answers availableReplicas 0 this many times
  int polls = 0;
  std::set<std::string> revoked;  // access tokens answered with 401
  int status_for_api = 0;         // answer every /system call with this status
  std::string body_for_api;
  bool refuse_connections = false;
  std::vector<std::string> accepted_auth;  // Authorization of the /system calls that got through

  sdk::Result<sdk::HttpResponse> handle(const sdk::HttpRequest& r) {
    if (refuse_connections)
      return core::fail(sdk::Error{sdk::ErrorKind::transport, "cannot connect to gw.test:8080: Connection refused"});
    auto t = parse_target(r.url);
    if (t.path == "/oauth/token") {
      ++exchanges;
      if (!exchange_error.empty())
        return answer(400, json::serialize(json::object{{"error", "invalid_request"}, {"error_description", exchange_error}}),
                      {{"content-type", "application/json"}});
      return answer(200,
                    json::serialize(json::object{{"access_token", access_token("t" + std::to_string(exchanges))},
                                                 {"token_type", "Bearer"},
                                                 {"issued_token_type", "urn:ietf:params:oauth:token-type:id_token"},
                                                 {"expires_in", 3600}}),
                    {{"content-type", "application/json"}});
    }
    if (t.path.starts_with("/system/")) {
      const auto* auth = header(r, "authorization");
      if (!auth) return answer(401, "missing authorization\n");
      if (auth->starts_with("Bearer ") && revoked.count(auth->substr(7))) return answer(401, "token revoked\n");
      accepted_auth.push_back(*auth);
      if (status_for_api) return answer(status_for_api, body_for_api);
    }
    const std::string ns = t.query.count("namespace") && !t.query["namespace"].empty() ? t.query["namespace"] : "openfaas-fn";
    if (t.path == "/system/info" && r.method == "GET")
      return answer(200, R"({"provider":{"provider":"faasgate","orchestration":"embedded","version":"0.1.0"},)"
                         R"("version":{"commit_message":"m","sha":"abc","release":"0.1.0"},"arch":"x86_64"})");
    if (t.path == "/system/namespaces" && r.method == "GET") {
      json::array a;
      for (const auto& n : namespaces) a.emplace_back(n);
      return answer(200, json::serialize(a));
    }
    if (t.path == "/system/functions" && r.method == "GET") {
      json::array a;
      for (const auto& [key, status] : functions)
        if (key.first == ns) a.push_back(wire::to_json(status));
      return answer(200, json::serialize(a));
    }
    if (t.path == "/system/functions" && (r.method == "POST" || r.method == "PUT")) {
      auto d = wire::parse_deployment(r.body);
      if (!d) return answer(400, d.error());
      const auto key = std::pair{d->namespace_, d->service};
      if (r.method == "POST" && functions.count(key)) return answer(409, "function exists\n");
      if (r.method == "PUT" && !functions.count(key)) return answer(404, "function not found\n");
      functions[key] = model::FunctionStatus{*d, 0, 0, core::from_unix(kNow)};
      return answer(202, "");
    }
    if (t.path == "/system/functions" && r.method == "DELETE") {
      auto d = wire::parse_delete_function(r.body);
      if (!d || functions.erase({d->namespace_, d->name}) == 0) return answer(404, "function not found\n");
      return answer(202, "");
    }
    if (t.path.starts_with("/system/function/") && r.method == "GET") {
      auto it = functions.find({ns, t.path.substr(17)});
      if (it == functions.end()) return answer(404, "function " + t.path.substr(17) + "." + ns + " not found\n");
      auto status = it->second;
      status.available_replicas = polls++ >= available_after_polls ? 1 : 0;
      return answer(200, json::serialize(wire::to_json(status)));
    }
    if (t.path.starts_with("/system/scale-function/") && r.method == "POST") {
      auto s = wire::parse_scale(r.body);
      auto it = functions.find({s ? s->namespace_ : ns, t.path.substr(23)});
      if (!s || it == functions.end()) return answer(404, "function not found\n");
      it->second.deployment.replicas = s->replicas;
      return answer(202, "");
    }
    if (t.path == "/system/secrets" && r.method == "GET")
      return answer(200, R"([{"name":"db","namespace":")" + ns + R"("}])");
    if (t.path == "/system/secrets" && (r.method == "POST" || r.method == "PUT")) return answer(r.method == "POST" ? 201 : 200, "");
    if (t.path == "/system/secrets" && r.method == "DELETE") return answer(202, "");
    if (t.path == "/system/logs" && r.method == "GET")
      return answer(200,
                    R"({"name":"hello","namespace":"dev","instance":"hello-1","timestamp":"2027-01-15T08:00:00.000000000Z","text":"started"})"
                    "\n"
                    R"({"name":"hello","namespace":"dev","instance":"hello-1","timestamp":"2027-01-15T08:00:01.000000000Z","text":"\u001b[2Jready"})"
                    "\n",
                    {{"content-type", "application/x-ndjson"}});
    if (t.path.starts_with("/function/") || t.path.starts_with("/async-function/")) {
      const bool async = t.path.starts_with("/async-function/");
      if (async) return answer(202, "", {{"x-call-id", "call-42"}});
      if (t.path.starts_with("/function/private")) {
        const auto* auth = header(r, "authorization");
        if (!auth) return answer(401, "", {{"www-authenticate", "Bearer realm=\"IAM function invoke\""}});
        return answer(200, "private ok");
      }
      if (t.path.starts_with("/function/broken")) return answer(500, "it broke\n");
      return answer(200, "echo:" + r.body);
    }
    if (t.path.starts_with("/system/namespace")) return answer(r.method == "POST" ? 201 : 200, "");
    return answer(404, "no route\n");
  }
};

struct Fixture {
  FakeGateway gateway;
  TestContext t{[this](const sdk::HttpRequest& r) { return gateway.handle(r); }};

  int run(std::vector<std::string> args, std::string stdin_text = "") {
    t.in.str(std::move(stdin_text));
    t.in.clear();
    t.out.str("");
    t.err.str("");
    CLI::App app{"faasgate"};
    app.require_subcommand(1);
    std::vector<std::pair<CLI::App*, Run>> runs;
    for (const auto& c : kCommands) {
      auto* sub = app.add_subcommand(std::string(c.name), std::string(c.description));
      runs.emplace_back(sub, c.setup(*sub, t.context));
    }
    std::vector<const char*> argv{"faasgate"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return e.get_exit_code() == 0 ? 0 : kUsage;
    }
    for (auto& [sub, run] : runs)
      if (sub->parsed()) return run();
    return kUsage;
  }

  std::string out() const { return t.out.str(); }
  std::string err() const { return t.err.str(); }

  std::filesystem::path write_file(const std::string& name, const std::string& text) {
    auto p = t.home.path() / name;
    std::ofstream(p) << text;
    return p;
  }

  void store_login(GatewayLogin login, const std::string& url = kGateway) {
    Config c;
    if (auto loaded = load_config(t.config_file())) c = *loaded;
    c.current = url;
    c.gateways[url] = std::move(login);
    ASSERT_TRUE(save_config(t.config_file(), c));
  }

  GatewayLogin token_login(long long expires_at = kNow + 3600, std::string file = "") {
    GatewayLogin l;
    l.kind = AuthKind::token;
    l.access_token = core::Secret(access_token("stored", expires_at));
    l.expires_at = expires_at;
    l.token_file = std::move(file);
    return l;
  }

  Config config() {
    auto c = load_config(t.config_file());
    EXPECT_TRUE(c);
    return c ? *c : Config{};
  }

  std::string config_bytes() {
    auto text = core::read_file(t.config_file(), 1 << 20);
    return text ? *text : std::string();
  }

  void add_function(const std::string& name, const std::string& ns, std::uint64_t invocations = 0) {
    model::FunctionStatus s;
    s.deployment.service = name;
    s.deployment.namespace_ = ns;
    s.deployment.image = "ghcr.io/me/" + name + ":1";
    s.deployment.env_process = "cat";
    s.invocation_count = invocations;
    s.available_replicas = 1;
    s.created_at = core::from_unix(kNow);
    gateway.functions[{ns, name}] = s;
  }
};

class CommandsTest : public ::testing::Test, public Fixture {};

// ---- the table

TEST(Commands, TableHasNoDuplicateNames) {
  std::set<std::string_view> names;
  for (const auto& c : kCommands) EXPECT_TRUE(names.insert(c.name).second) << c.name;
  for (const auto* expected : {"login", "logout", "whoami", "fn", "ns", "secret", "info"})
    EXPECT_TRUE(names.count(expected)) << expected;
}

TEST_F(CommandsTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run({"fn"}), kUsage);
  EXPECT_EQ(run({"fn", "frobnicate"}), kUsage);
  EXPECT_EQ(run({"fn", "list", "-o", "xml"}), kUsage);
  EXPECT_EQ(run({"fn", "scale", "hello"}), kUsage);  // --replicas is required
  EXPECT_EQ(run({"fn", "scale", "hello", "--replicas", "5000"}), kUsage);
  EXPECT_EQ(run({"login"}), kUsage);
  EXPECT_EQ(run({"login", "--token-stdin", "--username", "u", "--password-stdin"}), kUsage);
  EXPECT_EQ(run({"login", "--username", "u"}), kUsage);
  EXPECT_EQ(gateway.exchanges, 0);
}

// ---- login

TEST_F(CommandsTest, LoginWithATokenFileExchangesAndStoresTheTokenAndFile) {
  const auto file = write_file("id-token", "the-id-token\n");
  ASSERT_EQ(run({"login", "--gateway", std::string(kGateway) + "/", "--token-file", file.string()}), kOk) << err();
  EXPECT_EQ(gateway.exchanges, 1);
  const auto requests = t.transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].url, std::string(kGateway) + "/oauth/token");
  EXPECT_NE(requests[0].body.find("subject_token=the-id-token"), std::string::npos);  // without the newline
  EXPECT_NE(requests[0].body.find("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"),
            std::string::npos);

  const auto c = config();
  EXPECT_EQ(c.current, kGateway);
  const auto* login = c.login(kGateway);
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(login->kind, AuthKind::token);
  EXPECT_EQ(login->access_token.reveal(), access_token("t1"));
  EXPECT_EQ(login->expires_at, kNow + 3600);
  EXPECT_EQ(login->token_file, file.string());

  EXPECT_NE(out().find("Logged in to http://gw.test:8080 as fed:alice with policies dev-rw, read-all"), std::string::npos)
      << out();
  EXPECT_NE(out().find("in 1 hour"), std::string::npos) << out();
  // Never the tokens.
  EXPECT_EQ(out().find(access_token("t1")), std::string::npos);
  EXPECT_EQ(out().find("the-id-token"), std::string::npos);
  EXPECT_EQ(err().find("the-id-token"), std::string::npos);
}

TEST_F(CommandsTest, LoginDefaultsToOpenFaasUrlThenLocalhost) {
  t.env["OPENFAAS_URL"] = "http://from-env:8080";
  ASSERT_EQ(run({"login", "--token-stdin"}, "tok"), kOk) << err();
  EXPECT_EQ(t.transport->requests().back().url, "http://from-env:8080/oauth/token");
  t.env.erase("OPENFAAS_URL");
  ASSERT_EQ(run({"login", "--token-stdin"}, "tok"), kOk) << err();
  EXPECT_EQ(t.transport->requests().back().url, "http://127.0.0.1:8080/oauth/token");
  EXPECT_EQ(config().current, "http://127.0.0.1:8080");
  EXPECT_EQ(config().login("http://127.0.0.1:8080")->token_file, "");  // a piped token is not kept
}

TEST_F(CommandsTest, AFailedLoginLeavesTheStoredConfigByteForByte) {
  store_login(token_login());
  const auto before = config_bytes();
  ASSERT_FALSE(before.empty());
  gateway.exchange_error = "the subject token is expired";
  EXPECT_EQ(run({"login", "--gateway", kGateway, "--token-stdin"}, "old-token"), kFailed);
  EXPECT_EQ(config_bytes(), before);
  EXPECT_NE(err().find("invalid_request: the subject token is expired"), std::string::npos) << err();
  EXPECT_NE(err().find("Nothing was stored"), std::string::npos) << err();

  // Nor does a gateway that is down, nor a token file that is missing.
  gateway.exchange_error.clear();
  gateway.refuse_connections = true;
  EXPECT_EQ(run({"login", "--gateway", kGateway, "--token-stdin"}, "tok"), kFailed);
  EXPECT_NE(err().find("cannot reach the gateway at http://gw.test:8080"), std::string::npos) << err();
  EXPECT_EQ(run({"login", "--gateway", kGateway, "--token-file", "/nonexistent/token"}), kFailed);
  EXPECT_EQ(config_bytes(), before);
}

TEST_F(CommandsTest, LoginWithAPasswordChecksItAndStoresIt) {
  ASSERT_EQ(run({"login", "--gateway", kGateway, "--username", "admin", "--password-stdin"}, "s3cret\n"), kOk) << err();
  const auto requests = t.transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].url.find("/system/info"), std::string::npos);
  ASSERT_NE(header(requests[0], "authorization"), nullptr);
  EXPECT_EQ(*header(requests[0], "authorization"), "Basic " + core::base64_encode(std::span<const std::uint8_t>(
                                                                  reinterpret_cast<const std::uint8_t*>("admin:s3cret"), 12)));
  const auto c = config();
  const auto* login = c.login(kGateway);
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(login->kind, AuthKind::basic);
  EXPECT_EQ(login->username, "admin");
  EXPECT_EQ(login->password.reveal(), "s3cret");
  EXPECT_NE(out().find("mode 0600"), std::string::npos) << out();
  EXPECT_EQ(out().find("s3cret"), std::string::npos);
}

TEST_F(CommandsTest, LoginWithAWrongPasswordStoresNothing) {
  gateway.status_for_api = 401;
  EXPECT_EQ(run({"login", "--gateway", kGateway, "--username", "admin", "--password-stdin"}, "wrong"), kFailed);
  EXPECT_NE(err().find("refused the username or password"), std::string::npos) << err();
  EXPECT_FALSE(std::filesystem::exists(t.config_file()));
}

// ---- the stored login in use

TEST_F(CommandsTest, CommandsUseTheStoredToken) {
  store_login(token_login());
  add_function("hello", "dev", 12);
  ASSERT_EQ(run({"fn", "list", "-n", "dev", "-o", "json"}), kOk) << err();
  ASSERT_EQ(gateway.accepted_auth.size(), 1u);
  EXPECT_EQ(gateway.accepted_auth[0], "Bearer " + access_token("stored", kNow + 3600));
  auto doc = json::parse(out());
  ASSERT_TRUE(doc.is_array());
  ASSERT_EQ(doc.as_array().size(), 1u);
  EXPECT_EQ(doc.as_array()[0].as_object().at("name"), "hello");
  EXPECT_EQ(doc.as_array()[0].as_object().at("invocationCount"), 12);
}

TEST_F(CommandsTest, AnExpiredTokenWithoutAFileSaysToLogInAgain) {
  store_login(token_login(kNow - 300));
  EXPECT_EQ(run({"fn", "list"}), kFailed);
  EXPECT_NE(err().find("your login to http://gw.test:8080 expired at 2027-01-15 07:55:00 UTC; run "
                       "`faasgate login --gateway http://gw.test:8080 --token-stdin` again"),
            std::string::npos)
      << err();
  EXPECT_EQ(t.transport->count(), 0u);
}

TEST_F(CommandsTest, AnExpiredTokenWithAFileIsExchangedAgainAndSaved) {
  const auto file = write_file("id-token", "fresh-id-token");
  store_login(token_login(kNow - 300, file.string()));
  add_function("hello", "openfaas-fn");
  ASSERT_EQ(run({"fn", "list"}), kOk) << err();
  EXPECT_EQ(gateway.exchanges, 1);
  EXPECT_NE(t.transport->requests()[0].body.find("subject_token=fresh-id-token"), std::string::npos);
  EXPECT_EQ(gateway.accepted_auth.back(), "Bearer " + access_token("t1"));
  const auto c = config();
  const auto* login = c.login(kGateway);
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(login->access_token.reveal(), access_token("t1"));
  EXPECT_EQ(login->expires_at, kNow + 3600);
  EXPECT_EQ(login->token_file, file.string());
}

TEST_F(CommandsTest, ARevokedTokenWithAFileIsExchangedAgainOnceAndTheCallRetried) {
  const auto file = write_file("id-token", "fresh-id-token");
  store_login(token_login(kNow + 3600, file.string()));
  gateway.revoked.insert(access_token("stored", kNow + 3600));
  ASSERT_EQ(run({"ns", "list", "-o", "json"}), kOk) << err();
  EXPECT_EQ(gateway.exchanges, 1);
  EXPECT_EQ(json::parse(out()), json::parse(R"(["openfaas-fn","dev"])"));
  EXPECT_EQ(config().login(kGateway)->access_token.reveal(), access_token("t1"));
}

TEST_F(CommandsTest, ARevokedTokenWithoutAFileSaysToLogInAgain) {
  store_login(token_login());
  gateway.revoked.insert(access_token("stored", kNow + 3600));
  EXPECT_EQ(run({"fn", "list"}), kFailed);
  EXPECT_NE(err().find("refused the credentials (401)"), std::string::npos) << err();
  EXPECT_NE(err().find("faasgate login --gateway http://gw.test:8080 --token-stdin"), std::string::npos) << err();
  EXPECT_EQ(gateway.exchanges, 0);
}

TEST_F(CommandsTest, GatewayFlagThenEnvironmentThenCurrent) {
  store_login(token_login());
  ASSERT_EQ(run({"info", "-o", "json"}), kOk) << err();
  EXPECT_EQ(t.transport->requests().back().url.rfind(kGateway, 0), 0u);
  t.env["OPENFAAS_URL"] = "http://other:8080";
  EXPECT_EQ(run({"info"}), kFailed);  // not logged in there: a 401 and advice
  EXPECT_EQ(t.transport->requests().back().url.rfind("http://other:8080", 0), 0u);
  EXPECT_NE(err().find("wants a login"), std::string::npos) << err();
  ASSERT_EQ(run({"info", "--gateway", kGateway}), kOk) << err();
  EXPECT_NE(out().find("faasgate"), std::string::npos);
}

TEST_F(CommandsTest, ForbiddenNamesTheMissingGrant) {
  store_login(token_login());
  gateway.status_for_api = 403;
  gateway.body_for_api = "forbidden: Function:Create on dev:hello is not allowed for fed:alice\n";
  EXPECT_EQ(run({"fn", "deploy", "--name", "hello", "--fprocess", "cat", "-n", "dev"}), kFailed);
  EXPECT_NE(err().find("your policies do not grant Function:Create on dev:hello"), std::string::npos) << err();
}

TEST_F(CommandsTest, NotFoundNamesTheFunctionAndNamespace) {
  store_login(token_login());
  EXPECT_EQ(run({"fn", "get", "ghost.dev"}), kFailed);
  EXPECT_NE(err().find("function ghost not found in namespace dev"), std::string::npos) << err();
}

TEST_F(CommandsTest, UnreachableGatewaySaysWhereItLooked) {
  store_login(token_login());
  gateway.refuse_connections = true;
  EXPECT_EQ(run({"fn", "list"}), kFailed);
  EXPECT_NE(err().find("cannot reach the gateway at http://gw.test:8080"), std::string::npos) << err();
  EXPECT_NE(err().find("--gateway or OPENFAAS_URL"), std::string::npos) << err();
}

// ---- whoami, logout

TEST_F(CommandsTest, WhoamiSaysWhatTheTokenClaims) {
  store_login(token_login());
  ASSERT_EQ(run({"whoami"}), kOk) << err();
  EXPECT_NE(out().find("fed:alice"), std::string::npos) << out();
  EXPECT_NE(out().find("https://idp.test"), std::string::npos) << out();
  EXPECT_NE(out().find("dev-rw, read-all"), std::string::npos) << out();
  EXPECT_NE(out().find("in 1 hour"), std::string::npos) << out();
  EXPECT_EQ(out().find(access_token("stored")), std::string::npos);

  ASSERT_EQ(run({"whoami", "-o", "json"}), kOk);
  auto claims = json::parse(out());
  EXPECT_EQ(claims.as_object().at("sub"), "fed:alice");
  EXPECT_EQ(claims.as_object().at("policy"), json::parse(R"(["dev-rw","read-all"])"));
  EXPECT_EQ(t.transport->count(), 0u);  // read from the config alone
}

TEST_F(CommandsTest, WhoamiSaysHowLongAgoTheTokenExpired) {
  store_login(token_login(kNow - 300));
  ASSERT_EQ(run({"whoami"}), kOk) << err();
  EXPECT_NE(out().find("expired 5 minutes ago"), std::string::npos) << out();
}

TEST_F(CommandsTest, WhoamiWithoutALoginFails) {
  EXPECT_EQ(run({"whoami", "--gateway", kGateway}), kFailed);
  EXPECT_NE(err().find("not logged in to http://gw.test:8080"), std::string::npos) << err();
}

TEST_F(CommandsTest, LogoutForgetsTheGatewaysLoginOnly) {
  store_login(token_login());
  GatewayLogin basic;
  basic.kind = AuthKind::basic;
  basic.username = "admin";
  basic.password = core::Secret("pw");
  store_login(basic, "http://other:8080");
  ASSERT_EQ(run({"logout", "--gateway", kGateway}), kOk) << err();
  EXPECT_EQ(config().login(kGateway), nullptr);
  EXPECT_NE(config().login("http://other:8080"), nullptr);
  EXPECT_EQ(run({"logout", "--gateway", kGateway}), kOk);
  EXPECT_NE(err().find("Not logged in"), std::string::npos);
}

// ---- fn

TEST_F(CommandsTest, FnListTableIsAligned) {
  store_login(token_login());
  add_function("hello", "openfaas-fn", 3);
  add_function("a-much-longer-name", "openfaas-fn", 12345);
  ASSERT_EQ(run({"fn", "list"}), kOk) << err();
  std::istringstream lines(out());
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  EXPECT_EQ(header.find("NAME"), 0u);
  EXPECT_EQ(header.find("NAMESPACE"), first.find("openfaas-fn"));
  EXPECT_EQ(header.find("INVOCATIONS"), first.find("12345"));
}

TEST_F(CommandsTest, FnGetYamlAndJsonAreTheStatus) {
  store_login(token_login());
  add_function("hello", "dev");
  ASSERT_EQ(run({"fn", "get", "hello", "-n", "dev", "-o", "json"}), kOk) << err();
  auto doc = json::parse(out());
  EXPECT_EQ(doc.as_object().at("name"), "hello");
  EXPECT_EQ(doc.as_object().at("namespace"), "dev");
  ASSERT_EQ(run({"fn", "get", "hello.dev", "-o", "yaml"}), kOk) << err();
  EXPECT_NE(out().find("name: hello"), std::string::npos) << out();
  EXPECT_EQ(run({"fn", "get", "hello.dev", "-n", "prod"}), kUsage);
}

TEST_F(CommandsTest, FnDeployFromFlagsSendsTheDeploymentAndWaits) {
  store_login(token_login());
  gateway.available_after_polls = 2;
  ASSERT_EQ(run({"fn", "deploy", "--name", "hello", "--fprocess", "python3 h.py", "--image", "img:1", "-n", "dev",
                 "--env", "A=1", "--env", "B=x=y", "--label", "team=a", "--annotation", "topic=orders", "--secret",
                 "db", "--read-only", "--wait"}),
            kOk)
      << err();
  const auto& d = gateway.functions.at({"dev", "hello"}).deployment;
  EXPECT_EQ(d.image, "img:1");
  EXPECT_EQ(d.env_process, "python3 h.py");
  EXPECT_EQ(d.env_vars.at("A"), "1");
  EXPECT_EQ(d.env_vars.at("B"), "x=y");
  EXPECT_EQ(d.labels.at("team"), "a");
  EXPECT_EQ(d.annotations.at("topic"), "orders");
  EXPECT_EQ(d.secrets, std::vector<std::string>{"db"});
  EXPECT_TRUE(d.read_only_root_filesystem);
  EXPECT_EQ(t.sleeps, 2);
  EXPECT_NE(out().find("Deployed function hello in namespace dev."), std::string::npos) << out();
  EXPECT_NE(out().find("is ready"), std::string::npos) << out();
  EXPECT_EQ(err(), "");  // not a terminal: no progress drawn
}

TEST_F(CommandsTest, FnDeployWaitDrawsProgressOnATerminal) {
  store_login(token_login());
  gateway.available_after_polls = 2;
  t.context.err_is_terminal = true;
  ASSERT_EQ(run({"fn", "deploy", "--name", "hello", "--fprocess", "cat", "--wait"}), kOk) << err();
  EXPECT_NE(err().find("\rwaiting for hello.openfaas-fn: 0 of 1 replicas available (0s)"), std::string::npos) << err();
  EXPECT_NE(err().find("(1s)"), std::string::npos) << err();
  EXPECT_TRUE(err().ends_with("\r\033[K")) << err();  // the line is cleared before the result is printed
  EXPECT_NE(out().find("is ready"), std::string::npos);
}

TEST_F(CommandsTest, FnDeployWaitTimesOutWithAdvice) {
  store_login(token_login());
  gateway.available_after_polls = 1000;
  EXPECT_EQ(run({"fn", "deploy", "--name", "hello", "--fprocess", "cat", "--wait", "--timeout", "5s"}), kFailed);
  EXPECT_NE(err().find("has no available replica after 5 seconds"), std::string::npos) << err();
  EXPECT_NE(err().find("faasgate fn logs hello.openfaas-fn"), std::string::npos) << err();
  EXPECT_LE(t.sleeps, 6);
}

TEST_F(CommandsTest, FnDeployWaitStopsOnCtrlC) {
  store_login(token_login());
  gateway.available_after_polls = 1000;
  t.interrupt.request_stop();
  EXPECT_EQ(run({"fn", "deploy", "--name", "hello", "--fprocess", "cat", "--wait"}), kFailed);
  EXPECT_NE(err().find("stopped waiting"), std::string::npos) << err();
}

TEST_F(CommandsTest, FnDeployNeedsANameAndFprocess) {
  store_login(token_login());
  EXPECT_EQ(run({"fn", "deploy", "--fprocess", "cat"}), kUsage);
  EXPECT_EQ(run({"fn", "deploy", "--name", "hello"}), kUsage);
  EXPECT_NE(err().find("--fprocess"), std::string::npos) << err();
  EXPECT_EQ(run({"fn", "deploy", "--name", "Hello", "--fprocess", "cat"}), kUsage);
  EXPECT_EQ(run({"fn", "deploy", "--name", "hello", "--fprocess", "cat", "--env", "NOEQUALS"}), kUsage);
  EXPECT_EQ(t.transport->count(), 0u);
}

TEST_F(CommandsTest, FnDeployFromAStackFileWithAFilter) {
  store_login(token_login());
  const auto stack = write_file("stack.yml",
                                "functions:\n  one:\n    fprocess: cat\n    namespace: dev\n  two:\n    fprocess: cat\n"
                                "    environment: {A: stack}\n  three:\n    fprocess: cat\n");
  ASSERT_EQ(run({"fn", "deploy", "-f", stack.string(), "--filter", "t*", "--env", "A=flag"}), kOk) << err();
  EXPECT_EQ(gateway.functions.size(), 2u);
  EXPECT_EQ(gateway.functions.at({"openfaas-fn", "two"}).deployment.env_vars.at("A"), "flag");
  EXPECT_TRUE(gateway.functions.count({"openfaas-fn", "three"}));
  ASSERT_EQ(run({"fn", "deploy", "-f", stack.string(), "--filter", "one"}), kOk) << err();
  EXPECT_TRUE(gateway.functions.count({"dev", "one"}));
  // Deploying again is a conflict that says to update; the others still go.
  EXPECT_EQ(run({"fn", "deploy", "-f", stack.string()}), kFailed);
  EXPECT_NE(err().find("faasgate fn update"), std::string::npos) << err();
  ASSERT_EQ(run({"fn", "update", "-f", stack.string()}), kOk) << err();
  EXPECT_EQ(run({"fn", "deploy", "-f", stack.string(), "--name", "x"}), kUsage);
  EXPECT_EQ(run({"fn", "deploy", "-f", stack.string(), "--filter", "nothing"}), kUsage);
}

TEST_F(CommandsTest, FnUpdateOfAMissingFunctionSaysToDeploy) {
  store_login(token_login());
  EXPECT_EQ(run({"fn", "update", "--name", "hello", "--fprocess", "cat"}), kFailed);
  EXPECT_NE(err().find("deploy it with `faasgate fn deploy`"), std::string::npos) << err();
}

TEST_F(CommandsTest, FnDeleteAndScale) {
  store_login(token_login());
  add_function("hello", "dev");
  ASSERT_EQ(run({"fn", "scale", "hello.dev", "--replicas", "3"}), kOk) << err();
  EXPECT_EQ(gateway.functions.at({"dev", "hello"}).deployment.replicas, 3u);
  ASSERT_EQ(run({"fn", "delete", "hello", "-n", "dev"}), kOk) << err();
  EXPECT_TRUE(gateway.functions.empty());
  EXPECT_EQ(run({"fn", "delete", "hello", "-n", "dev"}), kFailed);
  EXPECT_NE(err().find("function hello not found in namespace dev"), std::string::npos) << err();
}

TEST_F(CommandsTest, FnInvokeSendsStdinAndPrintsTheAnswer) {
  ASSERT_EQ(run({"fn", "invoke", "echo", "--header", "X-Test=1"}, "hello body"), kOk) << err();
  EXPECT_EQ(out(), "echo:hello body");
  const auto r = t.transport->requests().back();
  EXPECT_NE(r.url.find("/function/echo"), std::string::npos) << r.url;
  ASSERT_NE(header(r, "x-test"), nullptr);
  ASSERT_EQ(run({"fn", "invoke", "echo", "-d", "from flag"}, "ignored"), kOk) << err();
  EXPECT_EQ(out(), "echo:from flag");
}

TEST_F(CommandsTest, FnInvokeExitsOneWhenTheFunctionFails) {
  EXPECT_EQ(run({"fn", "invoke", "broken"}, ""), kFailed);
  EXPECT_EQ(out(), "it broke\n");
  EXPECT_NE(err().find("broken.openfaas-fn answered 500"), std::string::npos) << err();
}

TEST_F(CommandsTest, FnInvokeAsyncPrintsTheCallId) {
  ASSERT_EQ(run({"fn", "invoke", "echo", "--async", "--callback-url", "http://cb.test/x"}, "b"), kOk) << err();
  EXPECT_EQ(out(), "call-42\n");
  const auto r = t.transport->requests().back();
  EXPECT_NE(r.url.find("/async-function/echo"), std::string::npos);
  ASSERT_NE(header(r, "x-callback-url"), nullptr);
  EXPECT_EQ(run({"fn", "invoke", "echo", "--callback-url", "http://cb.test/x"}, "b"), kUsage);
}

TEST_F(CommandsTest, FnInvokeOfAProtectedFunctionSaysToUseAuth) {
  EXPECT_EQ(run({"fn", "invoke", "private"}, ""), kFailed);
  EXPECT_NE(err().find("requires a function token: call it with --auth"), std::string::npos) << err();
}

TEST_F(CommandsTest, FnInvokeAuthNeedsALoginWithATokenFile) {
  store_login(token_login());
  EXPECT_EQ(run({"fn", "invoke", "private", "--auth"}, ""), kFailed);
  EXPECT_NE(err().find("--token-file"), std::string::npos) << err();
  EXPECT_EQ(t.transport->count(), 0u);
}

TEST_F(CommandsTest, FnInvokeAuthExchangesForAFunctionToken) {
  const auto file = write_file("id-token", "fresh-id-token");
  store_login(token_login(kNow + 3600, file.string()));
  ASSERT_EQ(run({"fn", "invoke", "private.dev", "--auth"}, ""), kOk) << err();
  EXPECT_EQ(out(), "private ok");
  bool function_scope = false;
  for (const auto& r : t.transport->requests())
    if (r.url.ends_with("/oauth/token") && r.body.find("scope=function") != std::string::npos &&
        r.body.find("audience=dev%3Aprivate") != std::string::npos)
      function_scope = true;
  EXPECT_TRUE(function_scope);
}

TEST_F(CommandsTest, FnLogsPrintsLinesAndNdjson) {
  store_login(token_login());
  ASSERT_EQ(run({"fn", "logs", "hello.dev", "--tail", "5", "--since", "10m"}), kOk) << err();
  EXPECT_NE(out().find("2027-01-15T08:00:00.000000000Z hello-1 started\n"), std::string::npos) << out();
  EXPECT_EQ(out().find('\x1b'), std::string::npos);  // a function's escape sequences do not reach the terminal
  const auto target = parse_target(t.transport->requests().back().url);
  EXPECT_EQ(target.query.at("tail"), "5");
  EXPECT_EQ(target.query.at("name"), "hello");
  EXPECT_EQ(target.query.at("namespace"), "dev");
  EXPECT_NE(target.query.at("since").find("2027-01-15T07%3A50%3A00Z"), std::string::npos) << target.query.at("since");

  ASSERT_EQ(run({"fn", "logs", "hello.dev", "-o", "json"}), kOk) << err();
  std::istringstream lines(out());
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) EXPECT_TRUE(json::parse(line).is_object()) << line;
  EXPECT_EQ(n, 2);
  EXPECT_EQ(run({"fn", "logs", "hello.dev", "--since", "yesterday"}), kUsage);
}

TEST_F(CommandsTest, FnLogsFollowEndsQuietlyOnCtrlC) {
  store_login(token_login());
  t.interrupt.request_stop();
  EXPECT_EQ(run({"fn", "logs", "hello.dev", "--follow"}), kOk) << err();
  EXPECT_EQ(parse_target(t.transport->requests().back().url).query.at("follow"), "true");
  EXPECT_EQ(err(), "");
}

// ---- ns, secret, info

TEST_F(CommandsTest, NsCommands) {
  store_login(token_login());
  ASSERT_EQ(run({"ns", "list"}), kOk) << err();
  EXPECT_EQ(out(), "NAME\nopenfaas-fn\ndev\n");
  ASSERT_EQ(run({"ns", "create", "staging", "--label", "team=a"}), kOk) << err();
  EXPECT_EQ(run({"ns", "create", "Staging!"}), kUsage);
  ASSERT_EQ(run({"ns", "delete", "staging"}), kOk) << err();
}

TEST_F(CommandsTest, SecretValuesAreSentButNeverPrinted) {
  store_login(token_login());
  ASSERT_EQ(run({"secret", "create", "db", "-n", "dev", "--stdin"}, "hunter2\n"), kOk) << err();
  const auto r = t.transport->requests().back();
  EXPECT_EQ(r.method, "POST");
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("name"), "db");
  EXPECT_EQ(body.at("namespace"), "dev");
  // The value as sent, whichever field carries it, without the newline echo added.
  std::string sent;
  if (auto* v = body.if_contains("value")) sent = std::string(v->as_string());
  if (auto* raw = body.if_contains("rawValue")) {
    auto bytes = core::base64_decode(std::string(raw->as_string()));
    ASSERT_TRUE(bytes);
    sent.assign(bytes->begin(), bytes->end());
  }
  EXPECT_EQ(sent, "hunter2");
  EXPECT_EQ(out().find("hunter2"), std::string::npos);
  EXPECT_EQ(err().find("hunter2"), std::string::npos);

  const auto file = write_file("value", "from\nfile\n");
  ASSERT_EQ(run({"secret", "update", "db", "--from-file", file.string()}), kOk) << err();
  ASSERT_EQ(run({"secret", "update", "db", "--value", "flag-value"}), kOk) << err();
  EXPECT_NE(err().find("warning"), std::string::npos);
  EXPECT_EQ(err().find("flag-value"), std::string::npos);
  EXPECT_EQ(run({"secret", "create", "db"}), kUsage);
  EXPECT_EQ(run({"secret", "create", "db", "--stdin", "--value", "x"}), kUsage);

  ASSERT_EQ(run({"secret", "list", "-n", "dev", "-o", "json"}), kOk) << err();
  EXPECT_EQ(json::parse(out()), json::parse(R"([{"name":"db","namespace":"dev"}])"));
  ASSERT_EQ(run({"secret", "delete", "db", "-n", "dev"}), kOk) << err();
}

TEST_F(CommandsTest, InfoAsTableJsonAndYaml) {
  store_login(token_login());
  ASSERT_EQ(run({"info"}), kOk) << err();
  EXPECT_NE(out().find("provider:"), std::string::npos) << out();
  ASSERT_EQ(run({"info", "-o", "json"}), kOk) << err();
  EXPECT_EQ(json::parse(out()).as_object().at("arch"), "x86_64");
  ASSERT_EQ(run({"info", "-o", "yaml"}), kOk) << err();
  EXPECT_NE(out().find("arch: x86_64"), std::string::npos) << out();
}

}  // namespace
}  // namespace faasgate::cli
