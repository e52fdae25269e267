#include "faasgate/provider/logs.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <utility>

namespace faasgate::provider {

namespace {

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
void cut_line(std::string& text, std::size_t max) {
  if (text.size() <= max) return;
  std::size_t end = max;
  // Step back over continuation bytes (10xxxxxx) so that a multi-byte character is not halved.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
}

bool matches(const LogLine& line, const LogQuery& q) {
  if (q.instance && line.instance != *q.instance) return false;
  if (q.since && line.timestamp < *q.since) return false;
  return true;
}

}  // namespace

struct LogStore::Impl {
  struct Ring {
    std::deque<LogLine> lines;
    std::size_t bytes = 0;
  };
  struct Subscriber {
    Listener listener;
    bool alive = true;
  };

  explicit Impl(LogLimits l) : limits(l) {}

  static std::size_t cost(const LogLine& line) { return line.text.size() + line.instance.size(); }

  const LogLimits limits;
  mutable std::mutex mu;
  std::map<std::pair<std::string, std::string>, Ring> rings;  // (namespace, name)
  std::uint64_t sequence = 0;

  // Listeners have their own (recursive) lock: a listener may unsubscribe itself, and
  // unsubscribing waits for calls in progress on other threads, so that once the handle is gone the
  // listener's captures are never touched again.
  std::recursive_mutex listeners_mu;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, std::shared_ptr<Subscriber>> listeners;
};

LogStore::LogStore(LogLimits limits) : impl_(std::make_shared<Impl>(limits)) {}

void LogStore::append(LogLine line) {
  auto& s = *impl_;
  cut_line(line.text, s.limits.max_line_bytes);
  {
    std::lock_guard lock(s.mu);
    line.sequence = ++s.sequence;
    auto& ring = s.rings[{line.namespace_, line.name}];
    ring.bytes += Impl::cost(line);
    ring.lines.push_back(std::move(line));
    while (!ring.lines.empty() &&
           (ring.lines.size() > s.limits.max_lines_per_function || ring.bytes > s.limits.max_bytes_per_function)) {
      ring.bytes -= Impl::cost(ring.lines.front());
      ring.lines.pop_front();
    }
  }
  std::vector<std::shared_ptr<Impl::Subscriber>> snapshot;
  std::lock_guard lock(s.listeners_mu);
  if (s.listeners.empty()) return;
  snapshot.reserve(s.listeners.size());
  for (auto& [id, sub] : s.listeners) snapshot.push_back(sub);
  for (auto& sub : snapshot) {
    if (sub->alive) sub->listener();
  }
}

std::vector<LogLine> LogStore::read(const LogQuery& query) const {
  auto& s = *impl_;
  std::lock_guard lock(s.mu);
  std::vector<LogLine> out;
  auto it = s.rings.find({query.namespace_, query.name});
  if (it == s.rings.end()) return out;
  const auto& lines = it->second.lines;
  if (query.tail) {
    // Walk back from the newest line: the last N matching lines, in order.
    const std::size_t want = *query.tail;
    std::vector<const LogLine*> picked;
    for (auto r = lines.rbegin(); r != lines.rend() && picked.size() < want; ++r) {
      if (matches(*r, query)) picked.push_back(&*r);
    }
    out.reserve(picked.size());
    for (auto p = picked.rbegin(); p != picked.rend(); ++p) out.push_back(**p);
    return out;
  }
  for (const auto& line : lines) {
    if (matches(line, query)) out.push_back(line);
  }
  return out;
}

std::vector<LogLine> LogStore::read_after(const LogQuery& query, std::uint64_t after_sequence, std::size_t max) const {
  auto& s = *impl_;
  std::lock_guard lock(s.mu);
  std::vector<LogLine> out;
  auto it = s.rings.find({query.namespace_, query.name});
  if (it == s.rings.end()) return out;
  const auto& lines = it->second.lines;
  // Sequences increase along the ring: binary search for the first line after `after_sequence`.
  auto first = std::upper_bound(lines.begin(), lines.end(), after_sequence,
                                [](std::uint64_t seq, const LogLine& l) { return seq < l.sequence; });
  for (auto l = first; l != lines.end() && out.size() < max; ++l) {
    if (matches(*l, query)) out.push_back(*l);
  }
  return out;
}

std::uint64_t LogStore::last_sequence() const {
  std::lock_guard lock(impl_->mu);
  return impl_->sequence;
}

void LogStore::remove(const std::string& ns, const std::string& name) {
  std::lock_guard lock(impl_->mu);
  impl_->rings.erase({ns, name});
}

std::shared_ptr<void> LogStore::subscribe(Listener listener) {
  auto& s = *impl_;
  auto sub = std::make_shared<Impl::Subscriber>();
  sub->listener = std::move(listener);
  std::uint64_t id;
  {
    std::lock_guard lock(s.listeners_mu);
    id = ++s.next_id;
    s.listeners.emplace(id, sub);
  }
  std::weak_ptr<Impl> weak = impl_;
  // The handle owns nothing but its own unsubscription; it may outlive the store.
  void* token = sub.get();  // non-null, so that the handle tests true; never deleted through it
  return std::shared_ptr<void>(token, [weak, id, sub](void*) {
    if (auto impl = weak.lock()) {
      std::lock_guard lock(impl->listeners_mu);
      sub->alive = false;
      impl->listeners.erase(id);
    }
  });
}

}  // namespace faasgate::provider
