// Invoking a function whose jwt-auth is on: the SDK exchanges the ID token for a function token
// (scope=function, audience=<namespace>:<name>), keeps one per function until it expires, and
// retries once with a fresh one if the gateway answers 401.
//
//   OPENFAAS_URL=http://127.0.0.1:8080 token_mount_path=/var/secrets/tokens ./function_token NAME[.NAMESPACE] [BODY]
#include <cstdlib>
#include <iostream>
#include <memory>

#include "faasgate/model/model.hpp"
#include "faasgate/sdk/client.hpp"
#include "faasgate/sdk/token_auth.hpp"

namespace sdk = faasgate::sdk;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: function_token NAME[.NAMESPACE] [BODY]\n";
    return 2;
  }
  const char* url = std::getenv("OPENFAAS_URL");
  const std::string gateway = url && *url ? url : "http://127.0.0.1:8080";

  auto auth = std::make_shared<sdk::TokenAuth>(gateway + "/oauth/token", std::make_shared<sdk::ServiceAccountTokenSource>());
  sdk::ClientOptions options;
  options.auth = auth;
  sdk::Client client(gateway, options);

  sdk::InvokeRequest request;
  std::tie(request.name, request.namespace_) = faasgate::model::split_function_name(argv[1]);
  request.body = argc > 2 ? argv[2] : "";
  request.authenticate = true;
  auto answer = client.invoke(request);
  if (!answer) {
    std::cerr << "function_token: " << answer.error().describe() << "\n";
    return 1;
  }
  std::cout << answer->body;
  if (answer->status < 200 || answer->status > 299) {
    std::cerr << "function_token: " << request.name << "." << request.namespace_ << " answered " << answer->status << "\n";
    return 1;
  }
  return 0;
}
