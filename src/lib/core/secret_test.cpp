#include "faasgate/core/secret.hpp"

#include <gtest/gtest.h>

#include <type_traits>

namespace faasgate::core {
namespace {

// A Secret cannot be streamed (and so cannot be logged through an ostream-based logger).
template <class T, class = void>
struct Streamable : std::false_type {};
template <class T>
struct Streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};

TEST(Secret, IsNotStreamable) {
  static_assert(!Streamable<Secret>::value);
  static_assert(Streamable<std::string>::value);
}

TEST(Secret, RevealsAndCompares) {
  Secret a("hunter2");
  Secret b("hunter2");
  Secret c("hunter3");
  Secret shorter("hunter");
  EXPECT_EQ(a.reveal(), "hunter2");
  EXPECT_EQ(a.size(), 7u);
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(Secret().empty());
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a == shorter);
  EXPECT_TRUE(a.equals("hunter2"));
  EXPECT_FALSE(a.equals("hunter2 "));
}

TEST(Secret, FingerprintIsShortStableAndNotTheValue) {
  Secret a("hunter2");
  EXPECT_EQ(a.fingerprint().size(), 8u);
  EXPECT_EQ(a.fingerprint(), Secret("hunter2").fingerprint());
  EXPECT_NE(a.fingerprint(), Secret("hunter3").fingerprint());
  EXPECT_EQ(a.fingerprint().find("hunter"), std::string::npos);
  // SHA-256("abc") begins ba7816bf.
  EXPECT_EQ(Secret("abc").fingerprint(), "ba7816bf");
}

TEST(Secret, CopiesAndMovesKeepTheValue) {
  Secret a("value");
  Secret copy = a;
  Secret moved = std::move(copy);
  EXPECT_EQ(moved.reveal(), "value");
  Secret assigned;
  assigned = a;
  EXPECT_TRUE(assigned == a);
}

}  // namespace
}  // namespace faasgate::core
