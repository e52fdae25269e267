#include "api/callback.hpp"

#include <gtest/gtest.h>

namespace faasgate::api {
namespace {

const AddressPolicy kDefaults;

TEST(CallbackUrl, AbsoluteHttpUrlsAreAccepted) {
  for (const char* url : {"http://receiver.example/done", "https://receiver.example:8443/a?b=c", "http://127.0.0.1:9000/",
                          "http://[::1]:9000/x", "http://user@192.0.2.10/", "HTTP://receiver.example/"}) {
    EXPECT_EQ(refuse_callback_url(url, kDefaults), std::nullopt) << url;
  }
}

TEST(CallbackUrl, AnythingElseIsRefusedWithTheRule) {
  for (const char* url : {"", "/relative", "receiver.example/done", "ftp://receiver.example/", "file:///etc/passwd",
                          "http:///no-host", "http://bad host/", "http://receiver.example/\x7f", "gopher://x/",
                          "http://receiver.example/a b"}) {
    auto why = refuse_callback_url(url, kDefaults);
    ASSERT_TRUE(why) << url;
    EXPECT_EQ(*why, "X-Callback-Url must be an absolute http(s) URL") << url;
  }
  const std::string embedded_nul("http://receiver.example/\0x", 26);
  EXPECT_TRUE(refuse_callback_url(embedded_nul, kDefaults));
  auto too_long = refuse_callback_url("http://receiver.example/" + std::string(2100, 'a'), kDefaults);
  ASSERT_TRUE(too_long);
  EXPECT_NE(too_long->find("2048"), std::string::npos);
}

TEST(CallbackUrl, LiteralAddressesThePolicyRefusesAreRefusedAtOnce) {
  for (const char* url : {"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://0.0.0.0:80/",
                          "http://[::]/", "http://[::ffff:169.254.1.1]/"}) {
    auto why = refuse_callback_url(url, kDefaults);
    ASSERT_TRUE(why) << url;
    EXPECT_NE(why->find("does not call back"), std::string::npos) << *why;
    EXPECT_EQ(why->find("169.254"), std::string::npos) << "the caller's URL is not echoed";
  }
  AddressPolicy cluster;
  ASSERT_TRUE(cluster.deny("10.0.0.0/8"));
  EXPECT_TRUE(refuse_callback_url("http://10.1.2.3:8080/x", cluster));
  EXPECT_EQ(refuse_callback_url("http://10.1.2.3:8080/x", kDefaults), std::nullopt);
  // A name is checked when the callback connects, on the address it resolves to then.
  EXPECT_EQ(refuse_callback_url("http://metadata.google.internal/", cluster), std::nullopt);
}

}  // namespace
}  // namespace faasgate::api
