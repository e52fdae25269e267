#include "revocation_feed.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

namespace faasgate::app {

namespace json = boost::json;
using namespace std::chrono_literals;

nats::StreamConfig revocation_stream() {
  return {.name = std::string(kRevocationStream),
          .subjects = {std::string(kRevocationSubject)},
          .retention = nats::Retention::limits,
          .max_msgs = static_cast<std::int64_t>(kMaxSharedRevocations),
          .max_age = kRevocationMaxAge};
}

std::string encode_revocation(const store::Revocation& r) {
  json::object o;
  o["kind"] = r.kind == store::Revocation::Kind::token_id ? "token_id" : "subject";
  o["value"] = r.value;
  o["revoked_at"] = core::to_unix(r.revoked_at);
  o["issuer"] = r.issuer;
  return json::serialize(o);
}

std::optional<store::Revocation> decode_revocation(std::string_view text) {
  if (text.size() > 16 * 1024) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  const auto* kind = o.if_contains("kind");
  const auto* value = o.if_contains("value");
  const auto* at = o.if_contains("revoked_at");
  const auto* issuer = o.if_contains("issuer");
  if (!kind || !kind->is_string() || !value || !value->is_string() || value->get_string().empty() ||
      value->get_string().size() > 1024 || !at || !at->is_int64() || (issuer && !issuer->is_string())) {
    return std::nullopt;
  }
  store::Revocation r;
  if (kind->get_string() == "token_id") r.kind = store::Revocation::Kind::token_id;
  else if (kind->get_string() == "subject") r.kind = store::Revocation::Kind::subject;
  else return std::nullopt;
  r.value = std::string(value->get_string());
  r.revoked_at = core::from_unix(at->get_int64());
  if (issuer) r.issuer = std::string(issuer->get_string());
  return r;
}

nats::Result<void> publish_revocation(nats::Connection& connection, const store::Revocation& r,
                                      std::chrono::milliseconds timeout) {
  if (auto made = connection.ensure_stream(revocation_stream(), timeout); !made) return made;
  auto ack = connection.publish(std::string(kRevocationSubject), encode_revocation(r), "", timeout);
  if (!ack) return core::fail(ack.error());
  return {};
}

void RevocationFeed::start() {
  thread_ = std::thread([this] { run(); });
}

void RevocationFeed::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<store::Revocation> RevocationFeed::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<store::Revocation> out;
  out.reserve(seen_.size());
  for (const auto& [key, r] : seen_) out.push_back(r);
  return out;
}

void RevocationFeed::add(store::Revocation r) {
  std::lock_guard lock(mu_);
  Key key{static_cast<int>(r.kind), r.value, r.issuer};
  auto it = seen_.find(key);
  if (it != seen_.end()) {
    if (r.revoked_at > it->second.revoked_at) it->second = std::move(r);  // a later revocation covers more
    return;
  }
  if (seen_.size() >= kMaxSharedRevocations) return;  // the stream holds no more than this either
  seen_.emplace(std::move(key), std::move(r));
}

void RevocationFeed::run() {
  std::unique_ptr<nats::Subscription> sub;
  std::string last_error;
  while (!stopping_) {
    if (!sub) {
      auto made = nc_.connected() ? nc_.ensure_stream(revocation_stream(), 2s) : nats::Result<void>{};
      auto followed = made && nc_.connected() ? nc_.subscribe_ordered(std::string(kRevocationStream),
                                                                      std::string(kRevocationSubject))
                                              : nats::Result<std::unique_ptr<nats::Subscription>>(nullptr);
      const std::string why = !made ? made.error().message : !followed ? followed.error().message : "";
      if (made && followed && *followed) {
        sub = std::move(*followed);
        spdlog::info("revocations: following {} on NATS", kRevocationStream);
        last_error.clear();
      } else {
        if (!why.empty() && why != last_error) spdlog::warn("revocations: cannot follow {}: {}", kRevocationStream, why);
        last_error = why;
        std::this_thread::sleep_for(500ms);
      }
      continue;
    }
    auto next = sub->next(500ms);
    if (!next) {
      if (nc_.connected()) {  // disconnected, the ordered consumer resumes by itself
        spdlog::warn("revocations: {}; following again", next.error().message);
        sub.reset();
      } else {
        std::this_thread::sleep_for(200ms);
      }
      continue;
    }
    if (!*next) continue;
    auto r = decode_revocation((*next)->data());
    if (!r) {
      spdlog::warn("revocations: message {} of {} is not a revocation: ignored", (*next)->stream_sequence(),
                   kRevocationStream);
      continue;
    }
    add(std::move(*r));
  }
}

}  // namespace faasgate::app
