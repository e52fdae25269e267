#include "jetstream_codec.hpp"

#include <gtest/gtest.h>

namespace faasgate::queue::jetstream {
namespace {

Envelope sample() {
  Envelope e;
  e.call.id = "id-1";
  e.call.function = "echo";
  e.call.namespace_ = "openfaas-fn";
  e.call.method = "PUT";
  e.call.path = "/p";
  e.call.query = "a=1";
  e.call.headers = {{"X-Obs", "caf\xe9"}, {"X-Dup", "1"}, {"X-Dup", "2"}};
  e.call.body = std::string("bin\0ary\n", 8);
  e.call.callback_url = "http://127.0.0.1:9/cb";
  e.call.enqueued_at = core::from_unix(1'700'000'000);
  e.call.attempts = 3;
  e.due_at = core::from_unix(1'700'000'100);
  return e;
}

TEST(JetStreamCodec, RoundTripsACallWithAndWithoutAResult) {
  auto e = sample();
  auto back = decode(encode(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->call.headers, e.call.headers);
  EXPECT_EQ(back->call.body, e.call.body);
  EXPECT_EQ(back->due_at, e.due_at);
  EXPECT_EQ(back->call.attempts, 3u);
  EXPECT_FALSE(back->call.result_status);
  e.call.result_status = 500;
  e.call.result_body = std::string("out\0", 4);
  e.call.result_headers = {{"Content-Type", "text/plain"}};
  e.call.duration_seconds = 1.5;
  back = decode(encode(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->call.result_status, 500u);
  EXPECT_EQ(back->call.result_body, e.call.result_body);
  EXPECT_EQ(back->call.result_headers, e.call.result_headers);
  EXPECT_DOUBLE_EQ(back->call.duration_seconds, 1.5);
  EXPECT_EQ(back->call.body, e.call.body);
}

TEST(JetStreamCodec, RefusesWhatItCannotReadWhole) {
  const auto text = encode(sample());
  EXPECT_FALSE(decode(""));
  EXPECT_FALSE(decode("{}\n"));
  EXPECT_FALSE(decode(text.substr(0, text.size() - 1))) << "a truncated body";
  EXPECT_FALSE(decode(text + "x")) << "bytes beyond the stated lengths";
  std::string v2 = text;
  v2.replace(v2.find("\"v\":1"), 5, "\"v\":2");
  EXPECT_FALSE(decode(v2)) << "another version";
  for (std::size_t i = 0; i < text.find('\n'); ++i) (void)decode(text.substr(0, i));  // no crash on any prefix
}

}  // namespace
}  // namespace faasgate::queue::jetstream
