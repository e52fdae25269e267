// A minimal http-mode function for the benchmarks: answers every request on 127.0.0.1:$PORT with
// the request body (or "ok"), keep-alive, on one thread. It prints its port on stdout so that the
// benchmark can also call it directly, bypassing the gateway. With $work_us set it first spends
// that many microseconds of CPU per request, standing in for a function that does some work.
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::chrono::microseconds work_per_request{0};

// Busy CPU work, not a sleep: the function's core is taken for the whole time.
void work() {
  if (work_per_request.count() <= 0) return;
  const auto until = std::chrono::steady_clock::now() + work_per_request;
  volatile std::uint64_t x = 0;
  while (std::chrono::steady_clock::now() < until)
    for (int i = 0; i < 64; ++i) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
}

asio::awaitable<void> serve(tcp::socket socket) {
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  while (true) {
    http::request<http::string_body> req;
    auto [rec, rn] = co_await http::async_read(stream, buffer, req, use_tuple);
    if (rec) co_return;
    work();
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain");
    res.body() = req.body().empty() ? std::string("ok") : std::move(req.body());
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
    if (wec || !res.keep_alive()) co_return;
  }
}

int main() {
  const char* port = std::getenv("PORT");
  if (const char* w = std::getenv("work_us")) work_per_request = std::chrono::microseconds(std::atoi(w));
  asio::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                           static_cast<unsigned short>(port ? std::atoi(port) : 0)));
  std::printf("listening on %u pid %d\n", acceptor.local_endpoint().port(), static_cast<int>(getpid()));
  std::fflush(stdout);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        while (true) {
          auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
          if (ec) continue;
          socket.set_option(tcp::no_delay(true));
          asio::co_spawn(io, serve(std::move(socket)), asio::detached);
        }
      },
      asio::detached);
  io.run();
}
