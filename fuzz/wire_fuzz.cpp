// wire_fuzz: what a gateway reads from a back end it does not control - the upstream provider
// API's answers (wire::parse_function_statuses, parse_function_status, parse_namespace_names,
// parse_secret_refs), the deployments clients send (parse_deployment), and RFC 3339 times
// (core::parse_rfc3339 / parse_rfc3339_nanos: createdAt, logs' timestamps and `since`). The first
// byte picks the reader. Must never crash, and:
//   - a status or deployment that parses writes JSON that parses again to the same fields;
//   - a time that parses formats (UTC) to text that parses again to the same instant, within
//     years 1-9999, and the seconds reader agrees with the nanoseconds one where both hold.
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "faasgate/core/rfc3339.hpp"
#include "faasgate/wire/json.hpp"

namespace {

using namespace faasgate;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "wire_fuzz: %s\n", what);
  std::abort();
}

bool same_deployment(const model::FunctionDeployment& a, const model::FunctionDeployment& b) {
  auto same_resources = [](const std::optional<model::Resources>& x, const std::optional<model::Resources>& y) {
    if (x.has_value() != y.has_value()) return false;
    return !x || (x->memory == y->memory && x->cpu == y->cpu && x->other == y->other);
  };
  return a.service == b.service && a.image == b.image && a.namespace_ == b.namespace_ &&
         a.env_process == b.env_process && a.env_vars == b.env_vars && a.constraints == b.constraints &&
         a.secrets == b.secrets && a.labels == b.labels && a.annotations == b.annotations &&
         same_resources(a.limits, b.limits) && same_resources(a.requests, b.requests) &&
         a.read_only_root_filesystem == b.read_only_root_filesystem;
}

void check_status(const model::FunctionStatus& s) {
  auto again = wire::parse_function_status(boost::json::serialize(wire::to_json(s)));
  if (!again) fail("a status that parsed does not parse again once written");
  if (!same_deployment(again->deployment, s.deployment) || again->invocation_count != s.invocation_count ||
      again->available_replicas != s.available_replicas || again->deployment.replicas != s.deployment.replicas ||
      again->usage.has_value() != s.usage.has_value())
    fail("a status written and read again differs");
  // createdAt is written in whole seconds, years 1-9999: what was read must come back.
  if (again->created_at != s.created_at) fail("createdAt written and read again differs");
}

void check_time(std::string_view text) {
  auto seconds = core::parse_rfc3339(text);
  auto nanos = core::parse_rfc3339_nanos(text);
  if (nanos && !seconds) fail("the nanosecond reader took a time the seconds reader refused");
  if (seconds) {
    if (*seconds < core::kFirstRfc3339 || *seconds > core::kLastRfc3339) fail("a time outside years 1-9999");
    auto back = core::parse_rfc3339(core::format_rfc3339(*seconds));
    if (!back || *back != *seconds) fail("a time formatted and read again differs");
  }
  if (nanos) {
    if (std::chrono::floor<std::chrono::seconds>(*nanos) != *seconds) fail("the two readers disagree");
    auto back = core::parse_rfc3339_nanos(core::format_rfc3339_nanos(*nanos));
    if (!back || *back != *nanos) fail("a nanosecond time formatted and read again differs");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      if (auto all = wire::parse_function_statuses(text))
        for (const auto& s : *all) check_status(s);
      break;
    case 1:
      if (auto s = wire::parse_function_status(text)) check_status(*s);
      break;
    case 2:
      if (auto d = wire::parse_deployment(text)) {
        auto again = wire::parse_deployment(boost::json::serialize(wire::to_json(*d)));
        if (!again || !same_deployment(*again, *d)) fail("a deployment written and read again differs");
      }
      break;
    case 3: (void)wire::parse_namespace_names(text); break;
    case 4: (void)wire::parse_secret_refs(text); break;
    case 5: check_time(text); break;
  }
  return 0;
}
