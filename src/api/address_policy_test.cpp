#include "api/address_policy.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace faasgate::api {
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

}  // namespace
}  // namespace faasgate::api
