#pragma once
// The API's JSON shapes (reference §3) for what faasgate::wire has no to_json for: the CLI
// prints them with -o json/yaml exactly as the gateway sends them, so a script reads the same
// document from either. (A function's status, a namespace and a secret's name are wire::to_json's.)
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "faasgate/model/model.hpp"
#include "faasgate/sdk/client.hpp"

namespace faasgate::cli {

// {"provider":{"provider","orchestration","version"},"version":{"commit_message","sha","release"},"arch"}
boost::json::object to_json(const sdk::Info& info);
// [{"name","namespace"}], each wire::to_json - never a value
boost::json::array to_json(const std::vector<model::SecretRef>& secrets);
// {"name","namespace","instance","timestamp","text"}, one line of /system/logs
boost::json::object to_json(const sdk::LogLine& line);

}  // namespace faasgate::cli
