#pragma once
// Bounded, per-function logs of function output, with tail/since/instance queries and followers
// (GET /system/logs?follow=true).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace faasgate::provider {

struct LogLine {
  std::string name;        // function
  std::string namespace_;
  std::string instance;    // e.g. "echo-1" (replica) or "echo-<pid>" (classic process)
  std::chrono::system_clock::time_point timestamp;
  std::string text;        // one line, without its newline; long lines are cut at max_line_bytes
  std::uint64_t sequence = 0;  // increasing per LogStore, for followers
};

struct LogLimits {
  std::size_t max_lines_per_function = 10'000;
  std::size_t max_bytes_per_function = 4 * 1024 * 1024;
  std::size_t max_line_bytes = 16 * 1024;
};

struct LogQuery {
  std::string name;
  std::string namespace_;
  std::optional<std::string> instance;
  std::optional<std::chrono::system_clock::time_point> since;
  std::optional<std::size_t> tail;  // the last N lines (after the other filters)
};

// What reads logs: GET /system/logs, with or without follow (which polls read_after).
class LogSource {
 public:
  virtual ~LogSource() = default;
  virtual std::vector<LogLine> read(const LogQuery& query) const = 0;
  // Lines appended after `after_sequence` that match the query (ignoring tail), up to max.
  virtual std::vector<LogLine> read_after(const LogQuery& query, std::uint64_t after_sequence, std::size_t max) const = 0;
  virtual std::uint64_t last_sequence() const = 0;
};

class LogStore final : public LogSource {
 public:
  explicit LogStore(LogLimits limits = {});

  void append(LogLine line);  // assigns the sequence number; evicts the oldest beyond the limits
  std::vector<LogLine> read(const LogQuery& query) const override;
  std::vector<LogLine> read_after(const LogQuery& query, std::uint64_t after_sequence, std::size_t max) const override;
  std::uint64_t last_sequence() const override;
  void remove(const std::string& ns, const std::string& name);

  // Followers: called (from the appending thread) after each append; keep it cheap (e.g. post to
  // an executor or signal a channel). The returned handle unsubscribes when destroyed.
  using Listener = std::function<void()>;
  std::shared_ptr<void> subscribe(Listener listener);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace faasgate::provider
