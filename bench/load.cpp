#include "load.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

namespace faasgate::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

double LoadResult::percentile(double p) const {
  if (latencies_us.empty()) return 0;
  auto v = latencies_us;
  auto k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

CpuTime process_cpu_time(pid_t pid) {
  // /proc/<pid>/stat: "pid (comm) state ..." - comm may hold spaces, so fields are counted from
  // the last ')'; utime and stime are fields 14 and 15, in clock ticks.
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::strtod(field.c_str(), nullptr);
    if (i == 15) stime = std::strtod(field.c_str(), nullptr);
  }
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  return {utime / tick, stime / tick};
}

CpuTime this_thread_cpu_time() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

namespace {

// The request bytes, serialised once per distinct body: the client's own cost per request is a
// write and a read, so that the figures measure the server, not the load generator.
std::string serialise(const LoadSpec& spec, const std::string& body) {
  std::string out = spec.method + " " + spec.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!spec.content_type.empty()) out += "Content-Type: " + spec.content_type + "\r\n";
  for (const auto& [k, v] : spec.extra_headers) out += k + ": " + v + "\r\n";
  if (!body.empty() || spec.method == "POST" || spec.method == "PUT")
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n" + body;
  return out;
}

// Reads one response from `buffer` (filling it from the socket as needed). Returns its status,
// or 0 on a transport error. Only Content-Length framing is supported (what the servers under
// test send for these requests).
asio::awaitable<unsigned> read_response(tcp::socket& socket, std::string& buffer) {
  auto fill = [&]() -> asio::awaitable<bool> {
    char chunk[16384];
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return false;
    buffer.append(chunk, n);
    co_return true;
  };
  std::size_t header_end;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos)
    if (!co_await fill()) co_return 0;
  if (buffer.size() < 12) co_return 0;
  unsigned status = static_cast<unsigned>(std::atoi(buffer.c_str() + 9));
  std::size_t length = 0;
  for (auto key : {"Content-Length: ", "content-length: "}) {
    auto at = buffer.find(key);
    if (at != std::string::npos && at < header_end) length = std::strtoul(buffer.c_str() + at + 16, nullptr, 10);
  }
  const std::size_t total = header_end + 4 + length;
  while (buffer.size() < total)
    if (!co_await fill()) co_return 0;
  buffer.erase(0, total);
  co_return status;
}

}  // namespace

LoadResult run_load(const LoadSpec& spec) {
  asio::io_context io(1);
  LoadResult result;
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto measure_from = start + spec.warmup;
  const auto end = measure_from + spec.duration;
  std::uint64_t sequence = 0;
  const std::string fixed = spec.body ? std::string() : serialise(spec, "");
  // CPU is read when the first request of the window starts and after the last one ends.
  bool window_open = false;
  std::vector<CpuTime> observed_from;
  CpuTime client_from;
  auto open_window = [&] {
    if (window_open) return;
    window_open = true;
    for (pid_t pid : spec.observe) observed_from.push_back(process_cpu_time(pid));
    client_from = this_thread_cpu_time();
  };

  auto worker = [&]() -> asio::awaitable<void> {
    tcp::socket socket(io);
    auto [cec] = co_await socket.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), spec.port),
                                               asio::as_tuple(asio::use_awaitable));
    if (cec) {
      ++result.errors;
      co_return;
    }
    socket.set_option(tcp::no_delay(true));
    std::string buffer;
    std::string request = spec.body ? serialise(spec, spec.body(sequence++)) : fixed;
    while (clock::now() < end) {
      auto t0 = clock::now();
      auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(request), asio::as_tuple(asio::use_awaitable));
      unsigned status = wec ? 0 : co_await read_response(socket, buffer);
      auto t1 = clock::now();
      if (status == 0) {
        ++result.errors;
        co_return;
      }
      if (t0 < measure_from) continue;
      open_window();
      if (status != spec.expected_status) ++result.errors;
      ++result.requests;
      if (result.latencies_us.size() < 200000)
        result.latencies_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  };
  for (unsigned i = 0; i < spec.connections; ++i) asio::co_spawn(io, worker(), asio::detached);
  io.run();
  if (window_open) {
    auto minus = [](CpuTime a, CpuTime b) { return CpuTime{a.user - b.user, a.system - b.system}; };
    for (std::size_t i = 0; i < spec.observe.size(); ++i)
      result.observed_cpu.push_back(minus(process_cpu_time(spec.observe[i]), observed_from[i]));
    result.client_cpu = minus(this_thread_cpu_time(), client_from);
  }
  result.seconds = std::chrono::duration<double>(std::min(clock::now(), end) - measure_from).count();
  return result;
}

HttpAnswer http_call(unsigned short port, const std::string& method, const std::string& target, const std::string& body,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  asio::io_context io(1);
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  asio::write(socket, asio::buffer(request));
  std::string response;
  boost::system::error_code ec;
  char chunk[16384];
  while (true) {
    auto n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    response.append(chunk, n);
  }
  HttpAnswer answer;
  if (response.size() > 12) answer.status = static_cast<unsigned>(std::atoi(response.c_str() + 9));
  auto header_end = response.find("\r\n\r\n");
  if (header_end != std::string::npos) answer.body = response.substr(header_end + 4);
  return answer;
}

LoadResult& LoadResult::operator+=(const LoadResult& other) {
  requests += other.requests;
  errors += other.errors;
  seconds += other.seconds;
  latencies_us.insert(latencies_us.end(), other.latencies_us.begin(), other.latencies_us.end());
  if (observed_cpu.size() < other.observed_cpu.size()) observed_cpu.resize(other.observed_cpu.size());
  for (std::size_t i = 0; i < other.observed_cpu.size(); ++i) {
    observed_cpu[i].user += other.observed_cpu[i].user;
    observed_cpu[i].system += other.observed_cpu[i].system;
  }
  client_cpu.user += other.client_cpu.user;
  client_cpu.system += other.client_cpu.system;
  return *this;
}

std::vector<LoadResult> run_interleaved(const std::vector<LoadSpec>& specs, unsigned rounds,
                                        std::vector<std::vector<LoadResult>>* per_round) {
  std::vector<LoadResult> total(specs.size());
  for (unsigned round = 0; round < rounds; ++round) {
    std::vector<LoadResult> this_round;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      this_round.push_back(run_load(specs[i]));
      total[i] += this_round.back();
    }
    if (per_round) per_round->push_back(std::move(this_round));
  }
  return total;
}

}  // namespace faasgate::bench
