// The hand-serialized header against Beast's own serializer, byte for byte, and write_message over
// a loopback connection read back by Beast's parser.
#include "faasgate/server/message_writer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <future>
#include <sstream>

namespace faasgate::server {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// What Beast's serializer writes for the message: header, then body.
template <bool isRequest>
std::string beast_bytes(const StringMessage<isRequest>& message) {
  std::ostringstream out;
  out << message;
  return out.str();
}

template <bool isRequest>
std::string our_bytes(const StringMessage<isRequest>& message) {
  return serialize_header(message) + message.body();
}

TEST(MessageWriter, RequestsAreWrittenAsBeastWritesThem) {
  StringMessage<true> plain{http::verb::post, "/function/echo?x=1&y=%20", 11};
  plain.set(http::field::host, "127.0.0.1:8080");
  plain.set(http::field::content_type, "text/plain");
  plain.insert("X-Tag", "a");
  plain.insert("X-Tag", "b");
  plain.insert("x-lower-case", "");
  plain.body() = "hello";
  plain.prepare_payload();
  EXPECT_EQ(our_bytes(plain), beast_bytes(plain));

  StringMessage<true> custom{http::verb::unknown, "/", 10};
  custom.method_string("PURGE");
  custom.keep_alive(true);
  EXPECT_EQ(custom.method_string(), "PURGE");
  EXPECT_EQ(our_bytes(custom), beast_bytes(custom));

  StringMessage<true> empty{http::verb::get, "*", 11};
  EXPECT_EQ(our_bytes(empty), "GET * HTTP/1.1\r\n\r\n");
  EXPECT_EQ(our_bytes(empty), beast_bytes(empty));
}

TEST(MessageWriter, ResponsesAreWrittenAsBeastWritesThem) {
  StringMessage<false> ok{http::status::ok, 11};
  ok.set(http::field::content_type, "application/json");
  ok.insert(http::field::set_cookie, "a=1");
  ok.insert(http::field::set_cookie, "b=2");
  ok.set("X-Call-Id", "0b6c7f2e");
  ok.body() = R"({"ok":true})";
  ok.prepare_payload();
  EXPECT_EQ(our_bytes(ok), beast_bytes(ok));

  StringMessage<false> reason{http::status::not_found, 10};
  reason.reason("Nothing Here");
  reason.prepare_payload();
  EXPECT_EQ(our_bytes(reason), beast_bytes(reason));
  EXPECT_TRUE(our_bytes(reason).starts_with("HTTP/1.0 404 Nothing Here\r\n"));

  for (unsigned code : {100u, 204u, 299u, 429u, 599u}) {
    StringMessage<false> any{static_cast<http::status>(code), 11};
    any.result(code);
    any.prepare_payload();
    EXPECT_EQ(our_bytes(any), beast_bytes(any)) << code;
  }
}

// A connected pair of loopback sockets: one written with write_message, the other read with
// Beast's parser on a thread of its own (a large body does not fit in the socket buffers).
struct SocketPair {
  asio::io_context io;
  tcp::socket writer{io}, reader{io};
  SocketPair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
  }
  // Writes the message and returns the bytes written and the message Beast read.
  template <bool isRequest>
  std::pair<std::size_t, StringMessage<isRequest>> send(StringMessage<isRequest>& message) {
    auto received = std::async(std::launch::async, [this] {
      boost::beast::flat_buffer buffer;
      http::parser<isRequest, http::string_body> parser;
      parser.body_limit(1024 * 1024);
      http::read(reader, buffer, parser);
      return parser.release();
    });
    auto written = asio::co_spawn(io, write_message(writer, message), asio::use_future);
    io.run();
    auto [ec, n] = written.get();
    EXPECT_FALSE(ec) << ec.message();
    writer.shutdown(tcp::socket::shutdown_send);
    return {n, received.get()};
  }
};

TEST(MessageWriter, WritesHeaderAndBodyThatBeastReadsBack) {
  SocketPair pair;
  StringMessage<true> request{http::verb::put, "/system/functions", 11};
  request.set(http::field::content_type, "application/json");
  request.body() = std::string(300 * 1024, 'x');  // more than one socket buffer's worth
  request.prepare_payload();
  const auto expected = beast_bytes(request);
  auto [written, got] = pair.send(request);
  EXPECT_EQ(written, expected.size());
  EXPECT_EQ(got.method(), http::verb::put);
  EXPECT_EQ(got.target(), "/system/functions");
  EXPECT_EQ(got[http::field::content_type], "application/json");
  EXPECT_EQ(got.body(), request.body());
}

TEST(MessageWriter, AChunkedMessageIsStillChunkEncoded) {
  SocketPair pair;
  StringMessage<false> response{http::status::ok, 11};
  response.chunked(true);
  response.body() = "hello, chunks";
  auto got = pair.send(response).second;
  EXPECT_TRUE(got.chunked());
  EXPECT_EQ(got.body(), "hello, chunks");
}

}  // namespace
}  // namespace faasgate::server
