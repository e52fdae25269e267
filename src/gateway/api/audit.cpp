#include "faasgate/api/audit.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "faasgate/core/openssl.hpp"
#include "faasgate/queue/callback.hpp"

namespace faasgate::api {

std::string to_json_line(const AuditEvent& e) {
  auto t = std::chrono::system_clock::to_time_t(e.time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  boost::json::object o{{"time", when},        {"actor", e.actor},       {"issuer", e.issuer},
                        {"method", e.method},  {"path", e.path},         {"action", e.action},
                        {"resource", e.resource}, {"decision", e.allowed ? "allow" : "deny"},
                        {"policy", e.policy},  {"sid", e.sid},           {"status", e.status}};
  return boost::json::serialize(o) + "\n";
}

std::string sign_webhook_body(const core::Secret& secret, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.reveal().data(), secret.size(),
                 reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, sizeof mac, &len)) {
    throw std::runtime_error("HMAC-SHA256 failed: " + core::openssl_error());
  }
  return "sha256=" + core::hex(std::span<const std::uint8_t>(mac, len));
}

AuditLog::AuditLog(AuditOptions options, http_client::HttpClient& http) : options_(std::move(options)), http_(http) {
  if (!options_.file.empty() && options_.file != "-") {
    // 0600 from the first byte, whatever the umask lets through.
    fd_ = ::open(options_.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error("cannot open the audit log " + options_.file + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      const int e = errno;
      ::close(fd_);
      throw std::runtime_error("cannot stat the audit log " + options_.file + ": " + std::strerror(e));
    }
    // Tightened rather than refused: the file a previous version created 0644 is the common
    // case, and refusing would stop the gateway at its first start after the upgrade. Only a
    // regular file: a FIFO or a character device (a log shipper's pipe, /dev/stderr) is the
    // operator's plumbing and is not ours to chmod.
    if (S_ISREG(st.st_mode) && (st.st_mode & 0077) != 0 && ::fchmod(fd_, st.st_mode & 0700) != 0) {
      const int e = errno;
      ::close(fd_);
      throw std::runtime_error("the audit log " + options_.file + " is readable by others and cannot be made private (" +
                               std::strerror(e) + "): chmod 600 it");
    }
  }
  file_enabled_ = !options_.file.empty();
  if (!options_.webhook_url.empty()) sender_ = std::thread([this] { deliver(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (sender_.joinable()) sender_.join();
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::record(const AuditEvent& event) {
  if (!enabled()) return;
  const auto line = to_json_line(event);
  if (file_enabled_) {
    std::lock_guard lock(file_mu_);
    if (options_.file == "-") {
      std::cout << line << std::flush;
    } else {
      // One write(2) of the whole line: with O_APPEND it lands in one piece even beside another
      // writer. Short writes (a full disk) are retried; a failure is logged once, not per event.
      std::string_view rest(line);
      while (!rest.empty()) {
        const auto n = ::write(fd_, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        rest.remove_prefix(static_cast<std::size_t>(n));
      }
      if (!rest.empty() && !write_failed_) spdlog::error("cannot write the audit log {}: {}", options_.file, std::strerror(errno));
      write_failed_ = !rest.empty();
    }
  }
  if (!options_.webhook_url.empty()) {
    std::lock_guard lock(queue_mu_);
    if (queue_.size() >= options_.webhook_queue) {
      ++dropped_;
      return;
    }
    queue_.push_back(line);
    queue_cv_.notify_one();
  }
}

void AuditLog::deliver() {
  while (true) {
    std::string body;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      body = std::move(queue_.front());
      queue_.pop_front();
    }
    queue::CallbackRequest request{options_.webhook_url,
                            {{"Content-Type", "application/json"},
                             {"X-Openfaas-Signature-256", sign_webhook_body(options_.webhook_secret, body)}},
                            body,
                            std::chrono::seconds(5)};
    auto outcome = queue::post_callback(http_, request);
    if (!outcome.delivered) spdlog::warn("audit webhook: {}", outcome.error);
  }
}

}  // namespace faasgate::api
