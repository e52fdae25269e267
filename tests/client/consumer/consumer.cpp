// What the SDK and the CLI do with faasgate's libraries: build a deployment and read the
// gateway's JSON back, name functions as the API does, and read an access token's expiry
// without verifying it (the SDK renews before exp; the gateway does the verifying).
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <string>

#include "faasgate/jose/jwt.hpp"
#include "faasgate/model/model.hpp"
#include "faasgate/wire/json.hpp"

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "consumer: %s\n", what);
    ++failures;
  }
}

}  // namespace

int main() {
  using namespace faasgate;
  auto deployment = wire::parse_deployment(R"({"service":"echo","namespace":"dev","image":"x","envProcess":"cat"})");
  check(deployment.has_value() && deployment->service == "echo" && deployment->namespace_ == "dev",
        "a deployment body parses");
  check(!wire::parse_deployment(R"({"service":1})").has_value(), "a bad deployment body is refused");
  model::FunctionStatus status;
  status.deployment = *deployment;
  check(boost::json::serialize(wire::to_json(status)).find("\"name\":\"echo\"") != std::string::npos,
        "a function status has its name");
  check(model::split_function_name("echo.dev") == std::pair<std::string, std::string>{"echo", "dev"},
        "a qualified name splits");

  auto signer = jose::Signer::generate();
  auto token = signer.sign({{"sub", "fed:ci"}, {"exp", 1'800'000'000}});
  check(token.has_value(), "a token is signed");
  auto read = jose::UnverifiedJwt::parse(*token);
  check(read.has_value() && read->unverified_claims().at("exp").as_int64() == 1'800'000'000, "its exp reads back");
  return failures == 0 ? 0 : 1;
}
