#pragma once
// Authorization, below HTTP: every decision the request pipeline makes for a route's guard, from
// the principal the authenticator verified and the live IAM engine. Pure: the pipeline turns each
// outcome into a status and an audit event, and a decision nobody made is a refusal.
#include <string>
#include <string_view>

#include "faasgate/access/authenticator.hpp"
#include "faasgate/iam/engine.hpp"

namespace faasgate::access {

// What an IAM-guarded route is authorized against (reference §1).
enum class Scope {
  none,           // nothing: an IAM route that says none is refused to everyone but the admin
  cluster,        // the resource is "*" (System:Info)
  all_namespaces, // Namespace:List: allowed when any statement grants it; the handler filters
  one_namespace,  // Function:List, Secret:List of ?namespace=: the caller must see that namespace
  request,        // the resource named by the request (path, query or body)
};

// The resource a request names: "<ns>:*" (level namespace) or "<ns>:<name>".
struct RequestResource {
  std::string ns;
  std::string name;  // empty: the whole namespace
  std::string to_string() const { return ns + ":" + (name.empty() ? "*" : name); }
};

enum class Refusal {
  none,                  // allowed
  not_allowed,           // no statement allows it, or one denies it (403)
  not_admin,             // a route of the admin's alone (403)
  function_token_on_api, // a function token on the REST API: it addresses functions only (403)
  unknown_action,        // the route names an action IAM does not know (403)
  needs_function_token,  // a function that asks for a function token, called with another credential (401)
  not_addressed,         // a function token whose audience does not name the function (403)
};

struct Decision {
  Refusal refusal = Refusal::not_allowed;  // fail closed: a Decision nobody filled in refuses
  std::string policy;                      // the deciding statement, when IAM decided
  std::string sid;
  bool allowed() const noexcept { return refusal == Refusal::none; }
};

// A REST API call on an IAM-guarded route: the admin may do everything; an API token what its
// policies allow on `action` and the resource; anyone else nothing.
Decision decide_api_call(const Principal& who, std::string_view action, Scope scope, const RequestResource& resource,
                         const iam::Engine& engine);

// A route of the admin's alone (faasgate's own administration).
Decision decide_admin(const Principal& who);

// Invoking ns:name, a function that asks for a function token (com.openfaas.iam/jwt-auth): a
// function token whose policies the live engine allows Function:Invoke on it - so a Deny, a
// Policy edit and a revocation apply at once - and whose audience, when it names any, names it.
Decision decide_invoke(const Principal& who, std::string_view ns, std::string_view name, const iam::Engine& engine);

// For list answers: whether `who` may see namespace `ns` (fn empty) or function ns:fn under `action`.
bool visible(const Principal& who, std::string_view action, std::string_view ns, std::string_view fn,
             const iam::Engine& engine);

}  // namespace faasgate::access
