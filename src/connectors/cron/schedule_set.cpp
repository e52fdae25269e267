#include "faasgate/cron_connector/schedule_set.hpp"

namespace faasgate::cron_connector {
namespace {

bool ascii_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

const std::string* annotation(const model::FunctionDeployment& d, std::string_view name) {
  auto it = d.annotations.find(std::string(name));
  return it == d.annotations.end() ? nullptr : &it->second;
}

}  // namespace

bool has_cron_topic(std::string_view topics) noexcept {
  while (true) {
    const auto comma = topics.find(',');
    if (trim(topics.substr(0, comma)) == kCronTopic) return true;
    if (comma == std::string_view::npos) return false;
    topics.remove_prefix(comma + 1);
  }
}

DesiredSet build_desired(const std::vector<NamespaceFunctions>& listed, const cron::ZoneSource& zones) {
  DesiredSet out;
  for (const auto& ns : listed) {
    for (const auto& f : ns.functions) {
      const auto& d = f.deployment;
      const auto* topic = annotation(d, kTopicAnnotation);
      if (!topic || !has_cron_topic(*topic)) continue;
      // The connector builds /function/<name>.<ns> from these; the SDK escapes them, but a name
      // no route accepts could only fail, every time.
      if (!model::valid_name(d.service) || !model::valid_name(ns.namespace_) || out.entries.size() >= kMaxFunctions) {
        ++out.dropped;
        continue;
      }
      ScheduleEntry e;
      e.key = {d.service, ns.namespace_};
      const auto* schedule = annotation(d, kScheduleAnnotation);
      e.schedule_text = schedule ? *schedule : std::string();
      const auto* jwt = annotation(d, kJwtAuthAnnotation);
      e.jwt_auth = jwt && *jwt == "true";
      if (!schedule) {
        e.error = cron::ParseError{"the function has no schedule annotation", 0};
      } else if (auto parsed = cron::parse_schedule(*schedule, zones)) {
        e.schedule = std::make_shared<const cron::Schedule>(std::move(*parsed));
      } else {
        e.error = parsed.error();
      }
      auto key = e.key;
      out.entries.insert_or_assign(std::move(key), std::move(e));
    }
  }
  return out;
}

ScheduleDiff diff(const ScheduleSet& current, const ScheduleSet& desired) {
  ScheduleDiff d;
  for (const auto& [key, was] : current) {
    auto it = desired.find(key);
    const bool gone = it == desired.end() || !it->second.valid() || it->second.schedule_text != was.schedule_text;
    if (was.valid() && gone) d.removed.push_back(was);
  }
  for (const auto& [key, want] : desired) {
    auto it = current.find(key);
    const ScheduleEntry* was = it == current.end() ? nullptr : &it->second;
    const bool same_text = was && was->schedule_text == want.schedule_text;
    if (want.valid()) {
      if (!was || !was->valid() || !same_text)
        d.added.push_back(want);
      else if (was->jwt_auth != want.jwt_auth)
        d.updated.push_back(want);
    } else if (!was || was->valid() || !same_text) {
      d.newly_invalid.push_back(want);
    }
  }
  return d;
}

}  // namespace faasgate::cron_connector
