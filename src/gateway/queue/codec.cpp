#include "codec.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "faasgate/sqlite/stored_json.hpp"

namespace faasgate::queue::codec {

namespace json = boost::json;

std::string encode_pairs(const Pairs& pairs) {
  json::array out;
  for (const auto& [k, v] : pairs) out.push_back(json::array{json::string(k), json::string(v)});
  return json::serialize(out);
}

std::optional<Pairs> decode_pairs(std::string_view text) {
  auto v = sqlite::parse_stored_json(text);
  if (!v || !v->is_array()) return std::nullopt;
  Pairs out;
  for (const auto& item : v->get_array()) {
    if (!item.is_array() || item.get_array().size() != 2 || !item.get_array()[0].is_string() ||
        !item.get_array()[1].is_string()) {
      return std::nullopt;
    }
    out.emplace_back(std::string(item.get_array()[0].get_string()), std::string(item.get_array()[1].get_string()));
  }
  return out;
}

}  // namespace faasgate::queue::codec
