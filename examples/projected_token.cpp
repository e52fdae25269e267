// The write-up's Go example ("Use the Go SDK for OpenFaaS to access the API with a Projected
// ServiceAccount Token"), in C++. The program says only where its ID token comes from; the SDK
// exchanges it at the gateway and renews the access token before it runs out.
//
//   OPENFAAS_URL=http://127.0.0.1:8080 token_mount_path=/var/secrets/tokens ./projected_token [namespace]
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "faasgate/sdk/client.hpp"
#include "faasgate/sdk/token_auth.hpp"

namespace sdk = faasgate::sdk;

// What the write-up's ServiceAccountTokenSource does, written out: read
// $token_mount_path/openfaas-token afresh on every call, so the kubelet's rotation is seen. (The
// SDK ships this as sdk::ServiceAccountTokenSource; it is spelled out here because the write-up
// shows how to write your own.)
class ProjectedTokenSource final : public sdk::TokenSource {
 public:
  faasgate::core::Expected<faasgate::core::Secret, std::string> token() override {
    const char* mount = std::getenv("token_mount_path");
    const std::string dir = mount && *mount ? mount : "/var/secrets/tokens";
    std::ifstream file(dir + "/openfaas-token");
    if (!file) return faasgate::core::fail("unable to load service account token from " + dir + "/openfaas-token");
    std::stringstream text;
    text << file.rdbuf();
    std::string token = text.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    return faasgate::core::Secret(std::move(token));
  }
};

int main(int argc, char** argv) {
  const char* url = std::getenv("OPENFAAS_URL");
  const std::string gateway = url && *url ? url : "http://127.0.0.1:8080";
  const std::string ns = argc > 1 ? argv[1] : "openfaas-fn";

  auto auth = std::make_shared<sdk::TokenAuth>(gateway + "/oauth/token", std::make_shared<ProjectedTokenSource>());
  sdk::ClientOptions options;
  options.auth = auth;
  sdk::Client client(gateway, options);

  auto namespaces = client.namespaces();
  if (!namespaces) {
    std::cerr << "projected_token: " << namespaces.error().describe() << "\n";
    return 1;
  }
  std::cout << "namespaces:";
  for (const auto& name : *namespaces) std::cout << " " << name;
  std::cout << "\n";

  auto functions = client.functions(ns);
  if (!functions) {
    std::cerr << "projected_token: " << functions.error().describe() << "\n";
    return 1;
  }
  for (const auto& f : *functions)
    std::cout << "function " << f.deployment.service << "." << f.deployment.namespace_ << " replicas "
              << f.available_replicas << "/" << f.deployment.replicas << " invocations " << f.invocation_count << "\n";
  std::cout << "exchanges: " << auth->stats().exchanges << "\n";
  return 0;
}
