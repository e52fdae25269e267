#include "faasgate/sdk/error.hpp"

#include "faasgate/core/text.hpp"

namespace faasgate::sdk {

namespace {

// The reason phrases a person expects to read; any other status is shown as its number alone.
std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return {};
  }
}

ErrorKind kind_of_status(int status) noexcept {
  switch (status) {
    case 400: return ErrorKind::bad_request;
    case 401: return ErrorKind::unauthorized;
    case 403: return ErrorKind::forbidden;
    case 404: return ErrorKind::not_found;
    case 409: return ErrorKind::conflict;
    default: return ErrorKind::unexpected_status;
  }
}

}  // namespace

std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::transport: return "transport";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::cancelled: return "cancelled";
    case ErrorKind::token_source: return "token_source";
    case ErrorKind::exchange: return "exchange";
    case ErrorKind::bad_request: return "bad_request";
    case ErrorKind::unauthorized: return "unauthorized";
    case ErrorKind::forbidden: return "forbidden";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::conflict: return "conflict";
    case ErrorKind::unexpected_status: return "unexpected_status";
    case ErrorKind::bad_response: return "bad_response";
    case ErrorKind::too_large: return "too_large";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string line = message.empty() ? std::string(to_string(kind)) : message;
  // status_error() and exchange_token() already name these in the message; say them once.
  if (status != 0 && line.find(std::to_string(status)) == std::string::npos)
    line += " (HTTP " + std::to_string(status) + ")";
  if (!oauth_error.empty() && line.find(oauth_error) == std::string::npos) {
    line += " (" + oauth_error;
    if (!oauth_description.empty()) line += ": " + oauth_description;
    line += ")";
  }
  // One line: a body or a server's description may hold newlines or terminal escapes.
  return core::printable(line, 2000);
}

Error status_error(std::string_view what, int status, std::string_view body) {
  Error error;
  error.kind = kind_of_status(status);
  error.status = status;
  error.body = std::string(body.substr(0, Error::kMaxBody));
  error.message = std::string(what) + ": the gateway answered " + std::to_string(status);
  if (auto phrase = reason_phrase(status); !phrase.empty()) error.message += " " + std::string(phrase);
  // The upstream gateway answers errors in plain text, one line: that line says why.
  std::string_view first_line = body.substr(0, body.find_first_of("\r\n"));
  while (!first_line.empty() && first_line.back() == ' ') first_line.remove_suffix(1);
  if (!first_line.empty()) error.message += ": " + core::printable(first_line, 300);
  return error;
}

}  // namespace faasgate::sdk
