#pragma once
// What `faasgate serve` is told on its command line (cmd_serve.cpp), as the daemon takes it.
#include <cstdint>
#include <string>

#include "faasgate/server/http_server.hpp"

namespace faasgate::app {

struct ServeOptions {
  // `faasgate provider`: serve the embedded runtime as the upstream provider API (api::
  // GatewayOptions::provider_api), its basic-auth credentials from auth_dir.
  bool provider_api = false;
  std::string auth_dir;  // basic-auth-user and basic-auth-password, as upstream mounts them
  std::string listen = "127.0.0.1:8080";
  std::string metrics_listen = "127.0.0.1:8082";
  std::string data_dir = ".faasgate";
  std::string iam_dir;
  std::string system_issuer;
  std::string issuer_key;
  std::string keys_dir;  // default <data_dir>/issuer-keys; shared by gateways that are one issuer
  std::string admin_password_file;
  unsigned threads = 0;
  unsigned busy_poll_us = 0;
  std::string callback_deny;
  // The async queue's bounds (queue::AsyncOptions explains the defaults).
  std::uint64_t async_max_body = 1 << 20;
  std::uint64_t async_max_queued = 10'000;
  std::uint64_t async_max_queued_bytes = 256ull << 20;
  std::uint64_t async_max_queued_per_function = 1'000;
  std::uint64_t async_max_queued_bytes_per_function = 64ull << 20;
  // The async queue: SQLite in --data-dir, or NATS JetStream shared by several gateways.
  std::string nats_url;
  std::string nats_queue = "faas-request";
  std::string nats_creds;
  std::string queue_ack_wait = "30s";  // the lease, renewed while a call runs
  unsigned queue_max_inflight = 4;
  std::uint32_t queue_max_retry_attempts = 100;
  std::string queue_initial_retry_wait = "10s";
  std::string queue_max_retry_wait = "120s";
  std::string queue_retry_codes = "408,429,500,502,503,504";
  std::string queue_backoff = "exponential";
  std::string log_level = "info";
  bool unsafe_no_isolation = false;
  unsigned function_uid = 65532;
  std::string jwks_refetch_cooldown = "30s";
  std::string header_timeout = std::to_string(server::Limits{}.header_timeout.count()) + "s";
  std::size_t max_connections_per_address = server::Limits{}.max_connections_per_address;
  std::string audit_log;
  std::string audit_webhook;
  std::string audit_webhook_secret_file;
  // The upstream provider API as the functions back end (docs/backends.md): no embedded runtime.
  std::string provider_url;
  std::string provider_auth_dir;  // basic-auth-user and basic-auth-password, as upstream mounts them
  std::string provider_timeout = "60s";
};

}  // namespace faasgate::app
