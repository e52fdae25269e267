#include "load.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>

namespace faasgate::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

double LoadResult::percentile(double p) const {
  if (latencies_us.empty()) return 0;
  auto v = latencies_us;
  auto k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

LoadResult run_load(const LoadSpec& spec) {
  asio::io_context io(1);
  LoadResult result;
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto measure_from = start + spec.warmup;
  const auto end = measure_from + spec.duration;
  std::uint64_t sequence = 0;

  auto worker = [&]() -> asio::awaitable<void> {
    beast::tcp_stream stream(io);
    auto [cec] = co_await stream.socket().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), spec.port),
                                                        asio::as_tuple(asio::use_awaitable));
    if (cec) {
      ++result.errors;
      co_return;
    }
    stream.socket().set_option(tcp::no_delay(true));
    beast::flat_buffer buffer;
    while (clock::now() < end) {
      http::request<http::string_body> req{http::string_to_verb(spec.method), spec.target, 11};
      req.set(http::field::host, "127.0.0.1");
      if (!spec.content_type.empty()) req.set(http::field::content_type, spec.content_type);
      if (spec.body) req.body() = spec.body(sequence++);
      req.prepare_payload();
      auto t0 = clock::now();
      auto [wec, wn] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
      http::response<http::string_body> res;
      auto [rec, rn] = co_await http::async_read(stream, buffer, res, asio::as_tuple(asio::use_awaitable));
      auto t1 = clock::now();
      if (wec || rec) {
        ++result.errors;
        co_return;
      }
      if (t0 < measure_from) continue;
      if (res.result_int() != spec.expected_status) ++result.errors;
      ++result.requests;
      if (result.latencies_us.size() < 200000)
        result.latencies_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      if (!res.keep_alive()) co_return;
    }
  };
  for (unsigned i = 0; i < spec.connections; ++i) asio::co_spawn(io, worker(), asio::detached);
  io.run();
  result.seconds = std::chrono::duration<double>(std::min(clock::now(), end) - measure_from).count();
  return result;
}

}  // namespace faasgate::bench
