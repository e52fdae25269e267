#pragma once
// Every SDK call returns Result<T>: the value or a typed Error. No call throws for a network or
// HTTP failure; an Error says what failed in words and never holds a token or a secret's value.
#include <string>
#include <string_view>

#include "faasgate/core/result.hpp"

namespace faasgate::sdk {

enum class ErrorKind {
  transport,          // no answer: connection refused, name not resolved, reset, TLS
  timeout,            // no complete answer within the request's timeout
  cancelled,          // the caller stopped it (a log stream's stop_token)
  token_source,       // the TokenSource had no token (a missing file, an IdP refusing)
  exchange,           // the token endpoint refused the exchange (oauth_error says why)
  bad_request,        // 400 from the API
  unauthorized,       // 401
  forbidden,          // 403
  not_found,          // 404
  conflict,           // 409
  unexpected_status,  // any other answer the call does not expect
  bad_response,       // an answer whose body is not what the API documents
  too_large,          // an answer larger than the transport's limit
};

std::string_view to_string(ErrorKind kind) noexcept;

struct Error {
  ErrorKind kind = ErrorKind::transport;
  std::string message;            // what failed, for a person
  int status = 0;                 // the HTTP status, when there was an answer
  std::string body;               // the answer's body (at most kMaxBody bytes), when there was one
  std::string oauth_error;        // exchange: RFC 6749 §5.2 `error`
  std::string oauth_description;  // exchange: `error_description`

  static constexpr std::size_t kMaxBody = 4096;
  // "<message>" plus, when known, the status and the OAuth error: one line for a log or a CLI.
  std::string describe() const;
};

// An Error for an HTTP answer the call did not expect: 400/401/403/404/409 get their kinds,
// anything else is unexpected_status. `what` says what was asked ("deploy function f").
Error status_error(std::string_view what, int status, std::string_view body);

template <class T>
using Result = core::Expected<T, Error>;

}  // namespace faasgate::sdk
