#include "faasgate/queue/jetstream_queue.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "checks.hpp"
#include "jetstream_codec.hpp"

namespace faasgate::queue {

using detail::error;
using namespace std::chrono_literals;

namespace {

bool is_token(std::string_view s) {
  return !s.empty() && s.size() <= 253 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

std::int64_t limit(std::uint64_t v) {
  return v == QueueLimits::kNone || v > static_cast<std::uint64_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(v);
}

bool same_stream_limits(const QueueLimits& a, const QueueLimits& b) {
  return a.max_calls == b.max_calls && a.max_bytes == b.max_bytes && a.max_calls_per_function == b.max_calls_per_function;
}

QueueError from_nats(const nats::NatsError& e) {
  switch (e.code) {
    case nats::NatsErrc::unavailable:
    case nats::NatsErrc::timeout:
      return error(QueueErrc::unavailable, "the async queue's NATS server is unavailable: " + e.message);
    case nats::NatsErrc::too_large:
      return error(QueueErrc::too_large, e.message);
    default:
      return error(QueueErrc::io, "the async queue's NATS server refused: " + e.message);
  }
}

QueueError not_found(std::string_view id) {
  return error(QueueErrc::not_found, detail::call_label(id) + " not found (not leased here)");
}

std::chrono::milliseconds until(core::Instant when, core::Instant now) {
  return when > now ? std::chrono::duration_cast<std::chrono::milliseconds>(when - now) : 0ms;
}

}  // namespace

JetStreamQueue::JetStreamQueue(nats::Connection& connection, JetStreamQueueOptions options)
    : nc_(connection), options_(std::move(options)), applied_(options_.limits) {}

JetStreamQueue::~JetStreamQueue() = default;

std::optional<std::string> JetStreamQueue::check_queue_name(std::string_view name) {
  if (is_token(name) && name.size() <= 64) return std::nullopt;
  return "a queue name must be 1-64 letters, digits, '-' or '_'";
}

Result<void> JetStreamQueue::ready() {
  auto sub = subscription();
  if (!sub) return core::fail(sub.error());
  return {};
}

Result<std::shared_ptr<nats::Subscription>> JetStreamQueue::subscription() {
  std::lock_guard lock(setup_mu_);
  if (stream_ready_ && sub_) return sub_;
  if (!nc_.connected()) {
    return core::fail(error(QueueErrc::unavailable, "the async queue's NATS server is unreachable"));
  }
  if (!stream_ready_) {
    nats::StreamConfig config{.name = stream_name(),
                              .subjects = {options_.queue + ".>"},
                              .retention = nats::Retention::work_queue,
                              .max_msgs = limit(applied_.max_calls),
                              .max_bytes = limit(applied_.max_bytes),
                              .max_msgs_per_subject = limit(applied_.max_calls_per_function),
                              .discard_new = true};
    if (auto made = nc_.ensure_stream(config, options_.timeout); !made) return core::fail(from_nats(made.error()));
    stream_ready_ = true;
  }
  if (!sub_) {
    auto sub = nc_.pull_subscribe({.stream = stream_name(),
                                   .durable = options_.queue + "-workers",
                                   .filter_subject = options_.queue + ".>",
                                   .ack_wait = options_.ack_wait},
                                  options_.timeout);
    if (!sub) return core::fail(from_nats(sub.error()));
    sub_ = std::move(*sub);
  }
  return sub_;
}

void JetStreamQueue::reset() {
  std::lock_guard lock(setup_mu_);
  stream_ready_ = false;
  sub_.reset();
}

Result<void> JetStreamQueue::apply_limits(const QueueLimits& limits) {
  {
    std::lock_guard lock(setup_mu_);
    if (same_stream_limits(applied_, limits)) return {};
    applied_ = limits;
    stream_ready_ = false;  // ensure_stream again, with these
  }
  return ready();
}

void JetStreamQueue::forget_abandoned(core::Instant now) {
  for (auto it = leased_.begin(); it != leased_.end();) {
    if (now - it->second.touched >= 2 * it->second.lease) {
      spdlog::warn("async queue: {} was leased and left (not completed, rescheduled or extended): forgotten",
                   detail::call_label(it->first));
      it = leased_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<JetStreamQueue::Leased> JetStreamQueue::find(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = leased_.find(id);
  if (it == leased_.end()) return std::nullopt;
  return it->second;
}

Result<void> JetStreamQueue::enqueue(const AsyncCall& call, const QueueLimits& limits) {
  if (auto bad = detail::check_call_id(call.id)) return core::fail(*bad);
  if (!is_token(call.function) || !is_token(call.namespace_)) {
    return core::fail(error(QueueErrc::invalid, "a function and namespace must be names (letters, digits, '-', '_')"));
  }
  // What the server cannot see: one call beyond a byte limit by itself (per function, JetStream
  // keeps no byte count, so this is all that is checked of max_bytes_per_function).
  if (auto full = detail::check_room(call, limits, {}, {})) return core::fail(*full);
  if (auto applied = apply_limits(limits); !applied) return applied;
  if (auto up = ready(); !up) return up;

  jetstream::Envelope envelope{call, call.enqueued_at};
  if (!call.result_status) {  // as the other queues: a result without a status is not kept
    envelope.call.result_body.clear();
    envelope.call.result_headers.clear();
  }
  const std::string subject = options_.queue + "." + call.namespace_ + "." + call.function;
  auto ack = nc_.publish(subject, jetstream::encode(envelope), call.id, options_.timeout);
  if (!ack) {
    const auto& e = ack.error();
    if (e.code == nats::NatsErrc::refused && e.message.find("per subject") != std::string::npos) {
      return core::fail(error(QueueErrc::full, "function " + call.function + "." + call.namespace_ + " has its limit of " +
                                                   std::to_string(limits.max_calls_per_function) + " calls queued"));
    }
    if (e.code == nats::NatsErrc::refused && e.message.find("maximum messages") != std::string::npos) {
      return core::fail(
          error(QueueErrc::full, "the async queue holds its limit of " + std::to_string(limits.max_calls) + " calls"));
    }
    if (e.code == nats::NatsErrc::refused && e.message.find("maximum bytes") != std::string::npos) {
      return core::fail(error(QueueErrc::full, "the async queue's stream holds its limit of " +
                                                   std::to_string(limits.max_bytes) + " bytes (calls with their envelopes)"));
    }
    if (e.server_code == 10059 || e.server_code == 10014) reset();  // the stream is gone
    return core::fail(from_nats(e));
  }
  if (ack->duplicate) return core::fail(error(QueueErrc::already_exists, detail::call_label(call.id) + " already exists"));
  return {};
}

Result<std::vector<AsyncCall>> JetStreamQueue::lease_calls(std::size_t max, core::Instant now, std::chrono::seconds lease) {
  if (auto bad = detail::check_lease(lease)) return core::fail(*bad);
  std::vector<AsyncCall> out;
  if (max == 0) return out;
  auto sub = subscription();
  if (!sub) return core::fail(sub.error());
  if (!nc_.connected()) return core::fail(error(QueueErrc::unavailable, "the async queue's NATS server is unreachable"));
  nats::Result<std::vector<nats::Message>> got = std::vector<nats::Message>{};
  {
    // Another thread is fetching (and waiting up to fetch_wait): it gets what is there. Not
    // queueing behind it keeps the callers' threads (the gateway's blocking pool) free.
    std::unique_lock lock(fetch_mu_, std::try_to_lock);
    if (!lock) return out;
    got = (*sub)->fetch(static_cast<int>(std::min<std::size_t>(max, 256)), options_.fetch_wait);
  }
  if (!got) {
    if (!nc_.connected()) {
      return core::fail(error(QueueErrc::unavailable, "the async queue's NATS server is unreachable: " + got.error().message));
    }
    if (got.error().code != nats::NatsErrc::unavailable && got.error().code != nats::NatsErrc::timeout) reset();
    return core::fail(from_nats(got.error()));
  }
  std::lock_guard lock(mu_);
  last_now_ = now;
  forget_abandoned(now);
  for (auto& m : *got) {
    auto envelope = jetstream::decode(m.data());
    if (!envelope) {
      // Not ours, or from a gateway of another version: it can never be run, so it is not
      // redelivered forever. Its sequence number, not its content, is logged.
      spdlog::error("async queue: message {} on {} does not decode: terminated", m.stream_sequence(), stream_name());
      (void)m.term();
      continue;
    }
    if (envelope->due_at > now) {
      (void)m.nak(until(envelope->due_at, now));
      continue;
    }
    out.push_back(envelope->call);
    const std::string id = envelope->call.id;  // an assignment evaluates its right side first
    leased_[id] = Leased{std::make_shared<nats::Message>(std::move(m)), std::move(envelope->call), now, lease};
  }
  return out;
}

Result<void> JetStreamQueue::record_result(const AsyncCall& call) {
  std::lock_guard lock(mu_);
  auto it = leased_.find(call.id);
  if (it == leased_.end()) return core::fail(not_found(call.id));
  detail::keep_result(it->second.call, call);
  return {};
}

Result<void> JetStreamQueue::retry_later(const std::string& id, core::Instant when) {
  auto leased = find(id);
  if (!leased) return core::fail(not_found(id));
  jetstream::Envelope next{leased->call, when};
  ++next.call.attempts;
  const std::string subject = options_.queue + "." + next.call.namespace_ + "." + next.call.function;
  auto published = nc_.publish(subject, jetstream::encode(next), id + "#" + std::to_string(next.call.attempts),
                               options_.timeout);
  core::Instant now;
  {
    std::lock_guard lock(mu_);
    now = last_now_;
    leased_.erase(id);
  }
  if (published) {
    if (auto acked = leased->message->ack(options_.timeout); !acked) {
      // Stored twice until the lease runs out: a duplicate, which at-least-once allows.
      spdlog::warn("async queue: {} was rescheduled but its old message stays: {}", detail::call_label(id),
                   acked.error().message);
    }
    return {};
  }
  if (published.error().code == nats::NatsErrc::refused || published.error().code == nats::NatsErrc::too_large) {
    // No room for the new message: the old one comes back after the delay instead.
    spdlog::info("async queue: {} cannot be republished ({}); redelivered as it was", detail::call_label(id),
                 published.error().message);
    if (auto back = leased->message->nak(until(when, now)); !back) return core::fail(from_nats(back.error()));
    return {};
  }
  return core::fail(from_nats(published.error()));  // the lease runs out, and it comes back
}

Result<void> JetStreamQueue::extend_lease(const std::string& id, core::Instant now, std::chrono::seconds lease) {
  if (auto bad = detail::check_lease(lease)) return core::fail(*bad);
  std::optional<Leased> leased;
  {
    std::lock_guard lock(mu_);
    auto it = leased_.find(id);
    if (it != leased_.end()) {
      it->second.touched = now;
      it->second.lease = lease;
      leased = it->second;
    }
  }
  if (!leased) return core::fail(not_found(id));
  if (auto kept = leased->message->in_progress(); !kept) return core::fail(from_nats(kept.error()));
  return {};
}

Result<void> JetStreamQueue::complete(const std::string& id) {
  std::shared_ptr<nats::Message> message;
  {
    std::lock_guard lock(mu_);
    auto it = leased_.find(id);
    if (it == leased_.end()) return core::fail(not_found(id));
    message = std::move(it->second.message);
    leased_.erase(it);
  }
  if (auto acked = message->ack(options_.timeout); !acked) return core::fail(from_nats(acked.error()));
  return {};
}

Result<std::size_t> JetStreamQueue::depth() {
  if (auto up = ready(); !up) return core::fail(up.error());
  auto state = nc_.stream_state(stream_name(), options_.timeout);
  if (!state) return core::fail(from_nats(state.error()));
  return static_cast<std::size_t>(state->messages);
}

Result<void> JetStreamQueue::release_leases() { return {}; }
Result<void> JetStreamQueue::reclaim_space() { return {}; }

}  // namespace faasgate::queue
