#pragma once
// The JSON that the gateway's tables keep in text columns (a deployment, labels, an async call's
// headers) is a storage format, written by the gateway itself: parsed as it was written.
#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace faasgate::sqlite {

// Header values and labels may hold bytes that are not UTF-8 (HTTP obs-text): they are kept as
// they are. Nothing on the way in from outside is parsed with this.
std::optional<boost::json::value> parse_stored_json(std::string_view text);

}  // namespace faasgate::sqlite
