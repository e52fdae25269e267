// What only SqliteStore promises: persistence, encryption at rest, the key file, migrations.
// (The async queue's own file behaviour is in queue/sqlite_queue_test.cpp.)
#include "faasgate/store/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <iterator>

#include "faasgate/core/files.hpp"
#include "secret_box.hpp"
#include "test_support.hpp"

namespace faasgate::store {
namespace {

namespace fs = std::filesystem;
const core::Instant kT0 = core::from_unix(1'700'000'000);
constexpr std::string_view kPlain = "correct-horse-battery-staple-4711";

class SqliteStoreTest : public ::testing::Test {
 protected:
  fs::path db() const { return dir_.path() / "faasgate.db"; }
  fs::path key() const { return dir_.path() / "secret.key"; }

  Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options = {}) {
    return SqliteStore::open(db(), dir_.path(), options);
  }
  std::unique_ptr<SqliteStore> open_ok(const SqliteOptions& options = {}) {
    auto s = open(options);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  void sql(const std::string& statement) { sqlite::testing::raw_sql(db(), statement); }
  std::string scalar(const std::string& query) { return sqlite::testing::raw_scalar(db(), query); }
  std::string all_files_bytes() const {
    std::string out;
    for (const auto& entry : fs::directory_iterator(dir_.path())) {
      std::ifstream in(entry.path(), std::ios::binary);
      out.append(std::istreambuf_iterator<char>(in), {});
    }
    return out;
  }

  sqlite::testing::TempDir dir_;
};

TEST_F(SqliteStoreTest, EverythingSurvivesCloseAndReopen) {
  {
    auto s = open_ok();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->create_namespace({"team", {{"l", "1"}}, {{"a", "2"}}}));
    model::FunctionDeployment fn;
    fn.service = "echo";
    fn.namespace_ = "team";
    fn.env_process = "cat";
    fn.replicas = 3;
    ASSERT_TRUE(s->create_function(fn, kT0));
    ASSERT_TRUE(s->add_invocations("team", "echo", 9));
    ASSERT_TRUE(s->create_secret({"pw", "team"}, core::Secret(std::string(kPlain))));
  }
  auto s = open_ok();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->get_namespace("team")->labels.at("l"), "1");
  auto fn = s->get_function("team", "echo");
  ASSERT_TRUE(fn);
  EXPECT_EQ(fn->deployment.env_process, "cat");
  EXPECT_EQ(fn->deployment.replicas, 3u);
  EXPECT_EQ(fn->invocation_count, 9u);
  EXPECT_EQ(fn->created_at, kT0);
  EXPECT_EQ(s->secret_value({"pw", "team"})->reveal(), kPlain);
}

TEST_F(SqliteStoreTest, PlaintextNeverReachesTheFiles) {
  auto s = open_ok();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->create_secret({"pw", "openfaas-fn"}, core::Secret(std::string(kPlain))));
  ASSERT_TRUE(s->update_secret({"pw", "openfaas-fn"}, core::Secret(std::string(kPlain) + "-v2")));
  // While open (the data is in the WAL) and after close (checkpointed into the database).
  EXPECT_EQ(all_files_bytes().find(kPlain), std::string::npos);
  s.reset();
  EXPECT_EQ(all_files_bytes().find(kPlain), std::string::npos);
  EXPECT_EQ(scalar("SELECT nonce FROM secrets").size(), SecretBox::kNonceBytes);
  EXPECT_EQ(scalar("SELECT ciphertext FROM secrets").size(), kPlain.size() + 3 + SecretBox::kTagBytes);
}

TEST_F(SqliteStoreTest, EveryWriteUsesAFreshNonce) {
  auto s = open_ok();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->create_secret({"pw", "openfaas-fn"}, core::Secret("same")));
  auto first = scalar("SELECT nonce || ciphertext FROM secrets");
  ASSERT_TRUE(s->update_secret({"pw", "openfaas-fn"}, core::Secret("same")));
  auto second = scalar("SELECT nonce || ciphertext FROM secrets");
  EXPECT_NE(first.substr(0, SecretBox::kNonceBytes), second.substr(0, SecretBox::kNonceBytes));
  EXPECT_NE(first, second);
}

TEST_F(SqliteStoreTest, TamperedCiphertextIsDetected) {
  auto s = open_ok();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->create_secret({"pw", "openfaas-fn"}, core::Secret(std::string(kPlain))));
  auto to_hex = [](const std::string& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) out += {digits[b >> 4], digits[b & 0xf]};
    return out;
  };
  auto flip = [](std::size_t byte) {
    return [byte](std::string v) {
      v[byte % v.size()] ^= 0x01;
      return v;
    };
  };
  struct Tamper {
    const char* what;
    const char* column;
    std::function<std::string(std::string)> change;
  };
  // One bit of the ciphertext, one of the tag (the last byte), one of the nonce; a truncation.
  for (const auto& t : {Tamper{"ciphertext bit", "ciphertext", flip(0)},
                        Tamper{"tag bit", "ciphertext", flip(kPlain.size() + SecretBox::kTagBytes - 1)},
                        Tamper{"nonce bit", "nonce", flip(5)},
                        Tamper{"truncated", "ciphertext", [](std::string v) { return v.substr(0, 10); }}}) {
    SCOPED_TRACE(t.what);
    ASSERT_TRUE(s->update_secret({"pw", "openfaas-fn"}, core::Secret(std::string(kPlain))));
    ASSERT_TRUE(s->secret_value({"pw", "openfaas-fn"}));
    auto changed = t.change(scalar(std::string("SELECT ") + t.column + " FROM secrets"));
    sql(std::string("UPDATE secrets SET ") + t.column + " = X'" + to_hex(changed) + "'");
    auto value = s->secret_value({"pw", "openfaas-fn"});
    ASSERT_FALSE(value);
    EXPECT_EQ(value.error().code, StoreErrc::io);
    EXPECT_NE(value.error().message.find("pw"), std::string::npos);
    EXPECT_NE(value.error().message.find("cannot be decrypted"), std::string::npos);
    EXPECT_EQ(value.error().message.find(kPlain), std::string::npos);
  }
}

TEST_F(SqliteStoreTest, CiphertextMovedToAnotherNameDoesNotDecrypt) {
  auto s = open_ok();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->create_namespace({"other", {}, {}}));
  ASSERT_TRUE(s->create_secret({"admin-pw", "openfaas-fn"}, core::Secret(std::string(kPlain))));
  ASSERT_TRUE(s->create_secret({"public", "openfaas-fn"}, core::Secret("harmless")));
  ASSERT_TRUE(s->create_secret({"admin-pw", "other"}, core::Secret("harmless")));
  const std::string copy_from_admin =
      " SET (nonce, ciphertext) = (SELECT nonce, ciphertext FROM secrets WHERE ns = 'openfaas-fn' AND name = 'admin-pw')";
  sql("UPDATE secrets" + copy_from_admin + " WHERE ns = 'openfaas-fn' AND name = 'public'");
  sql("UPDATE secrets" + copy_from_admin + " WHERE ns = 'other' AND name = 'admin-pw'");
  EXPECT_EQ(s->secret_value({"public", "openfaas-fn"}).error().code, StoreErrc::io);
  EXPECT_EQ(s->secret_value({"admin-pw", "other"}).error().code, StoreErrc::io);
  EXPECT_EQ(s->secret_value({"admin-pw", "openfaas-fn"})->reveal(), kPlain);
}

TEST_F(SqliteStoreTest, KeyAndDatabaseFilesArePrivate) {
  auto s = open_ok();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->create_secret({"pw", "openfaas-fn"}, core::Secret("v")));
  struct stat st {};
  ASSERT_EQ(::stat(key().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  ASSERT_EQ(::stat(db().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto wal = db();
  wal += "-wal";
  ASSERT_EQ(::stat(wal.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SqliteStoreTest, WrongMissingOrExposedKeyIsRefusedAtOpen) {
  { ASSERT_TRUE(open_ok()); }
  const auto original = core::read_file(key(), 64);
  ASSERT_TRUE(original);

  ASSERT_TRUE(core::write_file_atomic(key(), std::string(32, 'k')));
  auto wrong = open();
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, StoreErrc::io);
  EXPECT_NE(wrong.error().message.find("not the key"), std::string::npos);

  fs::remove(key());
  auto missing = open();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, StoreErrc::io);
  EXPECT_NE(missing.error().message.find("restore it"), std::string::npos);
  EXPECT_FALSE(fs::exists(key()));  // not silently replaced by a new key

  ASSERT_TRUE(core::write_file_atomic(key(), std::string(31, 'k')));
  EXPECT_FALSE(open());

  ASSERT_TRUE(core::write_file_atomic(key(), *original, 0644));
  auto exposed = open();
  ASSERT_FALSE(exposed);
  EXPECT_NE(exposed.error().message.find("0600"), std::string::npos);

  ASSERT_EQ(::chmod(key().c_str(), 0600), 0);
  EXPECT_TRUE(open_ok());
}

TEST_F(SqliteStoreTest, MigratesADatabaseFromAnOlderVersion) {
  ASSERT_GE(SqliteStore::latest_schema_version(), 2u);
  {
    auto old = open_ok({.migrate_to = 1});
    ASSERT_TRUE(old);
    EXPECT_EQ(*old->schema_version(), 1u);
    ASSERT_TRUE(old->create_namespace({"team", {}, {}}));
    model::FunctionDeployment fn;
    fn.service = "echo";
    fn.namespace_ = "team";
    ASSERT_TRUE(old->create_function(fn, kT0));
    ASSERT_TRUE(old->create_secret({"pw", "team"}, core::Secret(std::string(kPlain))));
  }
  EXPECT_EQ(scalar("PRAGMA user_version"), "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'async_calls'"), "0");
  auto s = open_ok();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->schema_version(), SqliteStore::latest_schema_version());
  EXPECT_TRUE(s->get_function("team", "echo"));
  EXPECT_EQ(s->secret_value({"pw", "team"})->reveal(), kPlain);
  // The queue's table is the queue's (queue::SqliteQueue creates it): schema step 2 is empty now.
  EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'async_calls'"), "0");
  // Opening again is a no-op.
  s.reset();
  EXPECT_EQ(*open_ok()->schema_version(), SqliteStore::latest_schema_version());
}

TEST_F(SqliteStoreTest, ANewerDatabaseIsRefused) {
  { ASSERT_TRUE(open_ok()); }
  sql("PRAGMA user_version = 99");
  auto s = open();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, StoreErrc::io);
  EXPECT_NE(s.error().message.find("99"), std::string::npos);
  EXPECT_NE(s.error().message.find("upgrade"), std::string::npos);
}

TEST_F(SqliteStoreTest, CorruptRowsAreReportedNotHalfRead) {
  auto s = open_ok();
  ASSERT_TRUE(s);
  model::FunctionDeployment fn;
  fn.service = "echo";
  ASSERT_TRUE(s->create_function(fn, kT0));
  sql("UPDATE functions SET deployment = '{\"envVars\": 7}'");
  auto got = s->get_function("openfaas-fn", "echo");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, StoreErrc::io);
  EXPECT_NE(got.error().message.find("echo"), std::string::npos);
}

TEST_F(SqliteStoreTest, UnopenableDatabaseIsAnIoError) {
  auto s = SqliteStore::open(dir_.path() / "missing-dir" / "faasgate.db", dir_.path());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, StoreErrc::io);
  EXPECT_FALSE(SqliteStore::open(db(), dir_.path(), {.migrate_to = 0}));
}

}  // namespace
}  // namespace faasgate::store
