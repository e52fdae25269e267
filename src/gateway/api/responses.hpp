#pragma once
// Small builders for the answers every handler gives.
#include <boost/json/value.hpp>

#include <string_view>

#include "faasgate/api/router.hpp"

namespace faasgate::api {

Reply json_reply(http::status status, const boost::json::value& body);
Reply text_reply(http::status status, std::string_view body, std::string_view content_type = "text/plain; charset=utf-8");
// The message as plain text, as upstream writes errors on /system and /function (http.Error):
// go-sdk decodes a JSON error body into an empty answer and reports no error.
Reply error_reply(http::status status, std::string_view message);

}  // namespace faasgate::api
