#include "faasgate/http_client/address_policy.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace faasgate::http_client {
namespace {

// A sockaddr for `text` (IPv4 or IPv6), as libcurl hands it to the open-socket callback.
struct Address {
  explicit Address(const char* text) {
    std::memset(&storage, 0, sizeof storage);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
    } else {
      ADD_FAILURE() << "not an address: " << text;
    }
  }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr_storage storage;
};

TEST(AddressRange, ParsesRangesAndSingleAddresses) {
  EXPECT_TRUE(AddressRange::parse("10.0.0.0/8"));
  EXPECT_TRUE(AddressRange::parse("192.0.2.7"));
  EXPECT_TRUE(AddressRange::parse("fd00::/8"));
  EXPECT_TRUE(AddressRange::parse("::1"));
  EXPECT_TRUE(AddressRange::parse("0.0.0.0/0"));
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "fd00::/129", "10.0.0.1/8", "example.com", "10.0.0.0/8x",
                          "10.0.0.0/-1", "1.2.3"}) {
    EXPECT_FALSE(AddressRange::parse(bad)) << bad;
  }
}

TEST(AddressRange, MatchesOnPrefixBoundaries) {
  auto range = *AddressRange::parse("10.128.0.0/9");
  EXPECT_TRUE(range.contains(Address("10.128.0.1").get()));
  EXPECT_TRUE(range.contains(Address("10.255.255.255").get()));
  EXPECT_FALSE(range.contains(Address("10.127.255.255").get()));
  EXPECT_FALSE(range.contains(Address("11.128.0.1").get()));
  EXPECT_FALSE(range.contains(Address("::ffff:11.128.0.1").get()));
  EXPECT_TRUE(range.contains(Address("::ffff:10.200.0.1").get())) << "IPv4-mapped IPv6 is the IPv4 address";
  EXPECT_FALSE(range.contains(Address("fd00::1").get()));
}

TEST(AddressPolicy, RefusesLinkLocalAndUnspecifiedAlways) {
  AddressPolicy policy;
  for (const char* refused : {"169.254.169.254", "169.254.0.1", "fe80::1", "0.0.0.0", "::", "::ffff:169.254.169.254"})
    EXPECT_FALSE(policy.allowed(Address(refused).get())) << refused;
  for (const char* fine : {"127.0.0.1", "::1", "10.1.2.3", "192.0.2.1", "2001:db8::1"})
    EXPECT_TRUE(policy.allowed(Address(fine).get())) << fine;
}

TEST(AddressPolicy, RefusesWhatTheOperatorAdds) {
  AddressPolicy policy;
  EXPECT_TRUE(policy.deny("10.0.0.0/8, fd00::/8"));
  EXPECT_FALSE(policy.allowed(Address("10.1.2.3").get()));
  EXPECT_FALSE(policy.allowed(Address("fd00:ec2::254").get()));
  EXPECT_TRUE(policy.allowed(Address("192.0.2.1").get()));
  EXPECT_FALSE(policy.deny("10.0.0.0/8,nonsense"));
  EXPECT_TRUE(policy.allowed(Address("192.0.2.1").get())) << "a refused list adds nothing";
}

// --callback-deny 127.0.0.0/8 meant "not this host": ::1 is the same host, and so is every
// spelling of 127.0.0.1 as IPv6.
TEST(AddressPolicy, DenyingTheIpv4LoopbackDeniesTheIpv6OneToo) {
  AddressPolicy policy;
  ASSERT_TRUE(policy.deny("127.0.0.0/8"));
  for (const char* refused : {"127.0.0.1", "127.255.0.1", "::1", "::ffff:127.0.0.1", "::ffff:127.1.2.3"})
    EXPECT_FALSE(policy.allowed(Address(refused).get())) << refused;
  for (const char* fine : {"10.1.2.3", "fd00::2", "2001:db8::1", "::2"})
    EXPECT_TRUE(policy.allowed(Address(fine).get())) << fine;

  AddressPolicy one;  // a single loopback address is "the loopback" as well
  ASSERT_TRUE(one.deny("127.0.0.1"));
  EXPECT_FALSE(one.allowed(Address("::1").get()));
  EXPECT_TRUE(one.allowed(Address("127.0.0.2").get())) << "the operator's IPv4 choice is kept as written";

  AddressPolicy everything;
  ASSERT_TRUE(everything.deny("0.0.0.0/0"));
  EXPECT_FALSE(everything.allowed(Address("::1").get()));
  EXPECT_TRUE(everything.allowed(Address("2001:db8::1").get()));
}

TEST(AddressPolicy, DenyingTheIpv6LoopbackDeniesTheIpv4One) {
  AddressPolicy policy;
  ASSERT_TRUE(policy.deny("::1"));
  for (const char* refused : {"::1", "127.0.0.1", "127.1.2.3", "::ffff:127.0.0.1"})
    EXPECT_FALSE(policy.allowed(Address(refused).get())) << refused;
  EXPECT_TRUE(policy.allowed(Address("10.1.2.3").get()));
}

// ::ffff:a.b.c.d is a.b.c.d, in a rule as in an address.
TEST(AddressPolicy, MappedRangesAreTheirIpv4Ranges) {
  auto range = AddressRange::parse("::ffff:10.0.0.0/104");
  ASSERT_TRUE(range);
  EXPECT_FALSE(range->v6);
  EXPECT_EQ(range->prefix, 8u);
  EXPECT_FALSE(AddressRange::parse("::ffff:10.0.0.1/104")) << "host bits are still an error";

  AddressPolicy policy;
  ASSERT_TRUE(policy.deny("::ffff:10.0.0.0/104"));
  EXPECT_FALSE(policy.allowed(Address("10.1.2.3").get()));
  EXPECT_FALSE(policy.allowed(Address("::ffff:10.1.2.3").get()));
  EXPECT_TRUE(policy.allowed(Address("11.1.2.3").get()));

  AddressPolicy all_v6;  // holds every mapped address, so all of IPv4 too
  ASSERT_TRUE(all_v6.deny("::/0"));
  for (const char* refused : {"2001:db8::1", "::1", "192.0.2.1", "::ffff:192.0.2.1", "127.0.0.1"})
    EXPECT_FALSE(all_v6.allowed(Address(refused).get())) << refused;

  AddressPolicy unique_local;  // does not hold ::ffff:0:0/96: IPv4 stays allowed
  ASSERT_TRUE(unique_local.deny("fd00::/8"));
  EXPECT_TRUE(unique_local.allowed(Address("192.0.2.1").get()));
  EXPECT_TRUE(unique_local.allowed(Address("::ffff:192.0.2.1").get()));
}

}  // namespace
}  // namespace faasgate::http_client
