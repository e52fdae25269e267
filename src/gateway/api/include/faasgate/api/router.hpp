#pragma once
// The route table. One row per route: method, path pattern, handler - and, for guarded routes, the
// IAM action and how the resource is read from the request - so a route cannot exist without
// saying what guards it, and a test can walk the table.
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/api/auth.hpp"
#include "faasgate/core/form.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/server/http_server.hpp"

namespace faasgate::api {

namespace http = server::http;
namespace asio = server::asio;
namespace beast = server::beast;
using core::FormParams;
using core::decode_form;
using core::form_value;
using server::Reply;
using server::Request;
using server::RequestInfo;
using server::Response;

using PathParams = std::map<std::string, std::string, std::less<>>;

struct Call {
  Request request;
  RequestInfo info;
  PathParams params;      // {name} segments of the pattern
  std::string path;       // decoded path, without the query: what routes match
  std::string_view encoded_path;  // the same, percent-encoded as received (into request's target)
  std::string_view query; // raw query string, without '?'
  // The query decoded, once, in the pipeline: the same values serve the authorization and the
  // handler. A query that does not decode never reaches either (400).
  FormParams query_params;
  std::optional<Principal> principal;  // set on guarded routes, after authentication
};

using RouteHandler = std::function<asio::awaitable<Reply>(Call&)>;

enum class Guard {
  unset,         // a route that names no guard: Router::add refuses it (a forgotten guard never means "open")
  public_route,  // no authentication (health, discovery, the token endpoint itself)
  authenticated, // admin basic auth or a gateway access token, then IAM on `action`
  invoke,        // a function: open, unless it asks for a function token (com.openfaas.iam/jwt-auth);
                 // then a function token that the live engine allows Function:Invoke on it
};

// What a guarded route is authorized against (reference §1).
enum class Scope {
  none,           // public routes: nothing to authorize
  cluster,        // the resource is "*" (System:Info)
  all_namespaces, // Namespace:List: allowed when any statement grants it; the handler filters
  one_namespace,  // Function:List, Secret:List of ?namespace=: the caller must see that namespace
  request,        // the resource named by the request (path, query or body): see `resource`
  admin_only,     // faasgate's own administration (IAM explanations): basic auth only
};

// The resource a request names: "<ns>:*" (level namespace) or "<ns>:<name>".
struct RequestResource {
  std::string ns;
  std::string name;  // empty: the whole namespace
  std::string to_string() const { return ns + ":" + (name.empty() ? "*" : name); }
};
using ResourceFn = std::function<core::Expected<RequestResource, std::string>(const Call&)>;

struct Route {
  http::verb method;    // http::verb::unknown: any method
  std::string pattern;  // "/system/function/{name}"; a last segment "{rest*}" takes the remainder
  Guard guard = Guard::unset;  // must be said: Router::add refuses unset
  std::string action;   // IAM action, for guarded routes
  RouteHandler handler;
  Scope scope = Scope::none;
  ResourceFn resource;  // for Scope::request (and one_namespace: which namespace)
};

class Router {
 public:
  // Throws std::logic_error for a route without a guard, or an authenticated one without an action.
  void add(Route route);
  struct Match {
    const Route* route = nullptr;
    PathParams params;
    bool path_known = false;               // some route has this path (so a miss is 405, not 404)
    std::vector<http::verb> allowed;       // on a miss: the methods this path has (for Allow)
  };
  Match match(http::verb method, std::string_view path) const;
  const std::vector<Route>& routes() const noexcept { return routes_; }

 private:
  // Patterns are split once, when added; matching a request splits its path once.
  struct Segment {
    enum class Kind { literal, param, rest } kind;
    std::string text;  // the literal, or the parameter's name
  };
  bool matches(const std::vector<Segment>& pattern, const std::vector<std::string_view>& path, PathParams* params) const;

  std::vector<Route> routes_;
  std::vector<std::vector<Segment>> patterns_;  // parallel to routes_
  // Routes by their first literal segment, in table order, so a request is compared only with
  // the routes that can match it ("function" has one, "system" twenty); routes whose first
  // segment is a parameter are candidates for every path.
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_first_segment_;
  std::vector<std::size_t> any_first_segment_;
};

}  // namespace faasgate::api
