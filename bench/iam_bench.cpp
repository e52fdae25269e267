// Authorization: decisions per second with 10,000 Policies and 10,000 Roles loaded, the time to
// compile them, and authorized API requests with a Bearer token against the same request with
// basic auth, side by side.
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "faasgate/core/base64.hpp"
#include "faasgate/iam/engine.hpp"
#include "faasgate/jose/jwt.hpp"
#include "gateway_process.hpp"
#include "load.hpp"
#include "report.hpp"

namespace faasgate::bench {

namespace {

iam::ObjectSet synthetic_objects(int n) {
  iam::ObjectSet set;
  for (int i = 0; i < n; ++i) {
    const auto id = std::to_string(i);
    iam::Policy p;
    p.meta = {"policy-" + id, "openfaas", "bench"};
    p.statement.push_back({"read", iam::Effect::allow, {"Function:List", "Function:Get"}, {"team" + id + ":*"}, {}});
    p.statement.push_back({"write", iam::Effect::allow, {"Function:*"}, {"team" + id + ":api-*"}, {}});
    p.statement.push_back({"no-delete", iam::Effect::deny, {"Function:Delete"}, {"team" + id + ":api-core"}, {}});
    set.policies.push_back(std::move(p));
    iam::Role r;
    r.meta = {"role-" + id, "openfaas", "bench"};
    r.policy = {"policy-" + id};
    r.principal["jwt:sub"] = {"system:serviceaccount:team" + id + ":ci"};
    r.condition["StringEqual"]["jwt:iss"] = {"https://kubernetes.default.svc.cluster.local"};
    set.roles.push_back(std::move(r));
  }
  return set;
}

}  // namespace

void run_iam_bench(const std::filesystem::path& bin_dir) {
  print_header("Authorization with 10,000 Policies and 10,000 Roles");
  auto objects = synthetic_objects(10'000);
  auto t0 = std::chrono::steady_clock::now();
  auto engine = iam::Engine::compile(objects);
  auto compile_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!engine) throw std::runtime_error("the synthetic objects do not compile");
  print_figure("compile 10,000 Policies + 10,000 Roles (parsed objects)", compile_ms, "ms");
  std::printf("  %-58s %s\n", "  (target: under 1 s)", compile_ms < 1000 ? "met" : "NOT met");

  boost::json::object claims{{"iss", "https://kubernetes.default.svc.cluster.local"},
                             {"sub", "system:serviceaccount:team4242:ci"}};
  const std::vector<std::string> names{"policy-4242", "policy-17", "policy-9000"};
  auto who = (*engine)->subject(std::span<const std::string>(names), claims);
  const auto resource = iam::Resource::function("team4242", "api-users");
  // Median of batches: each sample is the mean of 1,000 decisions (a clock read costs ~20 ns).
  std::vector<double> samples;
  std::uint64_t allowed = 0;
  for (int batch = 0; batch < 2000; ++batch) {
    auto b0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000; ++i) allowed += (*engine)->decide(who, iam::Action::function_update, resource).allowed;
    samples.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - b0).count() / 1000);
  }
  std::nth_element(samples.begin(), samples.begin() + static_cast<long>(samples.size() / 2), samples.end());
  const double median_ns = samples[samples.size() / 2];
  if (allowed != 2'000'000) throw std::runtime_error("the bench decision should be allowed");
  print_figure("decision (3 policies named, Deny checked): median", median_ns, "ns");
  print_figure("decisions per second, one core", 1e9 / median_ns, "decisions/s");
  std::printf("  %-58s %s\n", "  (target: median under 1 us)", median_ns < 1000 ? "met" : "NOT met");
  auto m0 = std::chrono::steady_clock::now();
  std::size_t matched = 0;
  for (int i = 0; i < 100'000; ++i) matched += (*engine)->match_roles(claims).policies.size();
  print_figure("role matching at the exchange (10,000 Roles): mean",
               std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - m0).count() / 100'000, "ns");
  (void)matched;

  // Bearer versus basic auth on the same authorized request.
  auto dir = make_temp_dir();
  std::filesystem::create_directories(dir / "iam");
  auto idp = jose::Signer::generate();
  boost::json::object jwks{{"keys", boost::json::array{idp.public_key().to_jwk()}}};
  std::ofstream(dir / "iam" / "objects.yaml")
      << "apiVersion: iam.openfaas.com/v1\nkind: JwtIssuer\nmetadata: {name: k8s, namespace: openfaas}\nspec:\n"
         "  iss: https://kubernetes.default.svc.cluster.local\n  aud: [https://gw]\n  jwks: "
      << boost::json::serialize(jwks)
      << "\n---\napiVersion: iam.openfaas.com/v1\nkind: Policy\nmetadata: {name: reader, namespace: openfaas}\n"
         "spec:\n  statement:\n  - {sid: list, effect: Allow, action: [\"Function:List\"], resource: [\"openfaas-fn:*\"]}\n"
         "---\napiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata: {name: ci, namespace: openfaas}\n"
         "spec:\n  policy: [reader]\n  principal: {\"jwt:sub\": [\"ci\"]}\n";
  GatewayProcess gateway(bin_dir / "faasgate", {"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "off", "--data-dir", (dir / "data").string(),
                                                "--iam-dir", (dir / "iam").string(), "--log-level", "warn"});
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  auto subject = *idp.sign({{"iss", "https://kubernetes.default.svc.cluster.local"}, {"sub", "ci"},
                            {"aud", "https://gw"}, {"iat", now}, {"exp", now + 3600}});
  auto exchanged = http_call(gateway.port(), "POST",
                             "/oauth/token?grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token_type="
                             "urn:ietf:params:oauth:token-type:id_token&subject_token=" + subject, "");
  auto at = exchanged.body.find("\"access_token\":\"");
  if (exchanged.status != 200 || at == std::string::npos) throw std::runtime_error("bench exchange failed: " + exchanged.body);
  const auto bearer = "Bearer " + exchanged.body.substr(at + 16, exchanged.body.find('"', at + 16) - at - 16);
  std::ifstream in(dir / "data" / "admin-password");
  std::string password;
  std::getline(in, password);
  const std::string pair = "admin:" + password;
  const auto basic = "Basic " + core::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(pair.data()), pair.size()));

  LoadSpec spec;
  spec.port = gateway.port();
  spec.target = "/system/functions";
  spec.connections = 32;
  spec.extra_headers = {{"Authorization", basic}};
  auto with_basic = run_load(spec);
  spec.extra_headers = {{"Authorization", bearer}};
  auto with_bearer = run_load(spec);
  print_figure("GET /system/functions with basic auth (admin)", with_basic.rate(), "req/s");
  print_figure("GET /system/functions with a Bearer token (IAM decision)", with_bearer.rate(), "req/s");
  print_ratio("Bearer / basic", with_bearer.rate() / with_basic.rate(), 0.80);
  if (with_basic.errors || with_bearer.errors)
    print_figure("ERRORS", static_cast<double>(with_basic.errors + with_bearer.errors), "");
  std::filesystem::remove_all(dir);
}

}  // namespace faasgate::bench
