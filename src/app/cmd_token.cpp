#include <csignal>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "faasgate/core/duration.hpp"
#include "faasgate/core/files.hpp"
#include "faasgate/oauth/mint.hpp"
#include "local_issuer.hpp"

namespace faasgate::app {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct TokenOptions {
  std::string data_dir = ".faasgate";
  std::string issuer = kKubernetesIssuer;
  std::string subject;
  std::vector<std::string> audience;
  std::string ttl = "2h";
  std::string out;
  bool refresh = false;
  std::string token_expiry = "2h";
};

int project(const TokenOptions& o) {
  auto ttl = core::parse_duration_seconds(o.ttl);
  if (!ttl || ttl->count() < 60) {
    std::cerr << "faasgate token project: --ttl must be a duration of at least 1m, like 10m or 2h\n";
    return 2;
  }
  auto signer = load_or_create_local_issuer(o.data_dir);
  if (!signer) {
    std::cerr << "faasgate token project: " << signer.error() << "\n";
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  core::SystemClock clock;
  while (true) {
    ProjectedToken spec{o.issuer, o.subject, o.audience, *ttl};
    auto token = signer->sign(projected_token_claims(spec, clock.now(), oauth::new_token_id()));
    if (!token) {
      std::cerr << "faasgate token project: signing failed: " << token.error().detail << "\n";
      return 1;
    }
    if (o.out.empty() || o.out == "-") {
      std::cout << *token << "\n" << std::flush;
    } else {
      auto written = core::write_file_atomic(o.out, *token, 0600);
      if (!written) {
        std::cerr << "faasgate token project: " << written.error() << "\n";
        return 1;
      }
      std::cerr << "wrote a token for " << o.subject << " to " << o.out << ", valid for " << o.ttl << "\n";
    }
    if (!o.refresh) return 0;
    // The kubelet rewrites the file at 80% of the token's life.
    auto until = std::chrono::steady_clock::now() + *ttl * 8 / 10;
    while (!g_stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (g_stop) return 0;
  }
}

int issuer_manifest(const TokenOptions& o) {
  if (!core::parse_duration_seconds(o.token_expiry)) {
    std::cerr << "faasgate token issuer: --token-expiry must be a duration like 30m or 2h\n";
    return 2;
  }
  auto signer = load_or_create_local_issuer(o.data_dir);
  if (!signer) {
    std::cerr << "faasgate token issuer: " << signer.error() << "\n";
    return 1;
  }
  auto manifest = local_issuer_manifest(*signer, o.issuer, o.audience, o.token_expiry);
  if (o.out.empty() || o.out == "-") {
    std::cout << manifest;
    return 0;
  }
  auto written = core::write_file_atomic(o.out, manifest, 0644);
  if (!written) {
    std::cerr << "faasgate token issuer: " << written.error() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

Run setup_token(CLI::App& command) {
  command.require_subcommand(1);
  auto o = std::make_shared<TokenOptions>();

  auto* project_cmd = command.add_subcommand("project", "Write a signed service-account-style token, as the kubelet does");
  project_cmd->add_option("--data-dir", o->data_dir, "Where the local issuer's key lives")->capture_default_str();
  project_cmd->add_option("--iss", o->issuer, "Issuer URL")->capture_default_str();
  project_cmd->add_option("--sub", o->subject, "Subject, e.g. system:serviceaccount:openfaas:my-app")->required();
  project_cmd->add_option("--aud", o->audience, "Audience (repeatable), e.g. the gateway's URL")->required();
  project_cmd->add_option("--ttl", o->ttl, "Lifetime, e.g. 10m or 2h")->capture_default_str();
  project_cmd->add_option("--out", o->out, "File to write (0600, atomically); - for stdout");
  project_cmd->add_flag("--refresh", o->refresh, "Keep running and rewrite the file at 80% of the token's life");

  auto* issuer_cmd = command.add_subcommand("issuer", "Print the JwtIssuer manifest that trusts the local issuer");
  issuer_cmd->add_option("--data-dir", o->data_dir, "Where the local issuer's key lives")->capture_default_str();
  issuer_cmd->add_option("--iss", o->issuer, "Issuer URL")->capture_default_str();
  issuer_cmd->add_option("--aud", o->audience, "Accepted audience (repeatable): the gateway's URL")->required();
  issuer_cmd->add_option("--token-expiry", o->token_expiry, "Lifetime of access tokens minted for it")->capture_default_str();
  issuer_cmd->add_option("--out", o->out, "File to write; - for stdout");

  return [=] { return project_cmd->parsed() ? project(*o) : issuer_manifest(*o); };
}

}  // namespace faasgate::app
