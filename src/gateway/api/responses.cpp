#include "responses.hpp"

#include <boost/json/serialize.hpp>

#include "faasgate/server/http_server.hpp"

namespace faasgate::api {

Reply json_reply(http::status status, const boost::json::value& body) {
  Response res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = boost::json::serialize(body);
  res.body() += '\n';
  return {std::move(res), {}};
}

Reply text_reply(http::status status, std::string_view body, std::string_view content_type) {
  Response res{status, 11};
  res.set(http::field::content_type, content_type);
  res.body() = body;
  return {std::move(res), {}};
}

Reply error_reply(http::status status, std::string_view message) { return server::make_error_reply(status, message); }

}  // namespace faasgate::api
