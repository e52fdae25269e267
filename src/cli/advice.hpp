#pragma once
// Errors read as advice: what failed, why, and what to do. Each command says what it was doing
// as an Operation, which also names the IAM action and resource the gateway's route is guarded
// by (src/gateway/api/gateway.cpp, the route table), so that a 403 can say exactly which grant the
// caller's policies lack.
#include <string>
#include <string_view>

#include "config.hpp"
#include "faasgate/core/clock.hpp"
#include "faasgate/sdk/error.hpp"

namespace faasgate::cli {

struct Operation {
  std::string what;       // after "cannot ": "list the functions in namespace dev"
  std::string action;     // the route's IAM action: "Function:List"
  std::string resource;   // what it is asked on: "dev:*", "dev:hello", "*"
  std::string not_found;  // a 404: "function hello not found in namespace dev"
  std::string conflict;   // a 409: "function hello already exists in namespace dev: ..."
  std::string ns;         // the namespace named, for a 404 that is the namespace's
};

// The operations, with the action and resource each route is authorized against.
namespace op {
Operation info();
Operation list_functions(std::string_view ns);
Operation get_function(std::string_view name, std::string_view ns);
Operation deploy_function(std::string_view name, std::string_view ns);
Operation update_function(std::string_view name, std::string_view ns);
Operation delete_function(std::string_view name, std::string_view ns);
Operation scale_function(std::string_view name, std::string_view ns);
Operation function_logs(std::string_view name, std::string_view ns);
Operation invoke_function(std::string_view name, std::string_view ns);
Operation list_secrets(std::string_view ns);
Operation create_secret(std::string_view name, std::string_view ns);
Operation update_secret(std::string_view name, std::string_view ns);
Operation delete_secret(std::string_view name, std::string_view ns);
Operation list_namespaces();
Operation get_namespace(std::string_view name);
Operation create_namespace(std::string_view name);
Operation update_namespace(std::string_view name);
Operation delete_namespace(std::string_view name);
}  // namespace op

// What the advice can say about the login in use.
struct LoginState {
  std::string gateway;
  bool logged_in = false;
  std::string login_command;  // how to log in again, from login_command()
};

// The `faasgate login ...` that renews `login` (or makes a first one) at `gateway`.
std::string login_command(const std::string& gateway, const GatewayLogin* login);

// One paragraph: "cannot <what>: <why>. <what to do>". Never a token or a secret's value: an
// sdk::Error holds neither, and the gateway's body is passed through core::printable.
std::string advise(const sdk::Error& error, const Operation& op, const LoginState& login);

// A stored token that has run out, with no ID token file to exchange again from.
std::string expired_advice(const std::string& gateway, core::Instant expired_at, const std::string& login_command);

}  // namespace faasgate::cli
