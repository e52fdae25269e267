// The fake other modules' tests lean on: it must fail exactly the call it was told to.
#include "faasgate/http_client/fake_http_client.hpp"

#include <gtest/gtest.h>

namespace faasgate::http_client {
namespace {

Request get(std::string url) {
  Request request;
  request.url = std::move(url);
  return request;
}

TEST(FakeHttpClient, FailsExactlyTheNthCall) {
  FakeHttpClient client;
  client.set("https://idp.example.com/keys", "{}", "max-age=60");
  client.fail_call(3, Error{Errc::timeout, "scripted"});
  for (std::size_t call = 1; call <= 5; ++call) {
    auto r = client.send(get("https://idp.example.com/keys"));
    if (call == 3) {
      ASSERT_FALSE(r) << "call " << call;
      EXPECT_EQ(r.error().code, Errc::timeout);
    } else {
      ASSERT_TRUE(r) << "call " << call << ": " << r.error().detail;
      EXPECT_EQ(r->status, 200);
      EXPECT_EQ(r->cache_control, "max-age=60");
    }
  }
  EXPECT_EQ(client.calls(), 5u);
}

TEST(FakeHttpClient, CountsEveryCallWhateverItsUrl) {
  FakeHttpClient client;
  client.fail_call(2, Error{Errc::connect_failed, "scripted"});
  EXPECT_TRUE(client.send(get("https://a.example/")));
  EXPECT_FALSE(client.send(get("https://b.example/")));
  EXPECT_TRUE(client.send(get("https://b.example/")));
  EXPECT_EQ(client.calls("https://b.example/"), 2u);
}

TEST(FakeHttpClient, RecordsRequestsAndAnswersUnscriptedUrlsWith404) {
  FakeHttpClient client;
  Request post = get("http://receiver.example/done?x=1");
  post.method = "POST";
  post.headers = {{"X-Call-Id", "c1"}};
  post.body = "result";
  post.plain_http_only_to_loopback = false;
  auto r = client.send(post);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 404);
  auto requests = client.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].body, "result");
  EXPECT_EQ(requests[0].headers, (Headers{{"X-Call-Id", "c1"}}));
}

TEST(FakeHttpClient, AppliesTheUrlAndAddressPoliciesAsTheRealClientDoes) {
  FakeHttpClient client;
  auto insecure = client.send(get("http://idp.example.com/keys"));
  ASSERT_FALSE(insecure);
  EXPECT_EQ(insecure.error().code, Errc::insecure_url);
  AddressPolicy defaults;
  Request metadata = get("http://169.254.169.254/latest/meta-data/");
  metadata.plain_http_only_to_loopback = false;
  metadata.address_policy = &defaults;
  auto refused = client.send(metadata);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::refused);
}

}  // namespace
}  // namespace faasgate::http_client
