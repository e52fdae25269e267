#pragma once
// Writing an HTTP/1.1 message with a string body: its header serialized into one string, then
// header and body in one gathered write.
//
// Why not http::async_write alone: Beast's serializer hands the header to the socket as a chain
// of nested buffer views (buffers_cat_view in buffers_prefix_view in buffers_suffix), and walking
// it costs about 8,000 instructions per message - a quarter of the gateway's user time on a
// proxied call, which writes two messages (callgrind, see bench/). The bytes are Beast's own: the
// start line and every field line as Beast writes them, which the tests check against Beast's
// serializer. A chunked message is still written by Beast, which knows how to encode it.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <string>
#include <tuple>

namespace faasgate::server {

template <bool isRequest>
using StringMessage = boost::beast::http::message<isRequest, boost::beast::http::string_body>;

// The start line, the fields and the empty line that ends the header.
template <bool isRequest>
std::string serialize_header(const StringMessage<isRequest>& message);

// Writes the message as it is (call prepare_payload first, as for http::async_write), or only
// its header (an answer to HEAD); returns the error and the bytes written, as http::async_write.
template <bool isRequest>
boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write_message(
    boost::asio::ip::tcp::socket& socket, StringMessage<isRequest>& message, bool with_body = true);

}  // namespace faasgate::server
