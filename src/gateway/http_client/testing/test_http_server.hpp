#pragma once
// Test-only: a tiny HTTP/1.1 (optionally TLS) server on 127.0.0.1 with an OS-chosen port, one
// thread per connection, canned responses from a handler. Only what the client tests need:
// GET, one request per connection, optional delay, optional missing Content-Length.
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <istream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace faasgate::http_client::testing {

// A self-signed P-256 certificate for 127.0.0.1 (SAN IP:127.0.0.1 only), generated per run.
struct TlsIdentity {
  std::string cert_pem;
  std::string key_pem;

  static TlsIdentity self_signed() {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
    if (!key || !cert) throw std::runtime_error("openssl: key or cert");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("faasgate test"), -1,
                               -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                              std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      if (!ext) throw std::runtime_error("openssl: extension");
      X509_add_ext(cert.get(), ext, -1);
      X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) throw std::runtime_error("openssl: sign");

    auto to_string = [](auto write) {
      std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
      write(bio.get());
      char* data = nullptr;
      long n = BIO_get_mem_data(bio.get(), &data);
      return std::string(data, static_cast<std::size_t>(n));
    };
    TlsIdentity id;
    id.cert_pem = to_string([&](BIO* b) { PEM_write_bio_X509(b, cert.get()); });
    id.key_pem = to_string([&](BIO* b) { PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
    return id;
  }
};

struct TestResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool content_length = true;             // false: no Content-Length, the body ends at close
  std::chrono::milliseconds delay{0};     // before anything is written
};

class TestHttpServer {
 public:
  using Handler = std::function<TestResponse(const std::string& path)>;

  explicit TestHttpServer(Handler handler, std::optional<TlsIdentity> tls = std::nullopt)
      : handler_(std::move(handler)), acceptor_(io_) {
    namespace asio = boost::asio;
    if (tls) {
      ssl_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      ssl_->use_certificate_chain(asio::buffer(tls->cert_pem));
      ssl_->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
    }
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~TestHttpServer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    // Wake the blocking accept() with a connection of our own.
    try {
      boost::asio::ip::tcp::socket s(io_);
      s.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
    } catch (...) {
    }
    accept_thread_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mu_);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
  }

  unsigned short port() const { return port_; }
  std::string base_url() const { return std::string(ssl_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_); }
  std::size_t requests() const { return requests_.load(); }
  std::vector<std::string> paths() const {
    std::lock_guard lock(mu_);
    return paths_;
  }

 private:
  void accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        if (ec) continue;
        workers_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
      }
    }
  }

  void serve(boost::asio::ip::tcp::socket socket) {
    boost::system::error_code ec;
    if (ssl_) {
      boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(std::move(socket), *ssl_);
      stream.handshake(boost::asio::ssl::stream_base::server, ec);
      if (ec) return;  // e.g. the client refused our certificate
      exchange(stream);
      stream.shutdown(ec);
    } else {
      exchange(socket);
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  template <class Stream>
  void exchange(Stream& stream) {
    boost::system::error_code ec;
    boost::asio::streambuf buf(64 * 1024);
    boost::asio::read_until(stream, buf, "\r\n\r\n", ec);
    if (ec) return;
    std::istream in(&buf);
    std::string method, path;
    in >> method >> path;
    ++requests_;
    {
      std::lock_guard lock(mu_);
      paths_.push_back(path);
    }
    TestResponse r = handler_(path);
    if (r.delay.count() > 0) {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, r.delay, [&] { return stopping_; })) return;
    }
    std::string head = "HTTP/1.1 " + std::to_string(r.status) + " X\r\n";
    for (const auto& [k, v] : r.headers) head += k + ": " + v + "\r\n";
    if (r.content_length) head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    head += "Connection: close\r\n\r\n";
    boost::asio::write(stream, boost::asio::buffer(head), ec);
    if (ec) return;
    // Written in pieces so that a client that gives up mid-body is noticed.
    for (std::size_t off = 0; off < r.body.size() && !ec; off += 16 * 1024)
      boost::asio::write(stream, boost::asio::buffer(r.body.data() + off, std::min<std::size_t>(16 * 1024, r.body.size() - off)), ec);
  }

  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::unique_ptr<boost::asio::ssl::context> ssl_;
  unsigned short port_ = 0;
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::vector<std::string> paths_;
  std::atomic<std::size_t> requests_{0};
};

}  // namespace faasgate::http_client::testing
