// ClientCredentialsTokenSource over a FakeTransport: the form, which token is taken, the cache,
// and errors that carry the IdP's words and never the secret.
#include <gtest/gtest.h>

#include "faasgate/core/form.hpp"
#include "faasgate/sdk/token_source.hpp"
#include "fake_transport.hpp"

namespace faasgate::sdk {
namespace {

using testing::FakeTransport;
using testing::answer;

constexpr const char* kSecret = "s3cr3t-client-value";

ClientCredentials credentials() {
  ClientCredentials c;
  c.token_url = "https://idp.example/oauth2/token?tenant=x";
  c.client_id = "my-client";
  c.client_secret = core::Secret(kSecret);
  c.scope = "openid profile";
  c.audience = "https://gw.example";
  return c;
}

std::shared_ptr<FakeTransport> idp(int status, std::string body) {
  return std::make_shared<FakeTransport>(
      [status, body = std::move(body)](const HttpRequest&) -> Result<HttpResponse> { return answer(status, body); });
}

TEST(ClientCredentialsTokenSource, PostsTheClientCredentialsFormAndPrefersTheIdToken) {
  auto transport = idp(200, R"({"access_token":"access.jwt","id_token":"id.jwt","expires_in":3600})");
  ClientCredentialsTokenSource source(credentials(), transport);
  auto token = source.token();
  ASSERT_TRUE(token.has_value()) << token.error();
  EXPECT_EQ(token->reveal(), "id.jwt");
  auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, credentials().token_url);
  core::FormParams form;
  ASSERT_TRUE(core::decode_form(requests[0].body, form));
  const core::FormParams expected = {{"client_id", "my-client"},   {"client_secret", kSecret},
                                     {"grant_type", "client_credentials"}, {"scope", "openid profile"},
                                     {"audience", "https://gw.example"}};
  EXPECT_EQ(form, expected);
}

TEST(ClientCredentialsTokenSource, EmptyFieldsAreNotSentAndAnAccessTokenServesWithoutAnIdToken) {
  auto c = credentials();
  c.scope.clear();
  c.audience.clear();
  auto transport = idp(200, R"({"access_token":"access.jwt","expires_in":3600})");
  ClientCredentialsTokenSource source(c, transport);
  EXPECT_EQ(source.token()->reveal(), "access.jwt");
  core::FormParams form;
  ASSERT_TRUE(core::decode_form(transport->requests().at(0).body, form));
  EXPECT_FALSE(core::form_value(form, "scope"));
  EXPECT_FALSE(core::form_value(form, "audience"));
}

TEST(ClientCredentialsTokenSource, KeepsTheAnswerUntilTheMarginBeforeItsExpiry) {
  auto transport = idp(200, R"({"id_token":"id.jwt","expires_in":3600})");
  ClientCredentialsTokenSource source(credentials(), transport);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(source.token()->reveal(), "id.jwt");
  EXPECT_EQ(transport->count(), 1u);
}

TEST(ClientCredentialsTokenSource, AnAnswerWithoutExpiryOrShorterThanTheMarginIsUsedOnce) {
  for (const char* body : {R"({"id_token":"id.jwt"})", R"({"id_token":"id.jwt","expires_in":20})"}) {
    auto transport = idp(200, body);
    ClientCredentialsTokenSource source(credentials(), transport);  // margin 30 s
    EXPECT_TRUE(source.token().has_value());
    EXPECT_TRUE(source.token().has_value());
    EXPECT_EQ(transport->count(), 2u) << body;
  }
}

TEST(ClientCredentialsTokenSource, AnIdpErrorCarriesItsWordsButNeverTheSecret) {
  auto transport = idp(401, std::string(R"({"error":"invalid_client","error_description":"bad secret )") + kSecret + R"("})");
  ClientCredentialsTokenSource source(credentials(), transport);
  auto token = source.token();
  ASSERT_FALSE(token.has_value());
  EXPECT_NE(token.error().find("invalid_client"), std::string::npos) << token.error();
  EXPECT_NE(token.error().find("401"), std::string::npos) << token.error();
  EXPECT_NE(token.error().find("https://idp.example/oauth2/token"), std::string::npos) << token.error();
  EXPECT_EQ(token.error().find("tenant=x"), std::string::npos) << token.error();
  EXPECT_EQ(token.error().find(kSecret), std::string::npos) << token.error();
}

TEST(ClientCredentialsTokenSource, ATransportFailureOrAnAnswerWithoutATokenIsAnError) {
  auto down = std::make_shared<FakeTransport>([](const HttpRequest& r) -> Result<HttpResponse> {
    return core::fail(Error{ErrorKind::transport, "connection refused while sending " + r.body});
  });
  auto refused = ClientCredentialsTokenSource(credentials(), down).token();
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().find("connection refused"), std::string::npos);
  EXPECT_EQ(refused.error().find(kSecret), std::string::npos) << refused.error();

  for (const char* body : {"not json", R"({"token_type":"Bearer"})", R"({"id_token":"a b"})"}) {
    auto token = ClientCredentialsTokenSource(credentials(), idp(200, body)).token();
    EXPECT_FALSE(token.has_value()) << body;
  }
}

}  // namespace
}  // namespace faasgate::sdk
