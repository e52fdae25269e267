#include "jetstream_codec.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "codec.hpp"
#include "faasgate/sqlite/stored_json.hpp"

namespace faasgate::queue::jetstream {

namespace json = boost::json;

namespace {

json::array pairs(const codec::Pairs& in) {
  json::array out;
  for (const auto& [k, v] : in) out.push_back(json::array{json::string(k), json::string(v)});
  return out;
}

std::optional<codec::Pairs> pairs(const json::value* v) {
  if (v == nullptr || !v->is_array()) return std::nullopt;
  codec::Pairs out;
  for (const auto& item : v->get_array()) {
    const auto* a = item.if_array();
    if (!a || a->size() != 2 || !(*a)[0].is_string() || !(*a)[1].is_string()) return std::nullopt;
    out.emplace_back(std::string((*a)[0].get_string()), std::string((*a)[1].get_string()));
  }
  return out;
}

}  // namespace

std::string encode(const Envelope& e) {
  const auto& c = e.call;
  const bool result = c.result_status.has_value();
  json::object meta;
  meta["v"] = 1;
  meta["id"] = c.id;
  meta["function"] = c.function;
  meta["namespace"] = c.namespace_;
  meta["method"] = c.method;
  meta["path"] = c.path;
  meta["query"] = c.query;
  meta["headers"] = pairs(c.headers);
  meta["callback_url"] = c.callback_url;
  meta["enqueued_at"] = core::to_unix(c.enqueued_at);
  meta["due_at"] = core::to_unix(e.due_at);
  meta["attempts"] = c.attempts;
  if (result) {
    meta["result_status"] = *c.result_status;
    meta["result_headers"] = pairs(c.result_headers);
  }
  meta["duration_seconds"] = c.duration_seconds;
  meta["body_bytes"] = c.body.size();
  meta["result_bytes"] = result ? c.result_body.size() : 0;
  std::string out = json::serialize(meta);
  out += '\n';
  out += c.body;
  if (result) out += c.result_body;
  return out;
}

std::optional<Envelope> decode(std::string_view message) {
  const auto newline = message.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  auto parsed = sqlite::parse_stored_json(message.substr(0, newline));
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const auto& m = parsed->get_object();
  auto text = [&](const char* key) -> std::optional<std::string> {
    const auto* v = m.if_contains(key);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
  };
  auto number = [&](const char* key) -> std::optional<std::int64_t> {
    const auto* v = m.if_contains(key);
    if (v && v->is_int64()) return v->get_int64();
    if (v && v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
      return static_cast<std::int64_t>(v->get_uint64());
    return std::nullopt;
  };
  if (number("v") != 1) return std::nullopt;
  Envelope e;
  auto& c = e.call;
  auto id = text("id"), function = text("function"), ns = text("namespace"), method = text("method"),
       path = text("path"), query = text("query"), callback = text("callback_url");
  auto enqueued = number("enqueued_at"), due = number("due_at"), attempts = number("attempts"),
       body_bytes = number("body_bytes"), result_bytes = number("result_bytes");
  auto headers = pairs(m.if_contains("headers"));
  if (!id || !function || !ns || !method || !path || !query || !callback || !enqueued || !due || !attempts ||
      !body_bytes || !result_bytes || !headers || *attempts < 0 || *attempts > UINT32_MAX || *body_bytes < 0 ||
      *result_bytes < 0) {
    return std::nullopt;
  }
  const auto rest = message.substr(newline + 1);
  if (static_cast<std::uint64_t>(*body_bytes) > rest.size() ||
      static_cast<std::uint64_t>(*result_bytes) != rest.size() - static_cast<std::uint64_t>(*body_bytes)) {
    return std::nullopt;
  }
  c.id = std::move(*id);
  c.function = std::move(*function);
  c.namespace_ = std::move(*ns);
  c.method = std::move(*method);
  c.path = std::move(*path);
  c.query = std::move(*query);
  c.headers = std::move(*headers);
  c.callback_url = std::move(*callback);
  c.enqueued_at = core::from_unix(*enqueued);
  e.due_at = core::from_unix(*due);
  c.attempts = static_cast<std::uint32_t>(*attempts);
  c.body = std::string(rest.substr(0, static_cast<std::size_t>(*body_bytes)));
  if (const auto* status = m.if_contains("result_status")) {
    auto result_headers = pairs(m.if_contains("result_headers"));
    if (!status->is_int64() || status->get_int64() < 0 || status->get_int64() > 999 || !result_headers) return std::nullopt;
    c.result_status = static_cast<std::uint32_t>(status->get_int64());
    c.result_headers = std::move(*result_headers);
    c.result_body = std::string(rest.substr(static_cast<std::size_t>(*body_bytes)));
  } else if (*result_bytes != 0) {
    return std::nullopt;
  }
  if (const auto* d = m.if_contains("duration_seconds"); d && d->is_number()) c.duration_seconds = d->to_number<double>();
  return e;
}

}  // namespace faasgate::queue::jetstream
