#pragma once
// Test-only helpers: issuer specs, key sets and signed tokens.
#include <boost/json/serialize.hpp>

#include <initializer_list>
#include <string>
#include <vector>

#include "faasgate/iam/objects.hpp"
#include "faasgate/jose/jwk.hpp"
#include "faasgate/jose/jwt.hpp"

namespace faasgate::oidc::testing {

inline iam::JwtIssuer issuer_spec(std::string iss, std::vector<std::string> aud = {"https://gateway.example.com"}) {
  iam::JwtIssuer spec;
  spec.meta.name = "test";
  spec.meta.namespace_ = "openfaas";
  spec.iss = std::move(iss);
  spec.aud = std::move(aud);
  return spec;
}

inline std::string jwks_of(std::initializer_list<const jose::Signer*> signers) {
  std::vector<jose::PublicKey> keys;
  for (const auto* s : signers) keys.push_back(s->public_key());
  return boost::json::serialize(jose::KeySet(std::move(keys)).to_json());
}

inline std::string sign(const jose::Signer& signer, const boost::json::object& claims) {
  auto token = signer.sign(claims);
  if (!token) throw std::runtime_error("signing failed: " + token.error().detail);
  return *token;
}

}  // namespace faasgate::oidc::testing
