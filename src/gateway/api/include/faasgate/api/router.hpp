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
#include <variant>
#include <vector>

#include "faasgate/access/authenticator.hpp"
#include "faasgate/access/decisions.hpp"
#include "faasgate/core/form.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/model/model.hpp"
#include "faasgate/server/http_server.hpp"
#include "faasgate/wire/json.hpp"

namespace faasgate::api {

namespace http = server::http;
namespace asio = server::asio;
namespace beast = server::beast;
using core::FormParams;
using core::decode_form;
using core::form_value;
using access::Principal;
using access::RequestResource;
using access::Scope;
using server::Reply;
using server::Request;
using server::RequestInfo;
using server::Response;

using PathParams = std::map<std::string, std::string, std::less<>>;

// A request body as the route's decoder made it: one of the REST API's bodies.
using DecodedBody = std::variant<std::monostate, model::FunctionDeployment, wire::DeleteFunction, wire::ScaleRequest,
                                 wire::SecretBody, model::Namespace>;
using BodyDecoder = core::Expected<DecodedBody, std::string> (*)(std::string_view body);

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
  BodyDecoder decoder = nullptr;       // the route's

  // The body, decoded once by the route's decoder: whoever asks first - the resource extraction
  // or the handler - decodes it, and everyone after reads the same value (or the same error).
  // A route without a decoder has no body to decode: an error.
  template <class T>
  core::Expected<T*, std::string> body() {
    if (!decoded_) decoded_ = decoder ? decoder(request.body()) : core::fail(std::string("this route takes no body"));
    if (!*decoded_) return core::fail(decoded_->error());
    if (auto* value = std::get_if<T>(&**decoded_)) return value;
    return core::fail(std::string("this route's body is not of that kind"));  // a route table bug
  }

  // body()'s memory; nobody else reads it.
  std::optional<core::Expected<DecodedBody, std::string>> decoded_;
};

using RouteHandler = std::function<asio::awaitable<Reply>(Call&)>;

// Each route has exactly one guard; Router::add refuses a route without one.
enum class Guard {
  unset,           // a route that names no guard: refused (a forgotten guard never means "open")
  public_route,    // no authentication (health, discovery, the token endpoint itself)
  admin,           // the admin's basic auth only (faasgate's own administration)
  iam,             // the admin's basic auth or a gateway access token, then IAM on {action, resource}
  function_token,  // a function: open, unless it asks for a function token (com.openfaas.iam/jwt-auth);
                   // then a function token that the live engine allows `action` on it
};

// Where the resource of an IAM route is read from (the path, the query or the body).
using ResourceFn = std::function<core::Expected<RequestResource, std::string>(Call&)>;

struct Route {
  http::verb method;    // http::verb::unknown: any method
  std::string pattern;  // "/system/function/{name}"; a last segment "{rest*}" takes the remainder
  Guard guard = Guard::unset;  // must be said: Router::add refuses unset
  std::string action;   // the IAM action (iam and function_token routes)
  RouteHandler handler;
  Scope scope = Scope::none;  // iam routes
  ResourceFn resource;  // for Scope::request (and one_namespace: which namespace)
  BodyDecoder body = nullptr;  // routes that take a REST API body
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
