#include "log_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <deque>

#include "errors.hpp"
#include "faasgate/core/json.hpp"
#include "faasgate/core/rfc3339.hpp"
#include "faasgate/server/deadline.hpp"

namespace faasgate::provider_api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxQueuedBytes = 1 << 20;  // lines read, not yet taken by next()
constexpr std::size_t kMaxBatch = 512;

struct Stream {
  explicit Stream(const asio::any_io_executor& executor)
      : socket(executor), deadline(socket), wake(executor), space(executor) {}
  tcp::socket socket;
  server::Deadline deadline;
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  asio::steady_timer wake;   // the reader tells next() that lines came, or the end
  asio::steady_timer space;  // next() tells the reader that it took lines
  provider::LogQuery query;
  std::size_t max_line = 0;
  std::deque<provider::LogLine> lines;
  std::size_t queued_bytes = 0;
  std::string partial;  // the line being read
  bool skipping = false;  // the rest of a line that was too long
  bool ended = false;
  bool closed = false;
  std::size_t skipped = 0;

  void take_line(std::string_view line) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    auto parsed = parse_log_line(line, query);
    if (!parsed) {
      ++skipped;
      return;
    }
    queued_bytes += parsed->text.size() + 64;
    lines.push_back(std::move(*parsed));
  }

  void feed(std::string_view data) {
    while (!data.empty()) {
      const auto newline = data.find('\n');
      const auto piece = data.substr(0, newline);
      if (!skipping) {
        if (partial.size() + piece.size() > max_line) {
          skipping = true;
          partial.clear();
          ++skipped;
        } else {
          partial.append(piece);
        }
      }
      if (newline == std::string_view::npos) return;
      if (!skipping) take_line(partial);
      partial.clear();
      skipping = false;
      data.remove_prefix(newline + 1);
    }
  }

  void close() {
    closed = true;
    beast::error_code ignored;
    socket.close(ignored);
    wake.cancel();
    space.cancel();
  }
};

asio::awaitable<void> read_lines(std::shared_ptr<Stream> s) {
  char chunk[16 * 1024];
  while (!s->closed) {
    while (s->queued_bytes > kMaxQueuedBytes && !s->closed) {
      s->space.expires_at(asio::steady_timer::time_point::max());
      co_await s->space.async_wait(use_tuple);
    }
    if (s->closed) break;
    auto& body = s->parser.get().body();
    body.data = chunk;
    body.size = sizeof chunk;
    auto [ec, n] = co_await http::async_read_some(s->socket, s->buffer, s->parser, use_tuple);
    const std::size_t got = sizeof chunk - s->parser.get().body().size;
    if (got > 0) {
      s->feed(std::string_view(chunk, got));
      s->wake.cancel();
    }
    if (ec == http::error::need_buffer) ec = {};
    if (ec || s->parser.is_done()) break;
  }
  if (!s->skipping && !s->partial.empty()) s->take_line(s->partial);  // a last line without '\n'
  s->partial.clear();
  s->ended = true;
  s->wake.cancel();
  if (s->skipped > 0)
    spdlog::warn("logs of {}.{} from the provider: {} lines skipped (too long, or not a log line)", s->query.name,
                 s->query.namespace_, s->skipped);
}

class RemoteLogFeed final : public platform::LogFeed {
 public:
  explicit RemoteLogFeed(std::shared_ptr<Stream> stream) : s_(std::move(stream)) {}
  ~RemoteLogFeed() override {
    // The client is gone: the connection closes, on the stream's own loop.
    asio::post(s_->socket.get_executor(), [s = s_] { s->close(); });
  }

  asio::awaitable<std::optional<std::vector<provider::LogLine>>> next(std::chrono::milliseconds wait) override {
    if (s_->lines.empty() && !s_->ended) {
      s_->wake.expires_after(wait);
      co_await s_->wake.async_wait(use_tuple);
    }
    if (s_->lines.empty()) {
      if (s_->ended) co_return std::nullopt;
      co_return std::vector<provider::LogLine>{};
    }
    std::vector<provider::LogLine> out;
    while (!s_->lines.empty() && out.size() < kMaxBatch) {
      s_->queued_bytes -= std::min(s_->queued_bytes, s_->lines.front().text.size() + 64);
      out.push_back(std::move(s_->lines.front()));
      s_->lines.pop_front();
    }
    s_->space.cancel();
    co_return out;
  }

 private:
  std::shared_ptr<Stream> s_;
};

}  // namespace

std::optional<provider::LogLine> parse_log_line(std::string_view line, const provider::LogQuery& query) {
  auto parsed = core::parse_json_strict(line, {line.size() + 1, 4});
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const auto& o = parsed->as_object();
  auto text = [&](std::string_view key) -> std::optional<std::string> {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::string();
    if (!v->is_string()) return std::nullopt;
    return std::string(v->as_string());
  };
  auto name = text("name"), ns = text("namespace"), instance = text("instance"), stamp = text("timestamp"),
       message = text("text");
  if (!name || !ns || !instance || !stamp || !message) return std::nullopt;
  // A line of another function than the one asked for is not this caller's to read.
  if ((!name->empty() && *name != query.name) || (!ns->empty() && *ns != query.namespace_)) return std::nullopt;
  provider::LogLine out;
  out.name = query.name;
  out.namespace_ = query.namespace_;
  out.instance = std::move(*instance);
  if (!stamp->empty()) {
    auto when = core::parse_rfc3339_nanos(*stamp);
    if (!when) return std::nullopt;
    out.timestamp = std::chrono::time_point_cast<std::chrono::system_clock::duration>(*when);
  }
  out.text = std::move(*message);
  while (!out.text.empty() && (out.text.back() == '\n' || out.text.back() == '\r')) out.text.pop_back();
  return out;
}

asio::awaitable<platform::Result<std::unique_ptr<platform::LogFeed>>> open_log_stream(
    asio::any_io_executor executor, const ProviderConfig& config, const core::Secret& authorization,
    std::string target, provider::LogQuery query, bool follow) {
  auto s = std::make_shared<Stream>(executor);
  s->query = std::move(query);
  s->max_line = config.max_log_line_bytes;

  s->deadline.expires_after(config.connect_timeout);
  auto [cec] = co_await s->socket.async_connect(config.endpoint, use_tuple);
  if (cec) {
    co_return core::fail(unreachable(config, s->deadline.expired() ? "cannot connect in time" : "cannot connect"));
  }
  s->deadline.expires_after(config.system_timeout);
  http::request<http::empty_body> request{http::verb::get, config.address.prefix + target, 11};
  request.set(http::field::host, config.address.display);
  request.set(http::field::authorization, authorization.reveal());
  request.set(http::field::accept, "application/x-ndjson");
  request.set(http::field::user_agent, "faasgate");
  auto [wec, wn] = co_await http::async_write(s->socket, request, use_tuple);
  if (wec) co_return core::fail(unreachable(config, "the connection failed"));
  s->parser.body_limit(boost::none);  // a followed stream has no end; lines are bounded instead
  s->parser.header_limit(16 * 1024);
  auto [hec, hn] = co_await http::async_read_header(s->socket, s->buffer, s->parser, use_tuple);
  if (hec) co_return core::fail(unreachable(config, s->deadline.expired() ? "no answer in time" : "the connection failed"));

  const unsigned status = s->parser.get().result_int();
  if (status != 200) {
    // The provider's error body, bounded, then its status and text as the other calls pass them.
    std::string body;
    char chunk[1024];
    while (!s->parser.is_done() && body.size() < config.max_error_bytes) {
      s->parser.get().body().data = chunk;
      s->parser.get().body().size = sizeof chunk;
      auto [ec, n] = co_await http::async_read_some(s->socket, s->buffer, s->parser, use_tuple);
      body.append(chunk, sizeof chunk - s->parser.get().body().size);
      if (ec && ec != http::error::need_buffer) break;
    }
    s->close();
    co_return core::fail(provider_error(config, status, body));
  }
  if (follow) s->deadline.expires_never();
  asio::co_spawn(executor, read_lines(s), asio::detached);
  co_return std::unique_ptr<platform::LogFeed>(std::make_unique<RemoteLogFeed>(s));
}

}  // namespace faasgate::provider_api
