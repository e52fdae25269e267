#include "faasgate/server/message_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>

#include <array>

namespace faasgate::server {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

void append_version(std::string& out, unsigned version) {
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
}

template <bool isRequest>
void append_start_line(std::string& out, const StringMessage<isRequest>& message) {
  if constexpr (isRequest) {
    out += message.method_string();
    out += ' ';
    out += message.target();
    out += ' ';
    append_version(out, message.version());
  } else {
    append_version(out, message.version());
    const unsigned code = message.result_int();
    out += ' ';
    out += static_cast<char>('0' + code / 100 % 10);
    out += static_cast<char>('0' + code / 10 % 10);
    out += static_cast<char>('0' + code % 10);
    out += ' ';
    // As Beast: the reason set on the message, else the standard one for the code.
    const auto reason = message.reason();
    out += reason.empty() ? http::obsolete_reason(message.result()) : reason;
  }
  out += "\r\n";
}

}  // namespace

template <bool isRequest>
std::string serialize_header(const StringMessage<isRequest>& message) {
  std::size_t size = 64;
  for (const auto& field : message) size += field.name_string().size() + field.value().size() + 4;
  std::string out;
  out.reserve(size);
  append_start_line(out, message);
  for (const auto& field : message) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

template <bool isRequest>
asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write_message(asio::ip::tcp::socket& socket,
                                                                                   StringMessage<isRequest>& message,
                                                                                   bool with_body) {
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  if (message.chunked() && with_body) co_return co_await http::async_write(socket, message, use_tuple);
  const std::string header = serialize_header(message);
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(header),
                                                  with_body ? asio::buffer(message.body()) : asio::const_buffer()};
  co_return co_await asio::async_write(socket, buffers, use_tuple);
}

template std::string serialize_header<true>(const StringMessage<true>&);
template std::string serialize_header<false>(const StringMessage<false>&);
template asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write_message<true>(
    asio::ip::tcp::socket&, StringMessage<true>&, bool);
template asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write_message<false>(
    asio::ip::tcp::socket&, StringMessage<false>&, bool);

}  // namespace faasgate::server
