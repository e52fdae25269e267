// Token exchange over loopback HTTP versus the crypto bound of the same work.
//
// The bound: one subject-token verification plus one ES256 signature per exchange, done with
// OpenSSL directly on every core. The exchange: `faasgate serve` answering POST /oauth/token from
// keep-alive clients. Between the two, the exchange's own code without HTTP (form body in, JSON
// out, in this process on every core) shows how much of the gap is the exchange and how much is
// HTTP. All run in this process's one invocation, side by side.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json/serialize.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "faasgate/core/base64.hpp"
#include "faasgate/core/form.hpp"
#include "faasgate/core/openssl.hpp"
#include "faasgate/http_client/http_client.hpp"
#include "faasgate/iam/engine.hpp"
#include "faasgate/iam/loader.hpp"
#include "faasgate/jose/ecdsa_signature.hpp"
#include "faasgate/jose/jwk.hpp"
#include "faasgate/jose/jwt.hpp"
#include "faasgate/jose/prepared_context.hpp"
#include "faasgate/oauth/exchange.hpp"
#include "faasgate/oidc/issuers.hpp"
#include "faasgate/oidc/key_cache.hpp"
#include "gateway_process.hpp"
#include "load.hpp"
#include "report.hpp"

namespace faasgate::bench {

namespace {

using core::PKeyPtr;

PKeyPtr generate_rsa() {
  PKeyPtr key(EVP_RSA_gen(2048));
  if (!key) throw std::runtime_error("RSA key generation failed");
  return key;
}

PKeyPtr generate_p256() {
  PKeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) throw std::runtime_error("EC key generation failed");
  return key;
}

// One signature with a fresh context (key setup only; the bench's own subject tokens).
std::vector<std::uint8_t> digest_sign(EVP_PKEY* key, std::string_view data) {
  core::MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    throw std::runtime_error("sign failed");
  std::vector<std::uint8_t> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    throw std::runtime_error("sign failed");
  sig.resize(len);
  return sig;
}

// The bound's operations use contexts set up once per thread and key and copied for each use
// (jose::detail::prepared_context, a thin wrapper over EVP_MD_CTX_copy_ex): the cheapest way we
// know to do this work with OpenSSL, so that the bound stays a bound.
bool bound_verify(jose::Algorithm alg, EVP_PKEY* key, std::string_view data, const std::vector<std::uint8_t>& sig) {
  OSSL_PARAM pkcs1[] = {OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                                          const_cast<char*>(OSSL_PKEY_RSA_PAD_MODE_PKCSV15), 0),
                        OSSL_PARAM_construct_end()};
  auto ctx = jose::detail::prepared_context(jose::detail::Operation::verify, alg, key, "SHA256",
                                            alg == jose::Algorithm::RS256 ? pkcs1 : nullptr);
  return ctx && EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(data.data()),
                                 data.size()) == 1;
}

void bound_sign(EVP_PKEY* key, std::string_view data) {
  auto ctx = jose::detail::prepared_context(jose::detail::Operation::sign, jose::Algorithm::ES256, key, "SHA256", nullptr);
  unsigned char sig[80];
  std::size_t len = sizeof sig;
  if (!ctx || EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    throw std::runtime_error("bound: sign failed");
}

struct SubjectIssuer {
  std::string alg;  // RS256 or ES256
  std::string iss;
  core::SharedPKey key;
  std::string kid;

  std::string sign(const boost::json::object& claims) const {
    auto header = boost::json::serialize(boost::json::object{{"alg", alg}, {"kid", kid}, {"typ", "JWT"}});
    std::string input = core::base64url_encode(header) + "." + core::base64url_encode(boost::json::serialize(claims));
    auto sig = digest_sign(key.get(), input);
    if (alg == "ES256") sig = *jose::detail::ecdsa_der_to_raw(jose::KeyType::ec_p256, sig);
    return input + "." + core::base64url_encode(sig);
  }

  std::string manifest(const std::string& name, const std::string& aud) const {
    auto alg_enum = jose::algorithm_from_name(alg);
    auto pub = jose::PublicKey::from_evp(key, kid, alg_enum);
    if (!pub) throw std::runtime_error("cannot export the bench key");
    boost::json::object jwks{{"keys", boost::json::array{pub->to_jwk()}}};
    return "apiVersion: iam.openfaas.com/v1\nkind: JwtIssuer\nmetadata:\n  name: " + name +
           "\n  namespace: openfaas\nspec:\n  iss: " + iss + "\n  aud: [\"" + aud + "\"]\n  tokenExpiry: 1h\n  jwks: " +
           boost::json::serialize(jwks) + "\n";
  }
};

// Crypto bound: what one exchange must cost at least - verify the subject token, sign the access
// token with ES256 - measured with OpenSSL alone on every core.
double crypto_bound(const SubjectIssuer& subject, const std::string& token, EVP_PKEY* gateway_key, unsigned threads) {
  auto dot = token.rfind('.');
  std::string input = token.substr(0, dot);
  auto sig = *core::base64url_decode(std::string_view(token).substr(dot + 1));
  std::vector<std::uint8_t> der_sig = sig;
  if (subject.alg == "ES256") der_sig = *jose::detail::ecdsa_raw_to_der(jose::KeyType::ec_p256, sig);  // OpenSSL verifies DER
  std::string claims(420, 'x');  // an access token's claims are about this long
  return measure_rate(threads, std::chrono::milliseconds(3000), [&] {
    if (!bound_verify(jose::algorithm_from_name(subject.alg).value(), subject.key.get(), input, der_sig))
      throw std::runtime_error("bound: verify failed");
    bound_sign(gateway_key, claims);
  });
}

// Refuses every fetch: the bench's issuers carry their keys inline.
class NoFetcher final : public http_client::HttpClient {
 public:
  http_client::Result send(const http_client::Request&) override {
    return core::fail(http_client::Error{http_client::Errc::transport, "the bench never fetches"});
  }
};

// The exchange's own work without HTTP: the form body decoded, the request parsed, the subject
// token verified, roles matched, the access token minted and signed, the response serialised -
// the gateway's code path from the request body to the response body, on every core.
double in_process_exchange(const std::string& manifests, const std::string& aud, const std::string& body,
                           unsigned threads) {
  auto loaded = iam::load_yaml(manifests, "bench");
  if (!loaded) throw std::runtime_error("bench manifests do not load");
  auto issuers = oidc::IssuerSet::build(loaded->objects.issuers);
  auto engine = iam::Engine::compile(loaded->objects);
  if (!issuers || !engine) throw std::runtime_error("bench manifests do not compile");
  NoFetcher fetcher;
  oidc::KeyCache cache(fetcher);
  oauth::ExchangeState state;
  state.verifier = std::make_shared<oidc::SubjectTokenVerifier>(*issuers, cache);
  state.engine = *engine;
  std::vector<oauth::IssuerKey> keys;
  keys.push_back({jose::Signer::generate(), core::from_unix(0)});
  state.keys = std::make_shared<oauth::KeyRing>(std::move(keys), std::chrono::hours(3));
  oauth::TokenExchange exchange(aud);
  return measure_rate(threads, std::chrono::milliseconds(3000), [&] {
    oauth::Params params;
    if (!core::decode_form(body, params)) throw std::runtime_error("in-process: bad form");
    auto request = oauth::parse_token_request(params);
    if (!request) throw std::runtime_error("in-process: bad request");
    auto result = exchange.exchange(*request, state, core::SystemClock().now(), oidc::FetchMode::cache_only);
    if (!result) throw std::runtime_error("in-process: exchange refused: " + result.error().error.description);
    auto json = boost::json::serialize(oauth::to_json(*result));
    if (json.empty()) throw std::runtime_error("in-process: empty response");
  });
}

}  // namespace

void run_exchange_bench(const std::filesystem::path& bin_dir) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  print_header("Token exchange (POST /oauth/token) over loopback HTTP vs. the crypto bound, " + std::to_string(cores) +
               " cores");
  const std::string aud = "https://gateway.bench";
  SubjectIssuer rs{"RS256", "https://rs.bench", core::share(generate_rsa()), "rs-1"};
  SubjectIssuer es{"ES256", "https://es.bench", core::share(generate_p256()), "es-1"};

  auto dir = make_temp_dir();
  std::filesystem::create_directories(dir / "iam");
  const std::string issuer_manifests = rs.manifest("rs", aud) + "---\n" + es.manifest("es", aud);
  const std::string role_manifests =
      "apiVersion: iam.openfaas.com/v1\nkind: Policy\nmetadata:\n  name: p\n  namespace: openfaas\nspec:\n"
         "  statement:\n  - sid: s\n    effect: Allow\n    action: [\"Function:List\"]\n    resource: [\"dev:*\"]\n"
         "---\napiVersion: iam.openfaas.com/v1\nkind: Role\nmetadata:\n  name: r\n  namespace: openfaas\nspec:\n"
         "  policy: [p]\n  principal:\n    jwt:sub: [\"system:serviceaccount:dev:bench\"]\n";
  std::ofstream(dir / "iam" / "issuers.yaml") << issuer_manifests;
  std::ofstream(dir / "iam" / "role.yaml") << role_manifests;

  GatewayProcess gateway(bin_dir / "faasgate", {"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "off", "--data-dir", (dir / "data").string(),
                                                "--iam-dir", (dir / "iam").string(), "--log-level", "warn"});
  // The gateway's signing key is generated at start; the bound uses a P-256 key of its own.
  auto gateway_key = generate_p256();

  // What HTTP alone costs here (loopback TCP, the load generator and the server sharing the same
  // cores): the rate of the cheapest route. An exchange cannot beat 1 / (1/this + 1/bound).
  LoadSpec floor_spec;
  floor_spec.port = gateway.port();
  floor_spec.target = "/healthz";
  floor_spec.connections = 32;
  floor_spec.observe = {gateway.pid()};
  const auto floor_load = run_load(floor_spec);
  const double http_floor = floor_load.rate();
  print_figure("HTTP alone: GET /healthz on the same server and client", http_floor, "req/s");
  print_cpu("HTTP alone", floor_load, {"server"});

  for (const SubjectIssuer* issuer : {&rs, &es}) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    boost::json::object claims{{"iss", issuer->iss}, {"sub", "system:serviceaccount:dev:bench"},
                               {"aud", boost::json::array{aud}}, {"iat", now}, {"nbf", now}, {"exp", now + 3600},
                               {"jti", "bench"},
                               {"kubernetes.io", boost::json::object{{"namespace", "dev"},
                                                                     {"serviceaccount", boost::json::object{{"name", "bench"}}}}}};
    std::string token = issuer->sign(claims);
    double bound = crypto_bound(*issuer, token, gateway_key.get(), cores);

    LoadSpec spec;
    spec.port = gateway.port();
    spec.method = "POST";
    spec.target = "/oauth/token";
    spec.content_type = "application/x-www-form-urlencoded";
    std::string body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token_type="
                       "urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token&subject_token=" + token;
    spec.body = [&](std::uint64_t) { return body; };
    spec.connections = 32;
    spec.observe = {gateway.pid()};
    auto load = run_load(spec);
    const double logic = in_process_exchange(issuer_manifests + "---\n" + role_manifests, aud, body, cores);

    print_figure(issuer->alg + " subject: crypto bound (verify + ES256 sign)", bound, "exchanges/s");
    print_figure(issuer->alg + " subject: exchange in-process (form to JSON, no HTTP)", logic, "exchanges/s");
    print_figure(issuer->alg + " subject: exchange over HTTP", load.rate(), "exchanges/s");
    print_figure(issuer->alg + " subject: median / p99 latency", load.percentile(50), "us");
    print_figure(issuer->alg + " subject:                  p99", load.percentile(99), "us");
    print_figure(issuer->alg + " subject: CPU per exchange in-process", 1e6 * cores / logic, "us");
    print_cpu(issuer->alg + " subject", load, {"gateway"});
    if (load.errors) print_figure(issuer->alg + " subject: ERRORS", static_cast<double>(load.errors), "");
    print_ratio(issuer->alg + " subject: exchange / bound", load.rate() / bound, 0.70);
    // The best an exchange over HTTP could do here: the crypto plus what HTTP alone costs the
    // server and the load generator on the same cores, with the exchange's own code free.
    const double ceiling = 1.0 / (1.0 / http_floor + 1.0 / bound);
    char share[64];
    std::snprintf(share, sizeof share, "exchanges/s (%.1f%% of the bound)", 100 * ceiling / bound);
    print_figure(issuer->alg + " subject: best possible here (crypto + HTTP alone)", ceiling, share);
    print_share(issuer->alg + " subject: exchange / best possible", load.rate() / ceiling);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace faasgate::bench
