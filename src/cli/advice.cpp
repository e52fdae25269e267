#include "advice.hpp"

#include "claims.hpp"
#include "faasgate/core/text.hpp"

namespace faasgate::cli {

namespace op {

namespace {
std::string s(std::string_view v) { return std::string(v); }
std::string fn_resource(std::string_view name, std::string_view ns) { return s(ns) + ":" + s(name); }
std::string fn_missing(std::string_view name, std::string_view ns) {
  return "function " + s(name) + " not found in namespace " + s(ns) + " (`faasgate fn list -n " + s(ns) +
         "` lists them)";
}
}  // namespace

// Resources as access::RequestResource::to_string writes them: "<ns>:*" for a whole namespace,
// "<ns>:<name>" for one object, "*" for the cluster.
Operation info() { return {"read the gateway's info", "System:Info", "*", "", "", ""}; }
Operation list_functions(std::string_view ns) {
  return {"list the functions in namespace " + s(ns), "Function:List", s(ns) + ":*", "", "", s(ns)};
}
Operation get_function(std::string_view name, std::string_view ns) {
  return {"get function " + s(name) + " in namespace " + s(ns), "Function:Get", fn_resource(name, ns),
          fn_missing(name, ns), "", s(ns)};
}
Operation deploy_function(std::string_view name, std::string_view ns) {
  return {"deploy function " + s(name) + " in namespace " + s(ns), "Function:Create", fn_resource(name, ns), "",
          "function " + s(name) + " already exists in namespace " + s(ns) + ": change it with `faasgate fn update`",
          s(ns)};
}
Operation update_function(std::string_view name, std::string_view ns) {
  return {"update function " + s(name) + " in namespace " + s(ns), "Function:Update", fn_resource(name, ns),
          "function " + s(name) + " not found in namespace " + s(ns) + ": deploy it with `faasgate fn deploy`", "",
          s(ns)};
}
Operation delete_function(std::string_view name, std::string_view ns) {
  return {"delete function " + s(name) + " in namespace " + s(ns), "Function:Delete", fn_resource(name, ns),
          fn_missing(name, ns), "", s(ns)};
}
Operation scale_function(std::string_view name, std::string_view ns) {
  return {"scale function " + s(name) + " in namespace " + s(ns), "Function:Scale", fn_resource(name, ns),
          fn_missing(name, ns), "", s(ns)};
}
Operation function_logs(std::string_view name, std::string_view ns) {
  return {"read the logs of function " + s(name) + " in namespace " + s(ns), "Function:Logs", fn_resource(name, ns),
          fn_missing(name, ns), "", s(ns)};
}
Operation invoke_function(std::string_view name, std::string_view ns) {
  return {"invoke function " + s(name) + " in namespace " + s(ns), "Function:Invoke", fn_resource(name, ns),
          fn_missing(name, ns), "", s(ns)};
}
Operation list_secrets(std::string_view ns) {
  return {"list the secrets in namespace " + s(ns), "Secret:List", s(ns) + ":*", "", "", s(ns)};
}
Operation create_secret(std::string_view name, std::string_view ns) {
  return {"create secret " + s(name) + " in namespace " + s(ns), "Secret:Create", fn_resource(name, ns), "",
          "secret " + s(name) + " already exists in namespace " + s(ns) + ": change it with `faasgate secret update`",
          s(ns)};
}
Operation update_secret(std::string_view name, std::string_view ns) {
  return {"update secret " + s(name) + " in namespace " + s(ns), "Secret:Update", fn_resource(name, ns),
          "secret " + s(name) + " not found in namespace " + s(ns) + ": create it with `faasgate secret create`", "",
          s(ns)};
}
Operation delete_secret(std::string_view name, std::string_view ns) {
  return {"delete secret " + s(name) + " in namespace " + s(ns), "Secret:Delete", fn_resource(name, ns),
          "secret " + s(name) + " not found in namespace " + s(ns) + " (`faasgate secret list -n " + s(ns) +
              "` lists them)",
          "", s(ns)};
}
// Namespace:List is decided for any namespace at all; the gateway filters what it lists.
Operation list_namespaces() { return {"list the namespaces", "Namespace:List", "*", "", "", ""}; }
Operation get_namespace(std::string_view name) {
  return {"get namespace " + s(name), "Namespace:Get", s(name) + ":*", "namespace " + s(name) + " not found", "",
          s(name)};
}
Operation create_namespace(std::string_view name) {
  return {"create namespace " + s(name), "Namespace:Create", s(name) + ":*", "",
          "namespace " + s(name) + " already exists", s(name)};
}
Operation update_namespace(std::string_view name) {
  return {"update namespace " + s(name), "Namespace:Update", s(name) + ":*",
          "namespace " + s(name) + " not found: create it with `faasgate ns create " + s(name) + "`", "", s(name)};
}
Operation delete_namespace(std::string_view name) {
  return {"delete namespace " + s(name), "Namespace:Delete", s(name) + ":*", "namespace " + s(name) + " not found",
          "", s(name)};
}

}  // namespace op

std::string login_command(const std::string& gateway, const GatewayLogin* login) {
  std::string cmd = "faasgate login --gateway " + gateway;
  if (login && login->kind == AuthKind::basic) return cmd + " --username " + login->username + " --password-stdin";
  if (login && !login->token_file.empty()) return cmd + " --token-file " + login->token_file;
  if (login) return cmd + " --token-stdin";
  return cmd + " --token-file <your ID token>";
}

namespace {

std::string body_text(const sdk::Error& e) {
  std::string body = e.body;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' ')) body.pop_back();
  return core::printable(body, 300);
}

// " (the gateway said: ...)" when it said something.
std::string said(const sdk::Error& e) {
  auto body = body_text(e);
  return body.empty() ? std::string() : " (the gateway said: " + body + ")";
}

std::string because(const sdk::Error& e) {
  return e.message.empty() ? std::string() : " (" + core::printable(e.message, 300) + ")";
}

}  // namespace

std::string advise(const sdk::Error& e, const Operation& op, const LoginState& login) {
  const std::string head = "cannot " + op.what + ": ";
  const std::string& url = login.gateway;
  switch (e.kind) {
    case sdk::ErrorKind::transport:
      return head + "cannot reach the gateway at " + url + because(e) +
             ". Is it running? Point the CLI at another with --gateway or OPENFAAS_URL.";
    case sdk::ErrorKind::timeout:
      return head + "the gateway at " + url + " did not answer in time" + because(e) +
             ". Is it overloaded, or is the address wrong (--gateway or OPENFAAS_URL)?";
    case sdk::ErrorKind::cancelled: return head + "cancelled.";
    case sdk::ErrorKind::token_source:
      return head + "there is no ID token to exchange" + because(e) + ". Log in again: " + login.login_command;
    case sdk::ErrorKind::exchange: {
      std::string why = e.oauth_error.empty() ? core::printable(e.message, 300)
                                              : core::printable(e.oauth_error, 60) +
                                                    (e.oauth_description.empty()
                                                         ? std::string()
                                                         : ": " + core::printable(e.oauth_description, 300));
      return head + "the gateway at " + url + " refused to exchange the ID token (" + why +
             "). Check that the token is current and that an issuer and a role on the gateway match it, then " +
             "log in again: " + login.login_command;
    }
    case sdk::ErrorKind::unauthorized:
      if (!login.logged_in)
        return head + "the gateway at " + url + " wants a login (401)" + said(e) + ". Log in: " + login.login_command;
      return head + "the gateway at " + url + " refused the credentials (401)" + said(e) +
             ". The login may have been revoked or have expired; log in again: " + login.login_command;
    case sdk::ErrorKind::forbidden: {
      const auto body = body_text(e);
      // A function token (scope=function) is refused on the REST API whatever it names.
      if (body.find("function token") != std::string::npos)
        return head + "forbidden (403): " + body + ". Log in with an ID token: " + login.login_command;
      std::string out = head + "forbidden (403): your policies do not grant " + op.action + " on " + op.resource;
      out += said(e);
      out += ". Ask an administrator for a Policy with " + op.action + " on " + op.resource +
             " and a Role that gives it to you; `faasgate whoami` shows the policies your login carries.";
      return out;
    }
    case sdk::ErrorKind::not_found: {
      const auto body = body_text(e);
      // The namespace itself may be what is missing (the gateway says "namespace <ns> not found").
      if (!op.ns.empty() && body.starts_with("namespace ") && op.action.rfind("Namespace:", 0) != 0)
        return head + "namespace " + op.ns + " not found: create it with `faasgate ns create " + op.ns + "`" +
               said(e) + ".";
      if (!op.not_found.empty()) return head + op.not_found + ".";
      return head + "not found (404)" + said(e) + ".";
    }
    case sdk::ErrorKind::conflict:
      if (!op.conflict.empty()) return head + op.conflict + said(e) + ".";
      return head + "conflict (409)" + said(e) + ".";
    case sdk::ErrorKind::bad_request:
      return head + "the gateway refused the request (400)" + said(e) + ".";
    case sdk::ErrorKind::unexpected_status:
      return head + "the gateway at " + url + " answered " + std::to_string(e.status) + said(e) + ".";
    case sdk::ErrorKind::bad_response:
      return head + "the answer from " + url + " is not what the API documents" + because(e) +
             ". Is it a faasgate or OpenFaaS gateway?";
    case sdk::ErrorKind::too_large: return head + "the answer from " + url + " is larger than the CLI accepts.";
  }
  return head + core::printable(e.message, 300);
}

std::string expired_advice(const std::string& gateway, core::Instant expired_at, const std::string& login_command) {
  return "your login to " + gateway + " expired at " + format_time(expired_at) + "; run `" + login_command +
         "` again";
}

}  // namespace faasgate::cli
