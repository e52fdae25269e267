// /function/{name}[.{ns}][/path] and /async-function/...: invoking functions.
#include <boost/json/serialize.hpp>

#include "faasgate/core/unique_id.hpp"
#include "faasgate/queue/async_worker.hpp"
#include "faasgate/queue/callback.hpp"
#include "gateway_impl.hpp"


namespace faasgate::api {

namespace {

struct Target {
  std::string name;
  std::string namespace_;
  std::string path;  // the rest of the path, with a leading '/', percent-encoded as received
};

// The function's path is forwarded as the client sent it, still percent-encoded: decoded, "%20"
// would put a space and "%0D%0A" a line break into the request line written to the function
// (another header, or another request, of the caller's making), and "%2F" would be a new segment.
core::Expected<Target, std::string> target_of(const Call& call) {
  auto [name, ns] = model::split_function_name(call.params.at("name"));
  if (!model::valid_name(name) || !model::valid_name(ns)) {
    return core::fail(std::string("function names and namespaces must match [-a-zA-Z_0-9.]+"));
  }
  // encoded_path is "/function/<name>[/<rest>]" (or "/async-function/..."); from its second
  // '/' on, "/<name>[/<rest>]". (No second '/': the router's came from a decoded "%2F".)
  const auto name_start = call.encoded_path.find('/', 1);
  std::string_view rest = name_start == std::string_view::npos ? std::string_view() : call.encoded_path.substr(name_start);
  const auto name_end = rest.find('/', 1);
  if (rest.substr(0, name_end).find('%') != std::string_view::npos) {
    // Percent-encoding in the name segment: no valid name needs it, and decoded it could hold a
    // '/' that the router has already read as the end of the name.
    return core::fail(std::string("function names and namespaces must match [-a-zA-Z_0-9.]+"));
  }
  rest = name_end == std::string_view::npos ? std::string_view() : rest.substr(name_end);
  return Target{std::move(name), std::move(ns), rest.empty() ? std::string("/") : std::string(rest)};
}

}  // namespace

asio::awaitable<Reply> Gateway::invoke(Call& call) {
  auto target = target_of(call);
  if (!target) co_return error_reply(http::status::bad_request, target.error());
  invoke::Invocation invocation{target->name, target->namespace_, target->path, std::string(call.query),
                        core::unique_id(), std::move(call.request), call.info.remote.address().to_string()};
  auto executor = co_await asio::this_coro::executor;
  // Named values only: GCC 12 miscompiles temporaries built inside a co_await expression.
  auto response = co_await s_.invoker.invoke(executor, std::move(invocation));
  Reply reply{std::move(response), {}};
  co_return reply;
}

asio::awaitable<Reply> Gateway::invoke_async(Call& call) {
  auto target = target_of(call);
  if (!target) co_return error_reply(http::status::bad_request, target.error());
  // A remote back end may have to be asked: off the I/O threads.
  const bool exists = co_await blocking([&] { return s_.invoker.exists(target->namespace_, target->name); });
  if (!exists) {
    co_return error_reply(http::status::not_found, "function " + target->name + "." + target->namespace_ + " not found");
  }
  queue::AsyncCall queued;
  queued.id = core::unique_id();
  queued.function = target->name;
  queued.namespace_ = target->namespace_;
  queued.method = std::string(call.request.method_string());
  queued.path = target->path;
  queued.query = std::string(call.query);
  queued.callback_url = std::string(call.request["X-Callback-Url"]);
  if (!queued.callback_url.empty()) {
    static const http_client::AddressPolicy default_policy;
    const auto& policy = s_.async_workers ? s_.async_workers->callback_addresses() : default_policy;
    if (auto why = queue::refuse_callback_url(queued.callback_url, policy)) co_return error_reply(http::status::bad_request, *why);
  }
  for (const auto& field : call.request) {
    if (field.name() == http::field::authorization || field.name() == http::field::connection) continue;
    queued.headers.emplace_back(field.name_string(), field.value());
  }
  // The caller's address travels with the call, for an invoker that forwards it (as upstream's
  // gateway sets X-Forwarded-For only when the caller did not).
  if (call.request.count("X-Forwarded-For") == 0) queued.headers.emplace_back("X-Forwarded-For", call.info.remote.address().to_string());
  queued.body = std::move(call.request.body());
  queued.enqueued_at = s_.clock.now();
  static const queue::AsyncOptions default_async;
  const auto& async = s_.async_workers ? s_.async_workers->options() : default_async;
  const auto& limits = async.queue_limits;
  // A body no drained queue could take is refused for good (413), not "later" (429).
  if (const auto room = std::min(limits.max_bytes, limits.max_bytes_per_function); queued.body.size() > room) {
    co_return error_reply(http::status::payload_too_large,
                          "the body is larger than the async queue takes for one function (" + std::to_string(room) +
                              " bytes)");
  }
  // 202 only once the call is durable: a crash after this point does not lose it. The queue
  // checks the queue's limits in the same transaction as the insert.
  auto stored = co_await blocking([&] { return s_.queue.enqueue(queued, limits); });
  if (!stored && stored.error().code == queue::QueueErrc::full) {
    auto reply = error_reply(http::status::too_many_requests, "cannot queue the call: " + stored.error().message);
    reply.response.set(http::field::retry_after, std::to_string(async.queue_full_retry_after.count()));
    co_return reply;
  }
  // The queue's server (NATS) is away: not stored, so never a 202; the publish is bounded in time.
  if (!stored && stored.error().code == queue::QueueErrc::unavailable) {
    auto reply = error_reply(http::status::service_unavailable, "cannot queue the call: " + stored.error().message);
    reply.response.set(http::field::retry_after, std::to_string(async.queue_unavailable_retry_after.count()));
    co_return reply;
  }
  if (!stored && stored.error().code == queue::QueueErrc::too_large) {
    co_return error_reply(http::status::payload_too_large, "cannot queue the call: " + stored.error().message);
  }
  if (!stored) co_return error_reply(http::status::internal_server_error, "cannot queue the call: " + stored.error().message);
  if (s_.async_workers) s_.async_workers->wake();
  auto reply = status_only(http::status::accepted);
  reply.response.set("X-Call-Id", queued.id);
  co_return reply;
}

}  // namespace faasgate::api
