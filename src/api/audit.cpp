#include "api/audit.hpp"

#include <openssl/evp.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "api/callback.hpp"
#include "core/openssl.hpp"

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

AuditLog::AuditLog(AuditOptions options) : options_(std::move(options)) {
  if (!options_.file.empty() && options_.file != "-") {
    file_.open(options_.file, std::ios::app);
    if (!file_) throw std::runtime_error("cannot open the audit log " + options_.file);
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
}

void AuditLog::record(const AuditEvent& event) {
  if (!enabled()) return;
  const auto line = to_json_line(event);
  if (file_enabled_) {
    std::lock_guard lock(file_mu_);
    if (options_.file == "-") {
      std::cout << line << std::flush;
    } else {
      file_ << line << std::flush;
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
    CallbackRequest request{options_.webhook_url,
                            {{"Content-Type", "application/json"},
                             {"X-Openfaas-Signature-256", sign_webhook_body(options_.webhook_secret, body)}},
                            body,
                            std::chrono::seconds(5)};
    auto outcome = post_callback(request);
    if (!outcome.delivered) spdlog::warn("audit webhook: {}", outcome.error);
  }
}

}  // namespace faasgate::api
