#include "local_issuer.hpp"

#include <boost/json/serialize.hpp>

#include <system_error>

#include "faasgate/core/files.hpp"
#include "faasgate/oauth/mint.hpp"

namespace faasgate::app {

namespace fs = std::filesystem;

core::Expected<jose::Signer, std::string> load_or_create_local_issuer(const fs::path& data_dir) {
  auto dir = data_dir / "local-issuer";
  auto path = dir / "key.pem";
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return core::fail("cannot create " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
    auto written = core::write_file_atomic(path, jose::Signer::generate().private_pem(), 0600);
    if (!written) return core::fail(written.error());
  }
  auto pem = core::read_file(path, 16 * 1024);
  if (!pem) return core::fail(pem.error());
  auto signer = jose::Signer::from_pem(*pem);
  if (!signer) return core::fail(path.string() + ": " + signer.error().detail);
  return std::move(*signer);
}

boost::json::object projected_token_claims(const ProjectedToken& spec, core::Instant now, const std::string& jti) {
  const long long t = core::to_unix(now);
  boost::json::array aud;
  for (const auto& a : spec.audience) aud.emplace_back(a);
  boost::json::object claims{{"iss", spec.issuer}, {"sub", spec.subject}, {"aud", std::move(aud)},
                             {"iat", t}, {"nbf", t}, {"exp", t + spec.ttl.count()}, {"jti", jti}};
  constexpr std::string_view prefix = "system:serviceaccount:";
  if (spec.subject.rfind(prefix, 0) == 0) {
    std::string_view rest = std::string_view(spec.subject).substr(prefix.size());
    auto colon = rest.find(':');
    if (colon != std::string_view::npos) {
      claims["kubernetes.io"] = boost::json::object{
          {"namespace", rest.substr(0, colon)},
          {"serviceaccount", boost::json::object{{"name", rest.substr(colon + 1)}, {"uid", oauth::new_token_id()}}},
      };
    }
  }
  return claims;
}

std::string local_issuer_manifest(const jose::Signer& signer, const std::string& issuer,
                                  const std::vector<std::string>& audience, const std::string& token_expiry) {
  jose::KeySet keys({signer.public_key()});
  std::string out =
      "# Trusts faasgate's local stand-in for Kubernetes token projection (faasgate token project).\n"
      "apiVersion: iam.openfaas.com/v1\n"
      "kind: JwtIssuer\n"
      "metadata:\n"
      "  name: kubernetes\n"
      "  namespace: openfaas\n"
      "spec:\n"
      "  iss: " + issuer + "\n"
      "  aud:\n";
  for (const auto& a : audience) out += "  - " + a + "\n";
  out += "  tokenExpiry: " + token_expiry + "\n";
  // JSON is YAML: the key set goes in as one flow mapping.
  out += "  jwks: " + boost::json::serialize(keys.to_json()) + "\n";
  return out;
}

}  // namespace faasgate::app
