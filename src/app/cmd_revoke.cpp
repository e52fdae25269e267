// `faasgate iam revoke --data-dir DIR --sub S [--iss ISSUER] | --jti J`: recorded in the gateway's database, which
// a running gateway reads every second; persisted across restarts.
#include <iostream>

#include "commands.hpp"
#include "faasgate/core/clock.hpp"
#include "faasgate/store/sqlite_store.hpp"

namespace faasgate::app {

Run setup_revoke(CLI::App& command) {
  struct Options {
    std::string data_dir = ".faasgate";
    std::string sub;
    std::string jti;
    std::string iss;
  };
  auto o = std::make_shared<Options>();
  command.add_option("--data-dir", o->data_dir, "The gateway's data directory")->capture_default_str();
  auto* sub = command.add_option("--sub", o->sub, "Subject whose tokens issued until now fail (original or fed: form)");
  auto* iss = command.add_option("--iss", o->iss,
                                 "With --sub: only that subject of this issuer (fed:iss; the same sub from another "
                                 "trusted issuer keeps working)");
  auto* jti = command.add_option("--jti", o->jti, "One token, by its jti");
  sub->excludes(jti);
  iss->needs(sub);
  return [o]() -> int {
    if (o->sub.empty() == o->jti.empty()) {
      std::cerr << "faasgate iam revoke: give --sub or --jti\n";
      return 2;
    }
    auto db = store::SqliteStore::open(std::filesystem::path(o->data_dir) / "faasgate.db", o->data_dir);
    if (!db) {
      std::cerr << "faasgate iam revoke: cannot open the database in " << o->data_dir << ": " << db.error().message << "\n";
      return 1;
    }
    const auto now = core::SystemClock().now();
    store::Revocation revocation{o->sub.empty() ? store::Revocation::Kind::token_id : store::Revocation::Kind::subject,
                                 o->sub.empty() ? o->jti : o->sub, now, o->iss};
    if (auto added = (*db)->add_revocation(revocation); !added) {
      std::cerr << "faasgate iam revoke: " << added.error().message << "\n";
      return 1;
    }
    const std::string whose = o->iss.empty() ? o->sub : o->sub + " of " + o->iss;
    std::cout << "revoked " << (o->sub.empty() ? "token " + o->jti : "tokens issued to " + whose + " until now")
              << " (a running gateway refuses them within a second)\n";
    return 0;
  };
}

}  // namespace faasgate::app
