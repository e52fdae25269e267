// Cross-check with an independent implementation (Debian's python3-jwcrypto): tokens it signs
// verify here, tokens the Signer makes verify there, and both compute the same RFC 7638
// thumbprint. The script fails (and so does this test) if jwcrypto is not installed.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <sstream>

#include "faasgate/core/base64.hpp"
#include "faasgate/jose/jwt.hpp"

namespace faasgate::jose {
namespace {

namespace json = boost::json;

struct Run {
  int status;
  std::string output;
};

// Arguments are base64url, JWS compact text or fixed words: nothing the shell would interpret.
Run run_script(const std::string& arguments) {
  std::string command = std::string(FAASGATE_SYSTEM_PYTHON) + " " + FAASGATE_SOURCE_DIR +
                        "/src/lib/jose/testdata/jwcrypto_interop.py " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(InteropJwcrypto, JwcryptoSignsWeVerify) {
  auto run = run_script("sign");
  ASSERT_EQ(run.status, 0) << run.output;
  std::istringstream lines(run.output);
  std::string line;
  std::set<std::string> seen;
  const auto now = core::from_unix(std::time(nullptr));
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::istringstream split(line);
    for (std::string field; std::getline(split, field, '\t');) fields.push_back(field);
    ASSERT_EQ(fields.size(), 4u) << line;
    const auto& [alg_name, jwk_text, token, their_thumbprint] = std::tie(fields[0], fields[1], fields[2], fields[3]);
    SCOPED_TRACE(alg_name);
    auto alg = algorithm_from_name(alg_name);
    ASSERT_TRUE(alg);
    auto keys = KeySet::parse(R"({"keys":[)" + jwk_text + "]}");
    ASSERT_TRUE(keys) << keys.error().detail;
    ASSERT_EQ(keys->keys().size(), 1u);
    EXPECT_EQ(keys->keys()[0].thumbprint(), their_thumbprint);

    auto parsed = UnverifiedJwt::parse(token);
    ASSERT_TRUE(parsed) << parsed.error().detail;
    EXPECT_EQ(parsed->header().alg, *alg);
    EXPECT_EQ(parsed->unverified_issuer(), "https://jwcrypto.interop.test");
    auto verified = verify(*parsed, *keys, std::array{*alg});
    ASSERT_TRUE(verified) << to_string(verified.error().code) << ": " << verified.error().detail;
    EXPECT_EQ(verified->key_id(), "jwcrypto-" + alg_name);
    ClaimRules rules{"https://jwcrypto.interop.test", {"faasgate"}};
    auto valid = validate(*verified, rules, now);
    EXPECT_TRUE(valid) << (valid ? "" : valid.error().detail);
    // Tampering with the claims breaks it.
    auto dot = token.find('.');
    auto forged = token.substr(0, dot + 1) + core::base64url_encode(std::string_view(R"({"iss":"x"})")) +
                  token.substr(token.find('.', dot + 1));
    auto forged_parsed = UnverifiedJwt::parse(forged);
    ASSERT_TRUE(forged_parsed);
    EXPECT_FALSE(verify(*forged_parsed, *keys, std::array{*alg}));
    seen.insert(alg_name);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"}));
}

TEST(InteropJwcrypto, WeSignJwcryptoVerifies) {
  auto signer = Signer::generate();
  const auto now = std::time(nullptr);
  json::object claims{{"iss", "https://faasgate.test"}, {"aud", "interop"}, {"sub", "signer"},
                      {"iat", now}, {"exp", now + 300}};
  auto token = signer.sign(claims);
  ASSERT_TRUE(token) << token.error().detail;
  auto jwk_text = json::serialize(signer.public_key().to_jwk());
  auto run = run_script("verify " + core::base64url_encode(std::string_view(jwk_text)) + " " + *token + " " +
                        signer.kid());
  ASSERT_EQ(run.status, 0) << run.output;
  auto echoed = json::parse(run.output);
  EXPECT_EQ(echoed.as_object(), claims);
}

TEST(InteropJwcrypto, JwcryptoRejectsOurForgery) {
  auto signer = Signer::generate();
  auto token = signer.sign(json::object{{"iss", "a"}, {"exp", std::time(nullptr) + 300}});
  ASSERT_TRUE(token);
  std::string forged = *token;
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  auto jwk_text = json::serialize(signer.public_key().to_jwk());
  auto run = run_script("verify " + core::base64url_encode(std::string_view(jwk_text)) + " " + forged + " " +
                        signer.kid());
  EXPECT_NE(run.status, 0) << run.output;
}

}  // namespace
}  // namespace faasgate::jose
