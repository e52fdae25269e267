#pragma once
// Structured log lines as the write-up prints them (zap's console encoder): a message, a tab,
// then the key/values as one JSON object, keys in the order given:
//   Added	{"function": "nodeinfo.dev", "schedule": "* * * * *"}
// Values are JSON-escaped, so a schedule or a function's answer cannot forge a log line.
#include <boost/json/value.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faasgate::cron_connector {

class Fields {
 public:
  Fields& add(std::string_view key, boost::json::value value) {
    fields_.emplace_back(std::string(key), std::move(value));
    return *this;
  }
  Fields& add(std::string_view key, std::string_view text) { return add(key, boost::json::value(text)); }
  Fields& add(std::string_view key, const std::string& text) { return add(key, std::string_view(text)); }
  Fields& add(std::string_view key, const char* text) { return add(key, std::string_view(text)); }
  // {"key": value, ...}
  std::string json() const;

 private:
  std::vector<std::pair<std::string, boost::json::value>> fields_;
};

// "<message>\t<fields>"
inline std::string line(std::string_view message, const Fields& fields) {
  return std::string(message) + "\t" + fields.json();
}

// A duration as the write-up's log lines show it: "10ms", "1.5s", "2m3s".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace faasgate::cron_connector
