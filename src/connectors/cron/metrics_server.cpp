#include "faasgate/cron_connector/metrics_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <thread>

namespace faasgate::cron_connector {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t kMaxConnections = 16;
constexpr std::uint32_t kMaxHeaderBytes = 8 * 1024;
constexpr auto kDeadline = std::chrono::seconds(5);
}  // namespace

struct MetricsServer::Impl {
  // Declared before the io_context: sessions still pending when it is destroyed count down here.
  std::atomic<std::size_t> connections{0};
  std::function<std::string()> render;
  std::string url;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;

  struct Session : std::enable_shared_from_this<Session> {
    Session(Impl& server, tcp::socket socket) : server(server), stream(std::move(socket)) {}
    ~Session() { --server.connections; }
    Impl& server;
    beast::tcp_stream stream;
    beast::flat_buffer buffer{kMaxHeaderBytes};
    http::request_parser<http::empty_body> parser;
    http::response<http::string_body> response;

    void start() {
      parser.header_limit(kMaxHeaderBytes);
      parser.body_limit(0);
      stream.expires_after(kDeadline);
      http::async_read(stream, buffer, parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return;
        self->answer();
      });
    }

    void answer() {
      const auto& req = parser.get();
      response.version(req.version());
      response.keep_alive(false);
      if (req.target() == "/metrics" && req.method() == http::verb::get) {
        response.result(http::status::ok);
        response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = server.render();
      } else {
        response.result(http::status::not_found);
        response.set(http::field::content_type, "text/plain; charset=utf-8");
        response.body() = "not found: only /metrics is served here\n";
      }
      response.prepare_payload();
      http::async_write(stream, response, [self = shared_from_this()](beast::error_code, std::size_t) {
        beast::error_code ignored;
        self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      });
    }
  };

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        if (connections.load() >= kMaxConnections) {
          beast::error_code ignored;
          socket.close(ignored);
        } else {
          ++connections;
          std::make_shared<Session>(*this, std::move(socket))->start();
        }
      }
      accept();
    });
  }
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

core::Expected<std::unique_ptr<MetricsServer>, std::string> MetricsServer::start(std::string_view listen,
                                                                                std::function<std::string()> render) {
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos) return core::fail("\"" + std::string(listen) + "\" is not HOST:PORT");
  std::string host(listen.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto port_text = listen.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5) return core::fail("\"" + std::string(listen) + "\" has no valid port");
  for (char c : port_text) {
    if (c < '0' || c > '9') return core::fail("\"" + std::string(listen) + "\" has no valid port");
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) return core::fail("\"" + std::string(listen) + "\" has no valid port");
  if (host == "localhost") host = "127.0.0.1";
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return core::fail("\"" + host + "\" is not an IP address");

  auto impl = std::make_unique<Impl>();
  impl->render = std::move(render);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return core::fail("cannot listen on " + std::string(listen) + ": " + ec.message());
  const auto bound = impl->acceptor.local_endpoint();
  const auto shown = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
  impl->url = "http://" + shown + ":" + std::to_string(bound.port()) + "/metrics";
  impl->accept();
  auto* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::~MetricsServer() {
  if (!impl_) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->io.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

const std::string& MetricsServer::url() const noexcept { return impl_->url; }

}  // namespace faasgate::cron_connector
