#include "runtime_admission.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace faasgate::provider::detail {
namespace {

CompiledSpec function(std::string name, Mode mode, std::uint32_t max_inflight = 0) {
  CompiledSpec spec;
  spec.ns = "openfaas-fn";
  spec.name = std::move(name);
  spec.mode = mode;
  spec.max_inflight = max_inflight;
  return spec;
}

TEST(Admissions, MaxInflightBoundsOneFunctionAndAFreedSlotIsReused) {
  auto admissions = std::make_shared<Admissions>(100);
  const auto fn = function("fn", Mode::http, 2);
  auto a = admissions->admit(fn);
  auto b = admissions->admit(fn);
  ASSERT_TRUE(a && b);
  auto refused = admissions->admit(fn);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, RuntimeErrc::busy);
  EXPECT_EQ(refused.error().message, "function fn.openfaas-fn already has 2 calls in flight (max_inflight)");
  EXPECT_TRUE(admissions->admit(function("other", Mode::http, 2)));  // another function's slots are its own

  a->reset();
  auto c = admissions->admit(fn);
  EXPECT_TRUE(c);
  EXPECT_FALSE(admissions->admit(fn));
}

TEST(Admissions, NoMaxInflightMeansNoLimitOfItsOwn) {
  auto admissions = std::make_shared<Admissions>(100);
  std::vector<std::shared_ptr<void>> held;
  for (int i = 0; i < 1000; ++i) {
    auto slot = admissions->admit(function("fn", Mode::http));
    ASSERT_TRUE(slot) << i;
    held.push_back(std::move(*slot));
  }
}

TEST(Admissions, ClassicCallsOfAllFunctionsShareTheProcessLimit) {
  auto admissions = std::make_shared<Admissions>(2);
  auto a = admissions->admit(function("a", Mode::classic));
  auto b = admissions->admit(function("b", Mode::classic));
  ASSERT_TRUE(a && b);
  auto refused = admissions->admit(function("c", Mode::classic));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, RuntimeErrc::busy);
  EXPECT_EQ(refused.error().message, "the gateway already runs 2 classic function processes; retry later");
  // http calls start no process: the limit is not theirs.
  EXPECT_TRUE(admissions->admit(function("web", Mode::http)));

  b->reset();
  EXPECT_TRUE(admissions->admit(function("c", Mode::classic)));
}

TEST(Admissions, ARefusalHoldsNoSlot) {
  auto admissions = std::make_shared<Admissions>(1);
  const auto fn = function("fn", Mode::classic, 5);
  auto held = admissions->admit(fn);
  ASSERT_TRUE(held);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(admissions->admit(fn));  // refused by the process limit
  held->reset();
  // Had the ten refusals counted against max_inflight (5), this would be refused.
  EXPECT_TRUE(admissions->admit(fn));
}

TEST(Admissions, ASlotOutlivesItsAdmissionsAndTheLastCopyReleasesIt) {
  auto admissions = std::make_shared<Admissions>(1);
  const auto fn = function("fn", Mode::classic, 1);
  auto slot = admissions->admit(fn);
  ASSERT_TRUE(slot);
  auto copy = *slot;
  slot->reset();
  EXPECT_FALSE(admissions->admit(fn));  // a copy still holds it
  std::weak_ptr<Admissions> weak = admissions;
  admissions.reset();
  EXPECT_FALSE(weak.expired());  // the slot keeps its owner alive
  copy.reset();
  EXPECT_TRUE(weak.expired());
}

}  // namespace
}  // namespace faasgate::provider::detail
