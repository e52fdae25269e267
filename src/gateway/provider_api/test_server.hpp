#pragma once
// Test-only: a provider on 127.0.0.1 that takes one connection at a time on a thread of its own,
// reads a request (header and Content-Length body) and runs a script that writes raw bytes.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace faasgate::provider_api::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class ScriptedProvider {
 public:
  using Script = std::function<void(tcp::socket&, const std::string& request)>;

  explicit ScriptedProvider(Script script, int connections = 1)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, script = std::move(script), connections] {
      for (int i = 0; i < connections; ++i) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec) return;
        asio::streambuf buffer;
        auto n = asio::read_until(socket, buffer, "\r\n\r\n", ec);
        if (ec) continue;
        std::string request(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + n);
        buffer.consume(n);
        const auto at = request.find("Content-Length: ");
        if (at != std::string::npos) {
          const std::size_t length = std::stoul(request.substr(at + 16));
          if (buffer.size() < length) asio::read(socket, buffer, asio::transfer_exactly(length - buffer.size()), ec);
          request += std::string(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + length);
        }
        {
          std::lock_guard lock(mu_);
          requests_.push_back(request);
        }
        script(socket, request);
      }
    });
  }
  ~ScriptedProvider() {
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes an accept still waiting
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    thread_.join();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

  static void write(tcp::socket& socket, std::string_view text) {
    boost::system::error_code ignored;
    asio::write(socket, asio::buffer(text.data(), text.size()), ignored);
  }
  static std::string chunk(std::string_view data) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return std::string(size) + std::string(data) + "\r\n";
  }
  // Blocks until the peer closes the connection (or 10 s pass); true when it did.
  static bool wait_for_close(tcp::socket& socket) {
    ::timeval tv{10, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    for (;;) {
      auto n = ::recv(socket.native_handle(), &c, 1, 0);
      if (n == 0) return true;
      if (n < 0) return false;
    }
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
};

}  // namespace faasgate::provider_api::testing
