#pragma once
// The pure half of discovery: which functions are cron functions, the set of schedules they
// want, and how that set differs from the one running. No I/O, no clock.
//
// A function is a cron function when its `topic` annotation names `cron-function` among its
// comma-separated topics (each trimmed of ASCII whitespace; "kafka,cron-function" counts,
// "cron-functions" does not), as the upstream connector-sdk reads topics. It is scheduled when its
// `schedule` annotation also parses (src/cron); one that does not is kept in the set as invalid,
// so that the diff can say when its text is new and the shell logs it once per change, not every
// round.
#include <compare>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/cron/schedule.hpp"
#include "faasgate/model/model.hpp"

namespace faasgate::cron_connector {

inline constexpr std::string_view kCronTopic = "cron-function";
inline constexpr std::string_view kTopicAnnotation = "topic";
inline constexpr std::string_view kScheduleAnnotation = "schedule";
inline constexpr std::string_view kJwtAuthAnnotation = "com.openfaas.iam/jwt-auth";
// Every input is bounded: a gateway (or a tenant deploying thousands of functions) cannot make
// the connector hold more than this many entries. Functions past the bound are counted, not kept.
inline constexpr std::size_t kMaxFunctions = 10000;
inline constexpr std::size_t kMaxNamespaces = 1000;

struct FunctionKey {
  std::string name;
  std::string namespace_;
  // "nodeinfo.dev", as the write-up's log lines and /function/<name>.<ns> name a function.
  std::string qualified() const { return name + "." + namespace_; }
  friend auto operator<=>(const FunctionKey&, const FunctionKey&) = default;
  friend bool operator==(const FunctionKey&, const FunctionKey&) = default;
};

struct ScheduleEntry {
  FunctionKey key;
  std::string schedule_text;  // the annotation as written
  bool jwt_auth = false;      // com.openfaas.iam/jwt-auth is "true": invoke with a function token
  std::shared_ptr<const cron::Schedule> schedule;  // set when the text parses
  std::optional<cron::ParseError> error;           // set when it does not
  bool valid() const noexcept { return schedule != nullptr; }
};

using ScheduleSet = std::map<FunctionKey, ScheduleEntry>;

// Whether a `topic` annotation names cron-function.
bool has_cron_topic(std::string_view topics) noexcept;

// The functions one namespace listed.
struct NamespaceFunctions {
  std::string namespace_;
  std::vector<model::FunctionStatus> functions;
};

struct DesiredSet {
  ScheduleSet entries;
  std::size_t dropped = 0;  // cron functions past kMaxFunctions, or with a name no route accepts
};

// The schedules the listed functions want. Functions are keyed by the namespace that listed
// them (the one the connector will invoke them in), not by what their body claims.
DesiredSet build_desired(const std::vector<NamespaceFunctions>& listed, const cron::ZoneSource& zones);

// From the running set to the desired one. A changed schedule is removed and added (the upstream
// connector's diff on (name, namespace, schedule)); a change of jwt-auth alone is an update that
// keeps the entry's timing.
struct ScheduleDiff {
  std::vector<ScheduleEntry> added;          // valid in `desired`, and absent, invalid or other text in `current`
  std::vector<ScheduleEntry> removed;        // valid in `current`, and absent, invalid or other text in `desired`
  std::vector<ScheduleEntry> updated;        // valid in both with the same text, jwt-auth changed
  std::vector<ScheduleEntry> newly_invalid;  // invalid in `desired`, and absent, valid or other text in `current`
  bool empty() const noexcept { return added.empty() && removed.empty() && updated.empty() && newly_invalid.empty(); }
};

ScheduleDiff diff(const ScheduleSet& current, const ScheduleSet& desired);

}  // namespace faasgate::cron_connector
