#pragma once
// A local stand-in for Kubernetes' service-account token projection, to try the whole flow on one
// machine: an ES256 key in <data-dir>/local-issuer/, tokens shaped like the kubelet's, and the
// JwtIssuer manifest (keys inline) that makes the gateway trust it.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "faasgate/core/clock.hpp"
#include "faasgate/core/result.hpp"
#include "faasgate/jose/jwt.hpp"

namespace faasgate::app {

inline constexpr const char* kKubernetesIssuer = "https://kubernetes.default.svc.cluster.local";

core::Expected<jose::Signer, std::string> load_or_create_local_issuer(const std::filesystem::path& data_dir);

struct ProjectedToken {
  std::string issuer = kKubernetesIssuer;
  std::string subject;                // system:serviceaccount:<ns>:<name>
  std::vector<std::string> audience;
  std::chrono::seconds ttl{7200};
};

// Claims as a kubelet writes them: iss, sub, aud (a list), exp, iat, nbf = iat, jti and, for a
// service-account subject, the nested kubernetes.io object.
boost::json::object projected_token_claims(const ProjectedToken& spec, core::Instant now, const std::string& jti);

// The JwtIssuer manifest (YAML) trusting this local issuer, with its key set inline.
std::string local_issuer_manifest(const jose::Signer& signer, const std::string& issuer,
                                  const std::vector<std::string>& audience, const std::string& token_expiry);

}  // namespace faasgate::app
