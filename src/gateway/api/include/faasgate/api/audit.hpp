#pragma once
// The audit log: one JSON line per authorization decision (who, what, on which resource, the
// decision and the statement that made it, the status answered), to a file or stdout, and - if
// configured - to a webhook, signed with HMAC-SHA256 in X-Openfaas-Signature-256
// ("sha256=<hex>", as GitHub signs its webhooks), sent through the HttpClient it is given (one
// sender thread, bounded queue). Tokens are never part of an event.
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/secret.hpp"
#include "faasgate/http_client/http_client.hpp"

namespace faasgate::api {

struct AuditEvent {
  std::chrono::system_clock::time_point time;
  std::string actor;            // sub ("admin" for basic auth)
  std::string issuer;           // the original issuer (fed:iss), empty for the admin
  std::string method;
  std::string path;
  std::string action;
  std::string resource;
  bool allowed = false;
  std::string policy;           // the deciding policy, empty for the admin or an implicit deny
  std::string sid;
  unsigned status = 0;          // the HTTP status answered
};

std::string to_json_line(const AuditEvent& event);
// "sha256=" + hex(HMAC-SHA256(secret, body))
std::string sign_webhook_body(const core::Secret& secret, std::string_view body);

struct AuditOptions {
  std::string file;              // path, "-" for stdout, empty for none
  std::string webhook_url;       // empty for none
  core::Secret webhook_secret;
  std::size_t webhook_queue = 10'000;  // events beyond this are dropped (and counted)
};

class AuditLog {
 public:
  // Opens (creating) the file mode 0600: it says who did what to which function. An existing
  // regular file readable by others is made 0600 (an older gateway created it 0644); if that is
  // not possible (another owner) the log is refused rather than kept readable. Throws when the
  // file cannot be opened. `http` (for the webhook) must outlive the log.
  AuditLog(AuditOptions options, http_client::HttpClient& http);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  bool enabled() const noexcept { return file_enabled_ || !options_.webhook_url.empty(); }
  void record(const AuditEvent& event);

 private:
  void deliver();

  AuditOptions options_;
  http_client::HttpClient& http_;
  bool file_enabled_ = false;
  std::mutex file_mu_;
  int fd_ = -1;                 // the audit log file (O_APPEND: one write per line), or -1
  bool write_failed_ = false;   // warned about already, until a write succeeds again
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::uint64_t dropped_ = 0;
  std::thread sender_;
};

}  // namespace faasgate::api
