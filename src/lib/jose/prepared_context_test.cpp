// Prepared contexts are an optimisation only: with many keys (the per-thread cache emptied and
// refilled), from several threads at once, and with a context reused after a failure, every
// signature still verifies and every forgery still fails.
#include "faasgate/jose/prepared_context.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "faasgate/jose/jwt.hpp"

namespace faasgate::jose {
namespace {

const std::vector<Algorithm> kEs256{Algorithm::ES256};

std::string tamper(std::string token) {
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';  // in the payload
  return token;
}

bool verifies(const Signer& signer, const std::string& token) {
  auto jwt = UnverifiedJwt::parse(token);
  if (!jwt) return false;
  return verify(*jwt, KeySet({signer.public_key()}), kEs256).has_value();
}

TEST(PreparedContext, MoreKeysThanTheCacheHoldsStillSignAndVerify) {
  std::vector<Signer> signers;
  for (int i = 0; i < 80; ++i) signers.push_back(Signer::generate());
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < signers.size(); ++i) {
      auto token = signers[i].sign({{"i", static_cast<int>(i)}});
      ASSERT_TRUE(token.has_value());
      EXPECT_TRUE(verifies(signers[i], *token)) << "key " << i;
      EXPECT_FALSE(verifies(signers[(i + 1) % signers.size()], *token)) << "another key accepted key " << i << "'s token";
    }
  }
}

TEST(PreparedContext, AFailedVerificationLeavesTheNextOneIntact) {
  auto signer = Signer::generate();
  auto token = *signer.sign({{"sub", "x"}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(verifies(signer, tamper(token)));
    EXPECT_TRUE(verifies(signer, token));
  }
}

TEST(PreparedContext, ThreadsSignAndVerifyWithSharedKeysAtOnce) {
  std::vector<Signer> signers;
  for (int i = 0; i < 3; ++i) signers.push_back(Signer::generate());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const auto& signer = signers[static_cast<std::size_t>(i + t) % signers.size()];
        auto token = signer.sign({{"t", t}, {"i", i}});
        if (!token || !verifies(signer, *token) || verifies(signer, tamper(*token))) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace faasgate::jose
