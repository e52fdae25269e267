// `faasgate cron <tool>`: cron schedules as the cron connector reads them (src/cron).
//
//   faasgate cron next "<expr>" [--from RFC3339] [-n N] [--utc]
//     The next N fire times (default 5) strictly after --from (default: now), one RFC 3339 time a
//     line: in UTC ("Z") for a schedule without a zone prefix, in its zone's offset otherwise
//     ("2026-03-08T03:00:00-04:00"; --utc writes "Z" always). Instants, not local readings, are
//     what the times mean; the offset is for the reader.
//   faasgate cron next --stdin [--from RFC3339] [-n N] [--utc]
//     One expression a line from stdin, optionally preceded by its own start time and a tab
//     ("2026-03-08T01:00:00Z\tCRON_TZ=America/New_York 30 2 * * *"). One line out per line in:
//     the fire times separated by spaces, or "error at <position>: <message>". For scripts and
//     the croniter cross-check (tests/cron), which would otherwise start a process per case.
//
// Exit codes: 0; 1 when a schedule given as an argument fires fewer than N times within the
// search bound (cron::kSearchYears; "0 0 30 2 *" never fires); 2 for usage errors and for a bad
// expression - with the expression, a caret under the error and the message on stderr (with
// --stdin, 2 when any line was bad; the other lines are still answered).
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "faasgate/core/clock.hpp"
#include "faasgate/core/text.hpp"
#include "faasgate/cron/rfc3339.hpp"
#include "faasgate/cron/schedule.hpp"

namespace faasgate::app {
namespace {

constexpr int kUsage = 2;
constexpr int kMaxCount = 1000;
// A --stdin line: a start time, a tab and an expression.
constexpr std::size_t kMaxLineBytes = 64 + 1 + cron::kMaxExpressionBytes;

struct NextOptions {
  std::string expression;
  std::string from;
  int count = 5;
  bool stdin_lines = false;
  bool utc = false;
};

std::string show(const cron::Schedule& schedule, std::chrono::sys_seconds t, bool utc) {
  return utc ? cron::format_rfc3339(t) : cron::format_fire_time(schedule, t);
}

// The expression with a caret under the error. Bytes that are not printable ASCII become '?'
// (the parser refuses them anyway), so the caret stays under the byte it names.
void print_parse_error(std::string_view expression, const cron::ParseError& e) {
  std::string line;
  for (char c : expression) {
    const auto u = static_cast<unsigned char>(c);
    line += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  std::cerr << "faasgate cron next: invalid schedule\n  " << line << "\n  " << std::string(e.position, ' ') << "^\n  "
            << e.message << " (at position " << e.position << ")\n";
}

int next_one(const NextOptions& o, std::chrono::sys_seconds from) {
  auto schedule = cron::parse_schedule(o.expression);
  if (!schedule) {
    print_parse_error(o.expression, schedule.error());
    return kUsage;
  }
  auto t = from;
  for (int i = 0; i < o.count; ++i) {
    auto next = cron::next_after(*schedule, t);
    if (!next) {
      std::cout.flush();
      std::cerr << "faasgate cron next: no fire time after " << show(*schedule, t, o.utc) << " within "
                << cron::kSearchYears << " years\n";
      return 1;
    }
    std::cout << show(*schedule, *next, o.utc) << "\n";
    t = *next;
  }
  return 0;
}

// Reads one line of at most kMaxLineBytes; false at the end of input. A longer line is consumed
// and reported as too long.
bool read_line(std::istream& in, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  char c;
  bool any = false;
  while (in.get(c)) {
    any = true;
    if (c == '\n') return true;
    if (line.size() == kMaxLineBytes)
      too_long = true;
    else
      line += c;
  }
  return any;
}

int next_lines(const NextOptions& o, std::chrono::sys_seconds default_from) {
  bool any_bad = false;
  std::string line;
  bool too_long = false;
  while (read_line(std::cin, line, too_long)) {
    if (too_long) {
      std::cout << "error at 0: the line is longer than " << kMaxLineBytes << " bytes\n";
      any_bad = true;
      continue;
    }
    std::string_view expression = line;
    auto from = default_from;
    if (const auto tab = expression.find('\t'); tab != std::string_view::npos) {
      auto start = cron::parse_rfc3339(expression.substr(0, tab));
      if (!start) {
        std::cout << "error at 0: \"" << core::printable(expression.substr(0, tab), 64)
                  << "\" is not an RFC 3339 time\n";
        any_bad = true;
        continue;
      }
      from = *start;
      expression.remove_prefix(tab + 1);
    }
    auto schedule = cron::parse_schedule(expression);
    if (!schedule) {
      std::cout << "error at " << schedule.error().position << ": " << schedule.error().message << "\n";
      any_bad = true;
      continue;
    }
    auto t = from;
    for (int i = 0; i < o.count; ++i) {
      auto next = cron::next_after(*schedule, t);
      if (!next) break;
      std::cout << (i ? " " : "") << show(*schedule, *next, o.utc);
      t = *next;
    }
    std::cout << "\n";
  }
  std::cout.flush();
  return any_bad ? kUsage : 0;
}

Run setup_next(CLI::App& command) {
  auto o = std::make_shared<NextOptions>();
  command.add_option("expression", o->expression,
                     "The schedule: 5 fields, @hourly and the like, @every <duration>, CRON_TZ=<zone> in front, "
                     "several separated by ';'");
  command.add_option("--from", o->from, "Start after this RFC 3339 time (default: now)");
  command.add_option("-n", o->count, "How many fire times")->capture_default_str()->check(CLI::Range(1, kMaxCount));
  command.add_flag("--stdin", o->stdin_lines,
                   "Read expressions from stdin, one a line, each optionally after its own start time and a tab");
  command.add_flag("--utc", o->utc, "Write every time in UTC (Z), whatever the schedule's zone");
  return [o]() -> int {
    if (o->stdin_lines == !o->expression.empty()) {
      std::cerr << "faasgate cron next: give an expression or --stdin\n";
      return kUsage;
    }
    auto from = core::SystemClock().now();
    if (!o->from.empty()) {
      auto parsed = cron::parse_rfc3339(o->from);
      if (!parsed) {
        std::cerr << "faasgate cron next: --from \"" << core::printable(o->from, 64)
                  << "\" is not an RFC 3339 time (e.g. 2026-03-08T01:30:00Z or 2026-03-08T01:30:00-05:00)\n";
        return kUsage;
      }
      from = *parsed;
    }
    return o->stdin_lines ? next_lines(*o, from) : next_one(*o, from);
  };
}

constexpr Command kTools[] = {
    {"next", "Print a schedule's next fire times", setup_next},
};

}  // namespace

Run setup_cron(CLI::App& command) { return setup_group(command, kTools); }

}  // namespace faasgate::app
