#include "faasgate/sqlite/stored_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

namespace faasgate::sqlite {

std::optional<boost::json::value> parse_stored_json(std::string_view text) {
  boost::json::parse_options options;
  options.allow_invalid_utf8 = true;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec, {}, options);
  if (ec) return std::nullopt;
  return v;
}

}  // namespace faasgate::sqlite
