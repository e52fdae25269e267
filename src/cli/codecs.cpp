#include "codecs.hpp"

#include "faasgate/wire/json.hpp"

namespace faasgate::cli {

namespace json = boost::json;

json::object to_json(const sdk::Info& info) {
  return {{"provider",
           json::object{{"provider", info.provider}, {"orchestration", info.orchestration}, {"version", info.provider_version}}},
          {"version", json::object{{"commit_message", info.commit_message}, {"sha", info.sha}, {"release", info.version}}},
          {"arch", info.arch}};
}

json::array to_json(const std::vector<model::SecretRef>& secrets) {
  json::array out;
  for (const auto& s : secrets) out.push_back(wire::to_json(s));
  return out;
}

json::object to_json(const sdk::LogLine& line) {
  return {{"name", line.name},
          {"namespace", line.namespace_},
          {"instance", line.instance},
          {"timestamp", line.timestamp},
          {"text", line.text}};
}

}  // namespace faasgate::cli
