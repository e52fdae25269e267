// The libnats layer against a real nats-server (testing/nats_server.hpp).
#include "faasgate/nats/nats.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "nats_server.hpp"

namespace faasgate::nats {
namespace {

using namespace std::chrono_literals;

class NatsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new testing::NatsServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  std::unique_ptr<Connection> connect() {
    auto c = Connection::connect({.url = server_->url()});
    EXPECT_TRUE(c) << c.error().message;
    for (int i = 0; i < 200 && !(*c)->connected(); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_TRUE((*c)->connected());
    return std::move(*c);
  }
  static testing::NatsServer* server_;
};
testing::NatsServer* NatsTest::server_ = nullptr;

TEST(NatsUrl, RedactedUrlHidesUserinfo) {
  EXPECT_EQ(redacted_url("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
  EXPECT_EQ(redacted_url("nats://user:secret@127.0.0.1:4222"), "nats://***@127.0.0.1:4222");
  EXPECT_EQ(redacted_url("nats://a:b@h1:1,nats://h2:2"), "nats://***@h1:1,nats://h2:2");
  EXPECT_EQ(redacted_url("tok@h:1"), "***@h:1");
}

TEST_F(NatsTest, PublishWaitsForTheAckAndDeduplicatesByMsgId) {
  auto c = connect();
  ASSERT_TRUE(c->ensure_stream({.name = "T1", .subjects = {"t1.>"}, .retention = Retention::work_queue,
                                .discard_new = true},
                               2s));
  ASSERT_TRUE(c->ensure_stream({.name = "T1", .subjects = {"t1.>"}, .retention = Retention::work_queue,
                                .max_msgs = 10, .discard_new = true},
                               2s))
      << "an existing stream is updated";
  auto first = c->publish("t1.a", std::string("pay\0load", 8), "id-1", 2s, {{"X-H", "v"}});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->duplicate);
  auto again = c->publish("t1.a", "other", "id-1", 2s);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(c->stream_state("T1", 2s)->messages, 1u);

  auto sub = c->pull_subscribe({.stream = "T1", .durable = "w", .filter_subject = "t1.>", .ack_wait = 2s}, 2s);
  ASSERT_TRUE(sub) << sub.error().message;
  auto got = (*sub)->fetch(10, 50ms);
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->size(), 1u);
  auto& m = got->front();
  EXPECT_EQ(m.data(), std::string("pay\0load", 8));
  EXPECT_EQ(m.header("X-H"), "v");
  EXPECT_EQ(m.deliveries(), 1u);
  EXPECT_TRUE((*sub)->fetch(10, 50ms)->empty()) << "leased: not handed out twice";
  ASSERT_TRUE(m.nak(0ms));
  std::vector<Message> redelivered;
  for (int i = 0; i < 100 && redelivered.empty(); ++i) redelivered = std::move(*(*sub)->fetch(1, 100ms));
  ASSERT_EQ(redelivered.size(), 1u);
  EXPECT_EQ(redelivered.front().deliveries(), 2u);
  ASSERT_TRUE(redelivered.front().in_progress());
  ASSERT_TRUE(redelivered.front().ack(2s));
  for (int i = 0; i < 100 && c->stream_state("T1", 2s)->messages != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(c->stream_state("T1", 2s)->messages, 0u) << "work-queue retention: acked is gone";
}

TEST_F(NatsTest, LimitsWithDiscardNewAreRefusalsNamingTheLimit) {
  auto c = connect();
  ASSERT_TRUE(c->ensure_stream({.name = "T2", .subjects = {"t2.>"}, .retention = Retention::work_queue,
                                .max_msgs = 2, .max_msgs_per_subject = 1, .discard_new = true},
                               2s));
  ASSERT_TRUE(c->publish("t2.a", "1", "", 2s));
  auto per_subject = c->publish("t2.a", "2", "", 2s);
  ASSERT_FALSE(per_subject);
  EXPECT_EQ(per_subject.error().code, NatsErrc::refused);
  EXPECT_NE(per_subject.error().message.find("per subject"), std::string::npos) << per_subject.error().message;
  ASSERT_TRUE(c->publish("t2.b", "3", "", 2s));
  auto all = c->publish("t2.c", "4", "", 2s);
  ASSERT_FALSE(all);
  EXPECT_NE(all.error().message.find("maximum messages"), std::string::npos) << all.error().message;
  EXPECT_EQ(all.error().message.find('4'), all.error().message.find("4 ")) << "no payload in the message";
  auto big = c->publish("t2.d", std::string(static_cast<std::size_t>(c->max_payload()) + 1, 'x'), "", 2s);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, NatsErrc::too_large);
  EXPECT_EQ(c->stream_state("missing", 2s).error().code, NatsErrc::not_found);
}

TEST_F(NatsTest, OrderedConsumerReadsEverythingFromTheStart) {
  auto c = connect();
  ASSERT_TRUE(c->ensure_stream({.name = "T3", .subjects = {"t3"}, .max_msgs = 100}, 2s));
  ASSERT_TRUE(c->publish("t3", "one", "", 2s));
  ASSERT_TRUE(c->publish("t3", "two", "", 2s));
  auto sub = c->subscribe_ordered("T3", "t3");
  ASSERT_TRUE(sub) << sub.error().message;
  std::vector<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    auto m = (*sub)->next(i < 2 ? 2000ms : 100ms);
    ASSERT_TRUE(m);
    if (*m) seen.emplace_back((*m)->data());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "two"}));
}

// Unreachable at start: connect() returns at once, publishes fail at once (not buffered), and it
// connects when the server comes up.
TEST_F(NatsTest, AnUnreachableServerIsUnavailableNotAHang) {
  ASSERT_TRUE(connect()->ensure_stream({.name = "T4", .subjects = {"t4"}}, 2s));
  server_->stop();
  auto c = Connection::connect({.url = server_->url(), .reconnect_wait = 100ms});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE((*c)->connected());
  auto r = (*c)->publish("t1.x", "x", "", 2s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, NatsErrc::unavailable);
  EXPECT_EQ((*c)->stream_state("T1", 2s).error().code, NatsErrc::unavailable);
  server_->start();
  for (int i = 0; i < 500 && !(*c)->connected(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE((*c)->connected());
  EXPECT_TRUE((*c)->stream_state("T4", 5s)) << "the store survived the restart";
}

}  // namespace
}  // namespace faasgate::nats
