// `faasgate iam revoke --data-dir DIR --sub S [--iss ISSUER] | --jti J`: recorded in the gateway's database, which
// a running gateway reads every second; persisted across restarts. With --nats-url, also published
// to every gateway sharing that NATS server (revocation_feed.hpp); then --data-dir is written only
// when it is given.
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "faasgate/core/clock.hpp"
#include "faasgate/nats/nats.hpp"
#include "faasgate/store/sqlite_store.hpp"
#include "revocation_feed.hpp"

namespace faasgate::app {

Run setup_revoke(CLI::App& command) {
  struct Options {
    std::string data_dir = ".faasgate";
    std::string sub;
    std::string jti;
    std::string iss;
    std::string nats_url;
    std::string nats_creds;
  };
  auto o = std::make_shared<Options>();
  auto* data_dir = command.add_option("--data-dir", o->data_dir, "The gateway's data directory")->capture_default_str();
  command.add_option("--nats-url", o->nats_url,
                     "Also publish the revocation on this NATS server, to every gateway started with --nats-url");
  command.add_option("--nats-creds", o->nats_creds, "With --nats-url: a NATS credentials file (.creds)");
  auto* sub = command.add_option("--sub", o->sub, "Subject whose tokens issued until now fail (original or fed: form)");
  auto* iss = command.add_option("--iss", o->iss,
                                 "With --sub: only that subject of this issuer (fed:iss; the same sub from another "
                                 "trusted issuer keeps working)");
  auto* jti = command.add_option("--jti", o->jti, "One token, by its jti");
  sub->excludes(jti);
  iss->needs(sub);
  return [o, data_dir]() -> int {
    if (o->sub.empty() == o->jti.empty()) {
      std::cerr << "faasgate iam revoke: give --sub or --jti\n";
      return 2;
    }
    const auto now = core::SystemClock().now();
    store::Revocation revocation{o->sub.empty() ? store::Revocation::Kind::token_id : store::Revocation::Kind::subject,
                                 o->sub.empty() ? o->jti : o->sub, now, o->iss};
    const bool local = o->nats_url.empty() || data_dir->count() > 0;
    if (local) {
      auto db = store::SqliteStore::open(std::filesystem::path(o->data_dir) / "faasgate.db", o->data_dir);
      if (!db) {
        std::cerr << "faasgate iam revoke: cannot open the database in " << o->data_dir << ": " << db.error().message
                  << "\n";
        return 1;
      }
      if (auto added = (*db)->add_revocation(revocation); !added) {
        std::cerr << "faasgate iam revoke: " << added.error().message << "\n";
        return 1;
      }
    }
    if (!o->nats_url.empty()) {
      const auto where = nats::redacted_url(o->nats_url);
      auto connection = nats::Connection::connect({.url = o->nats_url, .credentials_file = o->nats_creds});
      if (!connection) {
        std::cerr << "faasgate iam revoke: " << connection.error().message << "\n";
        return 2;
      }
      for (int i = 0; i < 50 && !(*connection)->connected(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto published = publish_revocation(**connection, revocation, std::chrono::seconds(5));
      if (!published) {
        std::cerr << "faasgate iam revoke: the revocation was not acknowledged by the NATS server " << where << ": "
                  << published.error().message << (local ? " (it is recorded in " + o->data_dir + ")" : "") << "\n";
        return 1;
      }
    }
    const std::string whose = o->iss.empty() ? o->sub : o->sub + " of " + o->iss;
    std::cout << "revoked " << (o->sub.empty() ? "token " + o->jti : "tokens issued to " + whose + " until now")
              << (o->nats_url.empty() ? " (a running gateway refuses them within a second)"
                                      : " (every gateway on the NATS server refuses them within seconds)")
              << "\n";
    return 0;
  };
}

}  // namespace faasgate::app
