#include <iostream>

#include "commands.hpp"
#include "issuer_keys.hpp"

namespace faasgate::app {

Run setup_keys(CLI::App& command) {
  command.require_subcommand(1);
  auto* rotate = command.add_subcommand("rotate", "Add a new signing key; the old one stays published until its tokens expire");
  auto data_dir = std::make_shared<std::string>(".faasgate");
  auto keys_dir = std::make_shared<std::string>();
  rotate->add_option("--data-dir", *data_dir, "The gateway's data directory")->capture_default_str();
  rotate->add_option("--keys-dir", *keys_dir, "The gateways' key directory (default --data-dir/issuer-keys)");
  auto* list = command.add_subcommand("list", "List the signing keys and which are published");
  list->add_option("--data-dir", *data_dir, "The gateway's data directory")->capture_default_str();
  list->add_option("--keys-dir", *keys_dir, "The gateways' key directory (default --data-dir/issuer-keys)");
  auto retire = std::make_shared<long long>(7200 + 60);
  list->add_option("--retire-after-seconds", *retire, "Longest token lifetime plus leeway")->capture_default_str();

  return [=] {
    core::SystemClock clock;
    const auto key_dir = keys_dir->empty() ? default_key_dir(*data_dir) : std::filesystem::path(*keys_dir);
    if (rotate->parsed()) {
      auto kid = rotate_issuer_key(key_dir, clock.now());
      if (!kid) {
        std::cerr << "faasgate keys rotate: " << kid.error() << "\n";
        return 1;
      }
      std::cout << "new signing key " << *kid
                << " (a running gateway signs with it within seconds; the previous key stays published until its tokens expire)\n";
      return 0;
    }
    auto ring = load_issuer_keys({std::nullopt, key_dir}, std::chrono::seconds(*retire), clock.now());
    if (!ring) {
      std::cerr << "faasgate keys list: " << ring.error() << "\n";
      return 1;
    }
    auto published = ring->published(clock.now());
    for (const auto& key : ring->keys()) {
      bool is_published = false;
      for (const auto& p : published.keys()) is_published |= p.kid() == key.signer.kid();
      std::cout << key.signer.kid() << "  created " << core::to_unix(key.created)
                << (key.signer.kid() == ring->current().kid() ? "  signing" : is_published ? "  published" : "  retired") << "\n";
    }
    return 0;
  };
}

}  // namespace faasgate::app
