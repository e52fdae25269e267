// The cheapest possible proxy, for the benchmarks: a TCP relay that pairs each client connection
// with one connection to 127.0.0.1:<upstream port> and copies bytes both ways. No HTTP parsing,
// no routing, no pooling - only the two extra sockets any proxy has. Measured next to the gateway,
// it shows what a proxy costs on this machine before it does anything (the kernel's work for the
// sockets and the wakeups), so the gateway's figures can be read against what is reachable here.
//
// It runs on the gateway's own server::EventLoops: one event loop per core, connections
// balanced when accepted.
// It prints "listening on http://127.0.0.1:PORT" as `faasgate serve` does.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "faasgate/server/event_loops.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Copies from `from` to `to` until either side ends, then closes both so the other direction ends too.
asio::awaitable<void> pump(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
  std::array<char, 16384> buffer;
  while (true) {
    auto [read_error, n] = co_await from->async_read_some(asio::buffer(buffer), use_tuple);
    if (read_error) break;
    auto [write_error, written] = co_await asio::async_write(*to, asio::buffer(buffer.data(), n), use_tuple);
    if (write_error) break;
  }
  boost::system::error_code ignored;
  from->close(ignored);
  to->close(ignored);
}

asio::awaitable<void> relay(tcp::socket accepted, unsigned short upstream_port) {
  auto client = std::make_shared<tcp::socket>(std::move(accepted));
  auto upstream = std::make_shared<tcp::socket>(client->get_executor());
  const tcp::endpoint target(asio::ip::make_address_v4("127.0.0.1"), upstream_port);
  auto [error] = co_await upstream->async_connect(target, use_tuple);
  if (error) co_return;
  client->set_option(tcp::no_delay(true));
  upstream->set_option(tcp::no_delay(true));
  auto executor = client->get_executor();
  asio::co_spawn(executor, pump(client, upstream), asio::detached);
  asio::co_spawn(executor, pump(upstream, client), asio::detached);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: faasgate-bench-relay UPSTREAM_PORT\n");
    return 2;
  }
  const auto upstream_port = static_cast<unsigned short>(std::atoi(argv[1]));
  faasgate::server::EventLoops loops(std::max(1u, std::thread::hardware_concurrency()));
  tcp::acceptor acceptor(loops.at(0), tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  std::printf("faasgate-bench-relay: listening on http://127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::co_spawn(
      loops.at(0),
      [&]() -> asio::awaitable<void> {
        while (true) {
          auto& loop = loops.next();
          auto [error, socket] = co_await acceptor.async_accept(loop, use_tuple);
          if (error) continue;
          asio::co_spawn(loop, relay(std::move(socket), upstream_port), asio::detached);
        }
      },
      asio::detached);
  loops.start();
  loops.join();  // until SIGTERM ends the process
}
