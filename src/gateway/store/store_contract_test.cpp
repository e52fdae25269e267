// The Store contract (store/store.hpp), run against every implementation.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "faasgate/store/memory_store.hpp"
#include "faasgate/store/sqlite_store.hpp"
#include "test_support.hpp"

namespace faasgate::store {
namespace {

using namespace std::chrono_literals;
const core::Instant kT0 = core::from_unix(1'700'000'000);

struct MemoryImpl {
  static std::unique_ptr<Store> make(const std::filesystem::path&) { return std::make_unique<MemoryStore>(); }
};
struct SqliteImpl {
  static std::unique_ptr<Store> make(const std::filesystem::path& dir) {
    auto s = SqliteStore::open(dir / "faasgate.db", dir);
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(*s);
  }
};

template <class Impl>
class StoreContract : public ::testing::Test {
 protected:
  StoreContract() : store_(Impl::make(dir_.path())) {}
  Store& store() { return *store_; }

  sqlite::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

using Implementations = ::testing::Types<MemoryImpl, SqliteImpl>;
class Names {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryImpl> ? "Memory" : "Sqlite";
  }
};
TYPED_TEST_SUITE(StoreContract, Implementations, Names);

template <class T>
StoreErrc code(const Result<T>& r) {
  EXPECT_FALSE(r.has_value());
  return r ? StoreErrc::io : r.error().code;
}

model::FunctionDeployment full_deployment(std::string name, std::string ns = "openfaas-fn") {
  model::FunctionDeployment fn;
  fn.service = std::move(name);
  fn.namespace_ = std::move(ns);
  fn.image = "ghcr.io/example/fn:1.0";
  fn.env_process = "python3 handler.py --flag 'quoted arg'";
  fn.env_vars = {{"A", "1"}, {"B", "two words"}};
  fn.constraints = {"node.platform.os == linux"};
  fn.secrets = {"db-password", "api-key"};
  fn.labels = {{"com.openfaas.scale.min", "1"}};
  fn.annotations = {{"topic", "orders"}, {"schedule", "*/5 * * * *"}};
  fn.limits = model::Resources{"256Mi", "500m"};
  fn.requests = model::Resources{"128Mi", ""};
  fn.read_only_root_filesystem = true;
  fn.replicas = 2;
  return fn;
}

// ---- namespaces ---------------------------------------------------------------------------

TYPED_TEST(StoreContract, RevocationsAreKeptAndMovedForward) {
  auto& st = this->store();
  ASSERT_TRUE(st.add_revocation({Revocation::Kind::subject, "fed:ci", core::from_unix(100)}).has_value());
  ASSERT_TRUE(st.add_revocation({Revocation::Kind::token_id, "j1", core::from_unix(100)}).has_value());
  ASSERT_TRUE(st.add_revocation({Revocation::Kind::subject, "fed:ci", core::from_unix(200)}).has_value());
  EXPECT_EQ(st.add_revocation({Revocation::Kind::subject, "", core::from_unix(1)}).error().code, StoreErrc::invalid);
  auto all = st.list_revocations();
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 2u);
  for (const auto& r : *all) {
    if (r.kind == Revocation::Kind::subject) {
      EXPECT_EQ(r.value, "fed:ci");
      EXPECT_EQ(r.revoked_at, core::from_unix(200));
    } else {
      EXPECT_EQ(r.value, "j1");
    }
  }
}

// One issuer's sub is a revocation of its own, beside the same sub from any issuer.
TYPED_TEST(StoreContract, RevocationsCanNameTheIssuer) {
  auto& st = this->store();
  ASSERT_TRUE(st.add_revocation({Revocation::Kind::subject, "ci", core::from_unix(100)}).has_value());
  ASSERT_TRUE(st.add_revocation({Revocation::Kind::subject, "ci", core::from_unix(150), "https://a"}).has_value());
  ASSERT_TRUE(st.add_revocation({Revocation::Kind::subject, "ci", core::from_unix(200), "https://b"}).has_value());
  ASSERT_TRUE(st.add_revocation({Revocation::Kind::subject, "ci", core::from_unix(300), "https://b"}).has_value());
  auto all = st.list_revocations();
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 3u);
  std::map<std::string, long long> by_issuer;
  for (const auto& r : *all) {
    EXPECT_EQ(r.kind, Revocation::Kind::subject);
    EXPECT_EQ(r.value, "ci");
    by_issuer[r.issuer] = core::to_unix(r.revoked_at);
  }
  EXPECT_EQ(by_issuer, (std::map<std::string, long long>{{"", 100}, {"https://a", 150}, {"https://b", 300}}));
}

TYPED_TEST(StoreContract, DefaultNamespaceExistsAndCannotBeDeleted) {
  auto ns = this->store().get_namespace("openfaas-fn");
  ASSERT_TRUE(ns) << ns.error().message;
  EXPECT_EQ(ns->name, "openfaas-fn");
  auto all = this->store().list_namespaces();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  auto deleted = this->store().delete_namespace("openfaas-fn");
  EXPECT_EQ(code(deleted), StoreErrc::conflict);
  EXPECT_NE(deleted.error().message.find("openfaas-fn"), std::string::npos);
  EXPECT_TRUE(this->store().get_namespace("openfaas-fn"));
  // Its labels can still be edited.
  EXPECT_TRUE(this->store().update_namespace({"openfaas-fn", {{"team", "core"}}, {}}));
  EXPECT_EQ(this->store().get_namespace("openfaas-fn")->labels.at("team"), "core");
}

TYPED_TEST(StoreContract, NamespaceCrud) {
  auto& s = this->store();
  model::Namespace dev{"dev", {{"team", "a"}}, {{"note", "x\"y\\z"}}};
  ASSERT_TRUE(s.create_namespace(dev));
  auto got = s.get_namespace("dev");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->labels, dev.labels);
  EXPECT_EQ(got->annotations, dev.annotations);

  auto dup = s.create_namespace({"dev", {}, {}});
  EXPECT_EQ(code(dup), StoreErrc::already_exists);
  EXPECT_NE(dup.error().message.find("dev"), std::string::npos);

  ASSERT_TRUE(s.update_namespace({"dev", {{"team", "b"}}, {}}));
  got = s.get_namespace("dev");
  EXPECT_EQ(got->labels.at("team"), "b");
  EXPECT_TRUE(got->annotations.empty());
  EXPECT_EQ(code(s.update_namespace({"nope", {}, {}})), StoreErrc::not_found);

  ASSERT_TRUE(s.create_namespace({"a-first", {}, {}}));
  auto all = s.list_namespaces();
  ASSERT_TRUE(all);
  std::vector<std::string> names;
  for (const auto& n : *all) names.push_back(n.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a-first", "dev", "openfaas-fn"}));

  ASSERT_TRUE(s.delete_namespace("dev"));
  EXPECT_EQ(code(s.get_namespace("dev")), StoreErrc::not_found);
  EXPECT_EQ(code(s.delete_namespace("dev")), StoreErrc::not_found);
}

TYPED_TEST(StoreContract, NamesAreValidated) {
  auto& s = this->store();
  for (std::string bad : {std::string(), std::string("a/b"), std::string(".."), std::string("."),
                          std::string("sp ace"), std::string("nl\n"), std::string(254, 'a')}) {
    auto r = s.create_namespace({bad, {}, {}});
    EXPECT_EQ(code(r), StoreErrc::invalid) << bad;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    EXPECT_EQ(code(s.create_function(full_deployment(bad), kT0)), StoreErrc::invalid) << bad;
    EXPECT_EQ(code(s.create_secret({bad, "openfaas-fn"}, core::Secret("v"))), StoreErrc::invalid) << bad;
  }
  EXPECT_TRUE(s.create_namespace({std::string(253, 'a'), {}, {}}));
  EXPECT_TRUE(s.create_namespace({"A-b_c.9", {}, {}}));
}

TYPED_TEST(StoreContract, NamespaceHoldingObjectsCannotBeDeleted) {
  auto& s = this->store();
  ASSERT_TRUE(s.create_namespace({"team", {}, {}}));
  ASSERT_TRUE(s.create_function(full_deployment("fn", "team"), kT0));
  ASSERT_TRUE(s.create_secret({"pw", "team"}, core::Secret("hunter2")));
  EXPECT_EQ(code(s.delete_namespace("team")), StoreErrc::conflict);
  ASSERT_TRUE(s.delete_function("team", "fn"));
  EXPECT_EQ(code(s.delete_namespace("team")), StoreErrc::conflict);
  ASSERT_TRUE(s.delete_secret({"pw", "team"}));
  EXPECT_TRUE(s.delete_namespace("team"));
}

// ---- functions ----------------------------------------------------------------------------

TYPED_TEST(StoreContract, FunctionRoundTripsEveryField) {
  auto& s = this->store();
  const auto fn = full_deployment("echo");
  ASSERT_TRUE(s.create_function(fn, kT0));
  auto got = s.get_function("openfaas-fn", "echo");
  ASSERT_TRUE(got) << got.error().message;
  const auto& d = got->deployment;
  EXPECT_EQ(d.service, fn.service);
  EXPECT_EQ(d.namespace_, fn.namespace_);
  EXPECT_EQ(d.image, fn.image);
  EXPECT_EQ(d.env_process, fn.env_process);
  EXPECT_EQ(d.env_vars, fn.env_vars);
  EXPECT_EQ(d.constraints, fn.constraints);
  EXPECT_EQ(d.secrets, fn.secrets);
  EXPECT_EQ(d.labels, fn.labels);
  EXPECT_EQ(d.annotations, fn.annotations);
  ASSERT_TRUE(d.limits && d.requests);
  EXPECT_EQ(d.limits->memory, "256Mi");
  EXPECT_EQ(d.limits->cpu, "500m");
  EXPECT_EQ(d.requests->memory, "128Mi");
  EXPECT_TRUE(d.read_only_root_filesystem);
  EXPECT_EQ(d.replicas, 2u);
  EXPECT_EQ(got->invocation_count, 0u);
  EXPECT_EQ(got->created_at, kT0);

  model::FunctionDeployment bare;
  bare.service = "bare";
  ASSERT_TRUE(s.create_function(bare, kT0));
  auto b = s.get_function("openfaas-fn", "bare");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->deployment.limits);
  EXPECT_FALSE(b->deployment.requests);
  EXPECT_FALSE(b->deployment.read_only_root_filesystem);
}

TYPED_TEST(StoreContract, FunctionCreateConflicts) {
  auto& s = this->store();
  ASSERT_TRUE(s.create_function(full_deployment("echo"), kT0));
  auto dup = s.create_function(full_deployment("echo"), kT0 + 5s);
  EXPECT_EQ(code(dup), StoreErrc::already_exists);
  EXPECT_NE(dup.error().message.find("echo"), std::string::npos);
  auto no_ns = s.create_function(full_deployment("echo", "ghost"), kT0);
  EXPECT_EQ(code(no_ns), StoreErrc::conflict);
  EXPECT_NE(no_ns.error().message.find("ghost"), std::string::npos);
  ASSERT_TRUE(s.create_namespace({"other", {}, {}}));
  EXPECT_TRUE(s.create_function(full_deployment("echo", "other"), kT0));  // same name, other namespace
}

TYPED_TEST(StoreContract, FunctionUpdateKeepsCountersAndReplicasWhenZero) {
  auto& s = this->store();
  ASSERT_TRUE(s.create_function(full_deployment("echo"), kT0));
  ASSERT_TRUE(s.add_invocations("openfaas-fn", "echo", 7));
  auto next = full_deployment("echo");
  next.image = "ghcr.io/example/fn:2.0";
  next.env_vars = {{"C", "3"}};
  next.limits.reset();
  next.replicas = 0;
  ASSERT_TRUE(s.update_function(next));
  auto got = s.get_function("openfaas-fn", "echo");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->deployment.image, "ghcr.io/example/fn:2.0");
  EXPECT_EQ(got->deployment.env_vars, next.env_vars);
  EXPECT_FALSE(got->deployment.limits);
  EXPECT_EQ(got->deployment.replicas, 2u);
  EXPECT_EQ(got->invocation_count, 7u);
  EXPECT_EQ(got->created_at, kT0);

  next.replicas = 5;
  ASSERT_TRUE(s.update_function(next));
  EXPECT_EQ(s.get_function("openfaas-fn", "echo")->deployment.replicas, 5u);
  EXPECT_EQ(code(s.update_function(full_deployment("ghost"))), StoreErrc::not_found);
}

TYPED_TEST(StoreContract, FunctionDeleteAndNotFound) {
  auto& s = this->store();
  ASSERT_TRUE(s.create_function(full_deployment("echo"), kT0));
  ASSERT_TRUE(s.delete_function("openfaas-fn", "echo"));
  auto gone = s.get_function("openfaas-fn", "echo");
  EXPECT_EQ(code(gone), StoreErrc::not_found);
  EXPECT_NE(gone.error().message.find("echo"), std::string::npos);
  EXPECT_EQ(code(s.delete_function("openfaas-fn", "echo")), StoreErrc::not_found);
  EXPECT_EQ(code(s.get_function("ghost-ns", "echo")), StoreErrc::not_found);
  EXPECT_EQ(code(s.set_replicas("openfaas-fn", "echo", 1)), StoreErrc::not_found);
  EXPECT_EQ(code(s.add_invocations("openfaas-fn", "echo", 1)), StoreErrc::not_found);
}

TYPED_TEST(StoreContract, ListFunctionsAllAndPerNamespace) {
  auto& s = this->store();
  ASSERT_TRUE(s.create_namespace({"b-ns", {}, {}}));
  ASSERT_TRUE(s.create_function(full_deployment("zeta"), kT0));
  ASSERT_TRUE(s.create_function(full_deployment("alpha"), kT0));
  ASSERT_TRUE(s.create_function(full_deployment("mid", "b-ns"), kT0));
  auto names = [](const std::vector<model::FunctionStatus>& v) {
    std::vector<std::string> out;
    for (const auto& f : v) out.push_back(f.deployment.namespace_ + "/" + f.deployment.service);
    return out;
  };
  auto all = s.list_functions("");
  ASSERT_TRUE(all);
  EXPECT_EQ(names(*all), (std::vector<std::string>{"b-ns/mid", "openfaas-fn/alpha", "openfaas-fn/zeta"}));
  auto def = s.list_functions("openfaas-fn");
  ASSERT_TRUE(def);
  EXPECT_EQ(names(*def), (std::vector<std::string>{"openfaas-fn/alpha", "openfaas-fn/zeta"}));
  auto none = s.list_functions("ghost");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TYPED_TEST(StoreContract, ReplicasAndInvocations) {
  auto& s = this->store();
  ASSERT_TRUE(s.create_function(full_deployment("echo"), kT0));
  ASSERT_TRUE(s.set_replicas("openfaas-fn", "echo", 0));
  EXPECT_EQ(s.get_function("openfaas-fn", "echo")->deployment.replicas, 0u);
  ASSERT_TRUE(s.set_replicas("openfaas-fn", "echo", 4));
  EXPECT_EQ(s.get_function("openfaas-fn", "echo")->deployment.replicas, 4u);
  ASSERT_TRUE(s.add_invocations("openfaas-fn", "echo", 3));
  ASSERT_TRUE(s.add_invocations("openfaas-fn", "echo", 0));
  ASSERT_TRUE(s.add_invocations("openfaas-fn", "echo", 40));
  EXPECT_EQ(s.get_function("openfaas-fn", "echo")->invocation_count, 43u);
  // The counter saturates instead of wrapping.
  ASSERT_TRUE(s.add_invocations("openfaas-fn", "echo", ~std::uint64_t{0}));
  ASSERT_TRUE(s.add_invocations("openfaas-fn", "echo", 5));
  EXPECT_EQ(s.get_function("openfaas-fn", "echo")->invocation_count,
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
}

// ---- secrets ------------------------------------------------------------------------------

TYPED_TEST(StoreContract, SecretCrud) {
  auto& s = this->store();
  const model::SecretRef ref{"db-password", "openfaas-fn"};
  const core::Secret value("s3cr3t-value-123");
  ASSERT_TRUE(s.create_secret(ref, value));
  auto got = s.secret_value(ref);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got == value);

  auto dup = s.create_secret(ref, core::Secret("other-value-456"));
  EXPECT_EQ(code(dup), StoreErrc::already_exists);
  EXPECT_NE(dup.error().message.find("db-password"), std::string::npos);
  EXPECT_EQ(dup.error().message.find("other-value-456"), std::string::npos);

  ASSERT_TRUE(s.update_secret(ref, core::Secret("rotated")));
  EXPECT_EQ(s.secret_value(ref)->reveal(), "rotated");
  EXPECT_EQ(code(s.update_secret({"ghost", "openfaas-fn"}, core::Secret("x"))), StoreErrc::not_found);

  ASSERT_TRUE(s.create_secret({"api-key", "openfaas-fn"}, core::Secret("k")));
  auto list = s.list_secrets("openfaas-fn");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "api-key");
  EXPECT_EQ((*list)[1].name, "db-password");
  EXPECT_EQ((*list)[1].namespace_, "openfaas-fn");
  EXPECT_TRUE(s.list_secrets("ghost")->empty());

  ASSERT_TRUE(s.delete_secret(ref));
  EXPECT_EQ(code(s.secret_value(ref)), StoreErrc::not_found);
  EXPECT_EQ(code(s.delete_secret(ref)), StoreErrc::not_found);
}

TYPED_TEST(StoreContract, SecretConflictsAndLimits) {
  auto& s = this->store();
  auto no_ns = s.create_secret({"pw", "ghost"}, core::Secret("value-in-ghost"));
  EXPECT_EQ(code(no_ns), StoreErrc::conflict);
  EXPECT_EQ(no_ns.error().message.find("value-in-ghost"), std::string::npos);

  ASSERT_TRUE(s.create_namespace({"other", {}, {}}));
  ASSERT_TRUE(s.create_secret({"pw", "openfaas-fn"}, core::Secret("one")));
  ASSERT_TRUE(s.create_secret({"pw", "other"}, core::Secret("two")));
  EXPECT_EQ(s.secret_value({"pw", "openfaas-fn"})->reveal(), "one");
  EXPECT_EQ(s.secret_value({"pw", "other"})->reveal(), "two");

  const std::string binary("\0\x01\xff raw", 7);
  ASSERT_TRUE(s.create_secret({"bin", "openfaas-fn"}, core::Secret(binary)));
  EXPECT_EQ(s.secret_value({"bin", "openfaas-fn"})->reveal(), binary);
  ASSERT_TRUE(s.create_secret({"empty", "openfaas-fn"}, core::Secret("")));
  EXPECT_TRUE(s.secret_value({"empty", "openfaas-fn"})->empty());

  EXPECT_TRUE(s.create_secret({"max", "openfaas-fn"}, core::Secret(std::string(kMaxSecretBytes, 'x'))));
  auto big = s.create_secret({"big", "openfaas-fn"}, core::Secret(std::string(kMaxSecretBytes + 1, 'x')));
  EXPECT_EQ(code(big), StoreErrc::invalid);
  EXPECT_EQ(code(s.update_secret({"max", "openfaas-fn"}, core::Secret(std::string(kMaxSecretBytes + 1, 'x')))),
            StoreErrc::invalid);
}

}  // namespace
}  // namespace faasgate::store
