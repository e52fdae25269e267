#pragma once
// What every invoker that forwards a call over HTTP does to the messages it passes on.
#include <boost/beast/http/rfc7230.hpp>
#include <boost/range/iterator_range_core.hpp>

#include <string>
#include <vector>

#include "faasgate/server/http_server.hpp"

namespace faasgate::invoke {

// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded: the fixed ones, Proxy-Connection (the
// old name some clients still send) and any the Connection field names. Content-Length is
// forwarded, and then set again from the body (prepare_payload), except in the answer to a HEAD,
// which has no body.
inline bool hop_by_hop(server::http::field f) {
  using server::http::field;
  switch (f) {
    case field::connection:
    case field::keep_alive:
    case field::proxy_authenticate:
    case field::proxy_authorization:
    case field::proxy_connection:
    case field::te:
    case field::trailer:
    case field::transfer_encoding:
    case field::upgrade:
      return true;
    default:
      return false;
  }
}

template <bool isRequest>
void drop_hop_by_hop(server::http::message<isRequest, server::http::string_body>& message) {
  // The names listed in Connection ("close" and "keep-alive" among them, harmlessly).
  std::vector<std::string> named;
  for (const auto& connection : boost::make_iterator_range(message.equal_range(server::http::field::connection))) {
    for (const auto& token : server::http::token_list(connection.value())) named.emplace_back(token);
  }
  for (const auto& name : named) message.erase(name);
  for (auto it = message.begin(); it != message.end();) it = hop_by_hop(it->name()) ? message.erase(it) : std::next(it);
}

}  // namespace faasgate::invoke
