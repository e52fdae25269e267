#pragma once
// The IAM objects (reference §1), as loaded from Kubernetes-style manifests.
// apiVersion iam.openfaas.com/v1; kinds JwtIssuer, Policy, Role.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace faasgate::iam {

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // usually "openfaas"
  std::string source;      // file the object came from, for messages
  int line = 0;            // 1-based line of the object's document in `source`; 0 when unknown
};

struct JwtIssuer {
  ObjectMeta meta;
  std::string iss;                                 // required; equals the token's iss exactly
  std::vector<std::string> aud;                    // required, non-empty
  std::optional<std::chrono::seconds> token_expiry;  // lifetime of tokens minted from this issuer
  std::optional<std::string> iss_internal;         // base URL for discovery instead of iss
  std::optional<std::string> jwks_url;             // beyond: fetch keys here, skip discovery
  std::optional<std::string> jwks;                 // beyond: inline key set (JSON text)
  std::optional<std::string> ca_file;              // beyond: TLS trust anchor for fetches
  std::vector<std::string> algorithms;             // beyond: allow-list (names); empty = default
  std::optional<std::chrono::seconds> leeway;      // beyond: clock skew
};

enum class Effect { allow, deny };

// Condition block: operator -> key -> accepted values. Every operator must hold, every key under an
// operator must hold, any one value of a key is enough.
using Condition = std::map<std::string, std::map<std::string, std::vector<std::string>>>;

struct Statement {
  std::string sid;
  Effect effect = Effect::allow;
  std::vector<std::string> action;
  std::vector<std::string> resource;
  Condition condition;
};

struct Policy {
  ObjectMeta meta;
  std::vector<Statement> statement;
};

struct Role {
  ObjectMeta meta;
  std::vector<std::string> policy;
  std::map<std::string, std::vector<std::string>> principal;  // e.g. "jwt:sub" -> [...]
  Condition condition;
};

struct ObjectSet {
  std::vector<JwtIssuer> issuers;
  std::vector<Policy> policies;
  std::vector<Role> roles;
};

}  // namespace faasgate::iam
