#include "issuer_keys.hpp"

#include <charconv>
#include <system_error>

#include "faasgate/core/files.hpp"

namespace faasgate::app {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxKeyFileBytes = 16 * 1024;

std::optional<long long> created_from_name(const std::string& name) {
  // key-<unix>.pem
  if (name.size() < 9 || name.rfind("key-", 0) != 0 || name.substr(name.size() - 4) != ".pem") return std::nullopt;
  long long value = 0;
  auto digits = std::string_view(name).substr(4, name.size() - 8);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || ptr != digits.data() + digits.size()) return std::nullopt;
  return value;
}

core::Expected<oauth::IssuerKey, std::string> read_key(const fs::path& path, core::Instant created) {
  auto pem = core::read_file(path, kMaxKeyFileBytes);
  if (!pem) return core::fail(pem.error());
  auto signer = jose::Signer::from_pem(*pem);
  if (!signer) return core::fail(path.string() + ": " + signer.error().detail);
  return oauth::IssuerKey{std::move(*signer), created};
}

// Never over an existing key: a gateway sharing the dir may sign with it already.
core::Expected<fs::path, std::string> write_new_key(const fs::path& key_dir, core::Instant now) {
  std::error_code ec;
  fs::create_directories(key_dir, ec);
  if (ec) return core::fail("cannot create " + key_dir.string() + ": " + ec.message());
  fs::permissions(key_dir, fs::perms::owner_all, ec);
  auto path = key_dir / ("key-" + std::to_string(core::to_unix(now)) + ".pem");
  if (fs::exists(path)) return core::fail(path.string() + " already exists (one rotation per second)");
  auto written = core::write_file_atomic(path, jose::Signer::generate().private_pem(), 0600, /*replace=*/false);
  if (!written) return core::fail(written.error());
  return path;
}

core::Expected<std::vector<oauth::IssuerKey>, std::string> read_key_dir(const fs::path& key_dir) {
  std::vector<oauth::IssuerKey> keys;
  std::error_code ec;
  if (!fs::is_directory(key_dir, ec)) return keys;
  for (const auto& entry : fs::directory_iterator(key_dir, ec)) {
    auto created = created_from_name(entry.path().filename().string());
    if (!created) continue;
    auto key = read_key(entry.path(), core::from_unix(*created));
    if (!key) return core::fail(key.error());
    keys.push_back(std::move(*key));
  }
  return keys;
}

}  // namespace

core::Expected<oauth::KeyRing, std::string> load_issuer_keys(const IssuerKeySource& source,
                                                             std::chrono::seconds retire_after, core::Instant now) {
  std::vector<oauth::IssuerKey> keys;
  if (source.key_file) {
    auto key = read_key(*source.key_file, core::from_unix(0));
    if (!key) return core::fail(key.error());
    keys.push_back(std::move(*key));
    return oauth::KeyRing(std::move(keys), retire_after);
  }
  auto found = read_key_dir(source.key_dir);
  if (!found) return core::fail(found.error());
  if (found->empty()) {
    // The first start. Gateways sharing the dir may start together: the one whose key is
    // written first wins, and the others read it.
    auto path = write_new_key(source.key_dir, now);
    found = read_key_dir(source.key_dir);
    if (!found) return core::fail(found.error());
    if (found->empty()) return core::fail(path ? source.key_dir.string() + " lost its new key" : path.error());
  }
  return oauth::KeyRing(std::move(*found), retire_after, now, kPublishAhead);
}

fs::path default_key_dir(const fs::path& data_dir) { return data_dir / "issuer-keys"; }

core::Expected<std::string, std::string> rotate_issuer_key(const fs::path& key_dir, core::Instant now) {
  auto path = write_new_key(key_dir, now);
  if (!path) return core::fail(path.error());
  auto key = read_key(*path, now);
  if (!key) return core::fail(key.error());
  return key->signer.kid();
}

std::string issuer_keys_stamp(const IssuerKeySource& source) {
  std::error_code ec;
  std::string stamp;
  auto add = [&](const fs::path& p) {
    stamp += p.filename().string() + ":" + std::to_string(fs::file_size(p, ec)) + ":" +
             std::to_string(fs::last_write_time(p, ec).time_since_epoch().count()) + ";";
  };
  if (source.key_file) {
    add(*source.key_file);
    return stamp;
  }
  for (const auto& entry : fs::directory_iterator(source.key_dir, ec)) add(entry.path());
  return stamp;
}

}  // namespace faasgate::app
