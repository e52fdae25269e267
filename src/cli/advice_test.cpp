#include "advice.hpp"

#include <gtest/gtest.h>

namespace faasgate::cli {
namespace {

const LoginState kLoggedIn{"http://gw:8080", true, "faasgate login --gateway http://gw:8080 --token-file /t"};

sdk::Error status(sdk::ErrorKind kind, int code, std::string body) {
  sdk::Error e;
  e.kind = kind;
  e.status = code;
  e.body = std::move(body);
  e.message = "the gateway answered " + std::to_string(code);
  return e;
}

TEST(Advice, ForbiddenNamesTheActionAndResourceOfTheRoute) {
  const auto e = status(sdk::ErrorKind::forbidden, 403,
                        "forbidden: Function:List on dev:* is not allowed for fed:alice\n");
  const auto text = advise(e, op::list_functions("dev"), kLoggedIn);
  EXPECT_NE(text.find("cannot list the functions in namespace dev"), std::string::npos) << text;
  EXPECT_NE(text.find("your policies do not grant Function:List on dev:*"), std::string::npos) << text;
  EXPECT_NE(text.find("the gateway said: forbidden: Function:List on dev:* is not allowed for fed:alice"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("faasgate whoami"), std::string::npos) << text;
}

TEST(Advice, EachOperationNamesTheActionItsRouteIsGuardedBy) {
  // As src/gateway/api/gateway.cpp guards the routes, with access::RequestResource's text.
  struct Case {
    Operation op;
    const char* action;
    const char* resource;
  };
  const Case cases[] = {
      {op::info(), "System:Info", "*"},
      {op::list_functions("dev"), "Function:List", "dev:*"},
      {op::get_function("f", "dev"), "Function:Get", "dev:f"},
      {op::deploy_function("f", "dev"), "Function:Create", "dev:f"},
      {op::update_function("f", "dev"), "Function:Update", "dev:f"},
      {op::delete_function("f", "dev"), "Function:Delete", "dev:f"},
      {op::scale_function("f", "dev"), "Function:Scale", "dev:f"},
      {op::function_logs("f", "dev"), "Function:Logs", "dev:f"},
      {op::invoke_function("f", "dev"), "Function:Invoke", "dev:f"},
      {op::list_secrets("dev"), "Secret:List", "dev:*"},
      {op::create_secret("s", "dev"), "Secret:Create", "dev:s"},
      {op::update_secret("s", "dev"), "Secret:Update", "dev:s"},
      {op::delete_secret("s", "dev"), "Secret:Delete", "dev:s"},
      {op::list_namespaces(), "Namespace:List", "*"},
      {op::get_namespace("dev"), "Namespace:Get", "dev:*"},
      {op::create_namespace("dev"), "Namespace:Create", "dev:*"},
      {op::update_namespace("dev"), "Namespace:Update", "dev:*"},
      {op::delete_namespace("dev"), "Namespace:Delete", "dev:*"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.op.action, c.action) << c.op.what;
    EXPECT_EQ(c.op.resource, c.resource) << c.op.what;
    const auto text = advise(status(sdk::ErrorKind::forbidden, 403, ""), c.op, kLoggedIn);
    EXPECT_NE(text.find(std::string(c.action) + " on " + c.resource), std::string::npos) << text;
  }
}

TEST(Advice, FunctionTokenOnTheApiSaysSo) {
  const auto e = status(sdk::ErrorKind::forbidden, 403,
                        "a function token (scope=function) can only invoke functions: exchange for an access token");
  const auto text = advise(e, op::list_functions("dev"), kLoggedIn);
  EXPECT_NE(text.find("function token"), std::string::npos) << text;
  EXPECT_EQ(text.find("your policies"), std::string::npos) << text;
}

TEST(Advice, NotFoundNamesTheFunctionAndNamespace) {
  const auto e = status(sdk::ErrorKind::not_found, 404, "function f.n not found");
  const auto text = advise(e, op::get_function("f", "n"), kLoggedIn);
  EXPECT_NE(text.find("cannot get function f in namespace n: function f not found in namespace n"), std::string::npos)
      << text;
}

TEST(Advice, NotFoundOfTheNamespaceItselfSaysToCreateIt) {
  const auto e = status(sdk::ErrorKind::not_found, 404, "namespace dev not found");
  const auto text = advise(e, op::deploy_function("f", "dev"), kLoggedIn);
  EXPECT_NE(text.find("namespace dev not found: create it with `faasgate ns create dev`"), std::string::npos) << text;
}

TEST(Advice, ConflictOnDeploySaysToUpdate) {
  const auto text = advise(status(sdk::ErrorKind::conflict, 409, "function f.dev already exists"),
                           op::deploy_function("f", "dev"), kLoggedIn);
  EXPECT_NE(text.find("faasgate fn update"), std::string::npos) << text;
}

TEST(Advice, UnauthorizedSaysToLogInAgainWithTheSameLogin) {
  const auto text = advise(status(sdk::ErrorKind::unauthorized, 401, "token revoked"), op::list_functions("dev"), kLoggedIn);
  EXPECT_NE(text.find("refused the credentials (401)"), std::string::npos) << text;
  EXPECT_NE(text.find("log in again: faasgate login --gateway http://gw:8080 --token-file /t"), std::string::npos)
      << text;
}

TEST(Advice, UnauthorizedWithoutALoginSaysToLogIn) {
  const LoginState none{"http://gw:8080", false, login_command("http://gw:8080", nullptr)};
  const auto text = advise(status(sdk::ErrorKind::unauthorized, 401, ""), op::list_functions("dev"), none);
  EXPECT_NE(text.find("wants a login"), std::string::npos) << text;
  EXPECT_NE(text.find("faasgate login --gateway http://gw:8080 --token-file <your ID token>"), std::string::npos) << text;
}

TEST(Advice, ConnectionRefusedSaysWhereItLookedAndHowToChange) {
  sdk::Error e{sdk::ErrorKind::transport, "cannot connect: Connection refused"};
  const auto text = advise(e, op::list_functions("dev"), kLoggedIn);
  EXPECT_NE(text.find("cannot reach the gateway at http://gw:8080"), std::string::npos) << text;
  EXPECT_NE(text.find("Is it running?"), std::string::npos) << text;
  EXPECT_NE(text.find("--gateway or OPENFAAS_URL"), std::string::npos) << text;
}

TEST(Advice, ExchangeErrorsCarryTheOAuthError) {
  sdk::Error e{sdk::ErrorKind::exchange, "the token endpoint refused the exchange", 400, "", "invalid_request",
               "No policies found for subject: alice"};
  const auto text = advise(e, Operation{"log in to http://gw:8080", "", "", "", "", ""}, kLoggedIn);
  EXPECT_NE(text.find("invalid_request: No policies found for subject: alice"), std::string::npos) << text;
}

TEST(Advice, BodiesAreBoundedAndPrintable) {
  const auto text = advise(status(sdk::ErrorKind::bad_request, 400, std::string(5000, 'a') + "\x1b[2J"),
                           op::list_functions("dev"), kLoggedIn);
  EXPECT_LT(text.size(), 1000u);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(Advice, ExpiredLoginSaysWhenAndHowToLogInAgain) {
  const auto text = expired_advice("http://gw:8080", core::from_unix(1'800'000'000),
                                   "faasgate login --gateway http://gw:8080 --token-stdin");
  EXPECT_EQ(text,
            "your login to http://gw:8080 expired at 2027-01-15 08:00:00 UTC; run "
            "`faasgate login --gateway http://gw:8080 --token-stdin` again");
}

TEST(Advice, LoginCommandRepeatsTheLogin) {
  GatewayLogin basic;
  basic.kind = AuthKind::basic;
  basic.username = "admin";
  EXPECT_EQ(login_command("http://gw", &basic), "faasgate login --gateway http://gw --username admin --password-stdin");
  GatewayLogin file;
  file.token_file = "/t";
  EXPECT_EQ(login_command("http://gw", &file), "faasgate login --gateway http://gw --token-file /t");
  GatewayLogin piped;
  EXPECT_EQ(login_command("http://gw", &piped), "faasgate login --gateway http://gw --token-stdin");
}

}  // namespace
}  // namespace faasgate::cli
