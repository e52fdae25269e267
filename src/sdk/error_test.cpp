// The small pieces every call leans on: errors, the header lookup, form escaping, Basic and
// Bearer headers.
#include <gtest/gtest.h>

#include "faasgate/sdk/auth.hpp"
#include "faasgate/sdk/error.hpp"
#include "faasgate/sdk/http.hpp"

namespace faasgate::sdk {
namespace {

TEST(StatusError, EachStatusTheApiDocumentsHasItsKindAndTheRestAreUnexpected) {
  EXPECT_EQ(status_error("x", 400, "").kind, ErrorKind::bad_request);
  EXPECT_EQ(status_error("x", 401, "").kind, ErrorKind::unauthorized);
  EXPECT_EQ(status_error("x", 403, "").kind, ErrorKind::forbidden);
  EXPECT_EQ(status_error("x", 404, "").kind, ErrorKind::not_found);
  EXPECT_EQ(status_error("x", 409, "").kind, ErrorKind::conflict);
  EXPECT_EQ(status_error("x", 500, "").kind, ErrorKind::unexpected_status);
  EXPECT_EQ(status_error("x", 302, "").kind, ErrorKind::unexpected_status);
  EXPECT_EQ(status_error("x", 429, "").kind, ErrorKind::unexpected_status);
}

TEST(StatusError, TheMessageSaysWhatWasAskedTheStatusAndTheBodysFirstLine) {
  auto e = status_error("get function f", 404, "No such function: f\nmore detail\n");
  EXPECT_EQ(e.message, "get function f: the gateway answered 404 Not Found: No such function: f");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.body, "No such function: f\nmore detail\n");
  EXPECT_EQ(status_error("deploy", 418, "").message, "deploy: the gateway answered 418");
}

TEST(StatusError, TheBodyIsCappedAndTheMessageStaysOneBoundedLine) {
  std::string body(Error::kMaxBody * 3, 'b');
  auto e = status_error("x", 500, body);
  EXPECT_EQ(e.body.size(), Error::kMaxBody);
  EXPECT_LT(e.message.size(), 400u);
  auto escaped = status_error("x", 500, "evil\x1b[31m text");
  EXPECT_EQ(escaped.message.find('\x1b'), std::string::npos);
}

TEST(ErrorDescribe, AddsTheStatusAndTheOAuthErrorOnlyWhenTheMessageLacksThem) {
  Error plain{ErrorKind::transport, "connection refused"};
  EXPECT_EQ(plain.describe(), "connection refused");
  Error with_status{ErrorKind::unexpected_status, "it failed"};
  with_status.status = 502;
  EXPECT_EQ(with_status.describe(), "it failed (HTTP 502)");
  auto from_status = status_error("x", 404, "gone");
  EXPECT_EQ(from_status.describe(), from_status.message);
  Error oauth{ErrorKind::exchange, "refused"};
  oauth.oauth_error = "invalid_request";
  oauth.oauth_description = "bad token";
  EXPECT_EQ(oauth.describe(), "refused (invalid_request: bad token)");
  Error multi{ErrorKind::transport, "a\nb"};
  EXPECT_EQ(multi.describe().find('\n'), std::string::npos);
  EXPECT_EQ(Error{ErrorKind::timeout}.describe(), "timeout");
}

TEST(ErrorKinds, HaveNames) {
  EXPECT_EQ(to_string(ErrorKind::too_large), "too_large");
  EXPECT_EQ(to_string(ErrorKind::token_source), "token_source");
  EXPECT_EQ(to_string(ErrorKind::unexpected_status), "unexpected_status");
}

TEST(HttpResponseHeader, FindsTheFirstValueInAnyCase) {
  HttpResponse r{200, {{"content-type", "text/plain"}, {"x-call-id", "1"}, {"x-call-id", "2"}}, ""};
  ASSERT_NE(r.header("Content-Type"), nullptr);
  EXPECT_EQ(*r.header("Content-Type"), "text/plain");
  EXPECT_EQ(*r.header("X-CALL-ID"), "1");
  EXPECT_EQ(r.header("location"), nullptr);
}

TEST(FormEscape, PassesUnreservedAndEscapesEverythingElseWithoutPlus) {
  EXPECT_EQ(form_escape("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(form_escape("a b+c&d=e/f:g"), "a%20b%2Bc%26d%3De%2Ff%3Ag");
  EXPECT_EQ(form_escape("urn:ietf:params"), "urn%3Aietf%3Aparams");
  EXPECT_EQ(form_escape(std::string("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(form_escape(""), "");
}

TEST(BasicAuth, IsBase64OfUserColonPassword) {
  BasicAuth auth("admin", core::Secret("p@ss:word"));
  auto header = auth.authorization();
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->reveal(), "Basic YWRtaW46cEBzczp3b3Jk");
  EXPECT_FALSE(auth.rejected(*header));  // a password cannot be exchanged for another
}

TEST(BearerAuth, SendsTheTokenItHolds) {
  BearerAuth auth(core::Secret("eyJ.a.b"));
  EXPECT_EQ(auth.authorization()->reveal(), "Bearer eyJ.a.b");
  EXPECT_FALSE(auth.rejected(core::Secret("Bearer eyJ.a.b")));
}

}  // namespace
}  // namespace faasgate::sdk
