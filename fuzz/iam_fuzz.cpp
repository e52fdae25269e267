// iam_fuzz: iam::load_yaml on arbitrary text (a manifest file of the --iam-dir), and for every set
// that loads, what the gateway does with it: Engine::compile, iam::lint, role matching for a fixed
// Kubernetes-style subject token, decisions for every action on a few resources, list filtering
// and explanations. Must never crash, and:
//   - a set that loads compiles (the loader validates everything the engine needs);
//   - explain() gives decide()'s answer (it "never decides differently", explain.hpp), for the
//     subject token (through its matched roles) and for an access token naming every policy;
//   - the policies match_roles() returns are those the matched roles name.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "faasgate/iam/engine.hpp"
#include "faasgate/iam/explain.hpp"
#include "faasgate/iam/lint.hpp"
#include "faasgate/iam/loader.hpp"

namespace {

using namespace faasgate;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "iam_fuzz: %s\n", what);
  std::abort();
}

// The claims of a projected service-account token, as the write-up's my-app Pod would present.
const boost::json::object& subject_claims() {
  static const boost::json::object claims = boost::json::parse(R"({
    "iss": "https://kubernetes.default.svc.cluster.local",
    "sub": "system:serviceaccount:openfaas:my-app",
    "aud": ["https://gateway.example.com"],
    "exp": 1700007200, "iat": 1700000000, "nbf": 1700000000, "jti": "fuzz",
    "kubernetes.io": {"namespace": "openfaas", "serviceaccount": {"name": "my-app"}}
  })").as_object();
  return claims;
}

void check_decision(const iam::Engine& engine, const boost::json::object& claims, const iam::Engine::Subject& who,
                    iam::Action action, const iam::Resource& resource) {
  const iam::Decision decision = engine.decide(who, action, resource);
  const iam::Explanation explanation = iam::explain(engine, claims, action, resource);
  if (explanation.allowed != decision.allowed) fail("explain() and decide() disagree");
  (void)iam::to_json(explanation);
  (void)iam::to_text(explanation);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto loaded = iam::load_yaml(text, "fuzz.yaml");
  if (!loaded) {
    if (loaded.error().empty()) fail("load failed without an error");
    return 0;
  }
  (void)iam::lint(loaded->objects);
  auto compiled = iam::Engine::compile(loaded->objects);
  if (!compiled) fail("a set that loads does not compile");
  const iam::Engine& engine = **compiled;

  // The subject token at the exchange: the roles it matches and the policies they grant.
  const auto& subject = subject_claims();
  const iam::RoleMatch match = engine.match_roles(subject);
  for (const auto& policy : match.policies) {
    bool named = false;
    for (const auto& role : engine.objects().roles) {
      bool matched = false;
      for (const auto& r : match.roles) matched = matched || r == role.meta.name;
      for (const auto& p : role.policy) named = named || (matched && p == policy);
    }
    if (!named) fail("match_roles() returned a policy no matched role names");
  }
  (void)engine.trace_roles(subject);

  // An access token naming every policy of the set (and one that does not exist).
  boost::json::object access = subject;
  boost::json::array names;
  for (const auto& p : engine.objects().policies) names.emplace_back(p.meta.name);
  names.emplace_back("no-such-policy");
  access["policy"] = std::move(names);

  const iam::Engine::Subject by_roles = engine.subject(match.policies, subject);
  const iam::Engine::Subject by_token = engine.subject(access);
  const iam::Resource resources[] = {iam::Resource::cluster(), iam::Resource::namespace_of("dev"),
                                     iam::Resource::function("openfaas-fn", "hello")};
  for (auto action : iam::all_actions()) {
    for (const auto& resource : resources) {
      check_decision(engine, subject, by_roles, action, resource);
      check_decision(engine, access, by_token, action, resource);
    }
    (void)engine.may_list(by_token, action);
    (void)engine.allowed_resources(by_token, action);
    (void)engine.namespace_visible(by_token, action, "dev");
    (void)engine.function_visible(by_token, action, "openfaas-fn", "hello");
  }
  return 0;
}
