#pragma once
// Shared by the files that implement Gateway's handlers; not part of the API.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>

#include "faasgate/api/gateway.hpp"
#include "faasgate/core/form.hpp"
#include "responses.hpp"

namespace faasgate::api {

template <class F>
asio::awaitable<std::invoke_result_t<F>> Gateway::blocking(F f) {
  std::optional<std::invoke_result_t<F>> out;
  co_await asio::co_spawn(
      s_.blocking, [&]() -> asio::awaitable<void> { out.emplace(f()); co_return; }, asio::use_awaitable);
  co_return std::move(*out);
}

// A domain error as an HTTP answer: the one place platform errors become statuses.
inline Reply platform_error(const platform::Error& e) {
  // A remote back end's answer passes through as upstream's gateway passes it.
  if (e.status >= 400 && e.status <= 599) return error_reply(static_cast<http::status>(e.status), e.message);
  switch (e.code) {
    case platform::Errc::not_found: return error_reply(http::status::not_found, e.message);
    case platform::Errc::already_exists: return error_reply(http::status::conflict, e.message);
    case platform::Errc::invalid: return error_reply(http::status::bad_request, e.message);
    case platform::Errc::conflict: return error_reply(http::status::conflict, e.message);
    case platform::Errc::unavailable: return error_reply(http::status::bad_gateway, e.message);
    case platform::Errc::internal: break;
  }
  return error_reply(http::status::internal_server_error, "internal error: " + e.message);
}

inline Reply status_only(http::status status) {
  Response res{status, 11};
  return {std::move(res), {}};
}


}  // namespace faasgate::api
