// The server's sans-I/O parts: request parsing, reply encoding, the bounded send queue, the rate limiter.
#include "server/protocol.hpp"

#include <gtest/gtest.h>

#include "server/rate_limiter.hpp"
#include "server/send_queue.hpp"

using namespace mdfan;
using namespace mdfan::server_protocol;
using mdfan::server_detail::outbound_frame;
using mdfan::server_detail::rate_limiter;
using mdfan::server_detail::send_queue;

namespace {

std::string parse_error(std::string_view text, client_request* out = nullptr) {
  client_request req;
  std::string error;
  EXPECT_FALSE(parse_request(text, req, error)) << text;
  if (out) *out = req;
  return error;
}

bool push(send_queue& q, std::string s) {
  auto f = outbound_frame{nullptr, std::make_shared<const std::string>(std::move(s))};
  return q.push(std::move(f)) == mdfan::server_detail::push_result::queued;
}

}  // namespace

TEST(server_protocol, parses_subscribe_with_all_fields) {
  client_request req;
  std::string error;
  ASSERT_TRUE(parse_request(
      R"({"op":"subscribe","topics":["trade:binance:BTC-USDT","ticker:*:ETH-USDT","trade:binance:BTC-USDT"],"snapshot":true,"id":42})",
      req, error))
      << error;
  EXPECT_EQ(req.op, client_op::subscribe);
  ASSERT_EQ(req.patterns.size(), 2u);  // duplicates collapse
  EXPECT_EQ(req.patterns[0].str(), "trade:binance:BTC-USDT");
  EXPECT_EQ(req.patterns[1].str(), "ticker:*:ETH-USDT");
  EXPECT_TRUE(req.snapshot);
  EXPECT_EQ(req.id, "42");
}

TEST(server_protocol, field_order_and_unknown_fields_do_not_matter) {
  client_request req;
  std::string error;
  ASSERT_TRUE(
      parse_request(R"( { "id" : "a\"b" , "extra":{"x":[1,2]}, "topics":["*:*:*"], "op":"unsubscribe" } )", req, error))
      << error;
  EXPECT_EQ(req.op, client_op::unsubscribe);
  EXPECT_EQ(req.id, R"("a\"b")");  // raw JSON, echoed verbatim
  ASSERT_EQ(req.patterns.size(), 1u);
  EXPECT_FALSE(req.snapshot);
}

TEST(server_protocol, ping_needs_nothing_else) {
  client_request req;
  std::string error;
  ASSERT_TRUE(parse_request(R"({"op":"ping"})", req, error)) << error;
  EXPECT_EQ(req.op, client_op::ping);
  EXPECT_TRUE(req.id.empty());
}

TEST(server_protocol, rejects_bad_requests_with_reasons) {
  EXPECT_EQ(parse_error("not json"), "request must be a JSON object");  // On Demand sees a bad literal
  EXPECT_EQ(parse_error("{not json}"), "invalid JSON");
  EXPECT_EQ(parse_error(R"({"op":"ping")"), "invalid JSON");
  EXPECT_EQ(parse_error(R"({"op":"ping"} {"op":"ping"})"), "invalid JSON");
  EXPECT_EQ(parse_error(""), "invalid JSON");
  EXPECT_EQ(parse_error(R"(["op","ping"])"), "request must be a JSON object");
  EXPECT_EQ(parse_error(R"({"topics":["*:*:*"]})"), "missing op");
  EXPECT_EQ(parse_error(R"({"op":7})"), "op must be a string");
  EXPECT_EQ(parse_error(R"({"op":"dance"})"), "unknown op 'dance'");
  EXPECT_EQ(parse_error(R"({"op":"subscribe"})"), "missing topics");
  EXPECT_EQ(parse_error(R"({"op":"subscribe","topics":[]})"), "topics must not be empty");
  EXPECT_EQ(parse_error(R"({"op":"subscribe","topics":"trade:binance:BTC-USDT"})"),
            "topics must be an array of strings");
  EXPECT_EQ(parse_error(R"({"op":"subscribe","topics":[1]})"), "topics must be an array of strings");
  EXPECT_EQ(parse_error(R"({"op":"subscribe","topics":["*:*:*"],"snapshot":"yes"})"), "snapshot must be true or false");
  EXPECT_EQ(parse_error(R"({"op":"ping","id":{"a":1}})"), "id must be a string or a number");
  EXPECT_EQ(parse_error(R"({"op":"ping","id":")" + std::string(200, 'x') + "\"}"), "id too long (max 128 bytes)");
}

TEST(server_protocol, bad_topic_reason_names_the_topic_and_keeps_the_id) {
  client_request req;
  const auto error =
      parse_error(R"({"id":9,"op":"subscribe","topics":["trade:binance:BTC-USDT","trade:nowhere:BTC-USDT"]})", &req);
  EXPECT_EQ(error, "bad topic 'trade:nowhere:BTC-USDT': unknown exchange 'nowhere'");
  EXPECT_EQ(req.id, "9");
  // The id is echoed even when it comes after the problem.
  const auto e2 = parse_error(R"({"op":"subscribe","topics":["bogus"],"id":"late"})", &req);
  EXPECT_NE(e2.find("bad topic 'bogus'"), std::string::npos) << e2;
  EXPECT_EQ(req.id, R"("late")");
}

TEST(server_protocol, encodes_replies) {
  std::vector<topic_pattern> ps{*topic_pattern::parse("trade:binance:BTC-USDT"), *topic_pattern::parse("ticker:*:*")};
  EXPECT_EQ(make_ack(client_op::subscribe, ps, "1"),
            R"({"op":"subscribed","topics":["trade:binance:BTC-USDT","ticker:*:*"],"id":1})");
  EXPECT_EQ(make_ack(client_op::unsubscribe, ps, ""),
            R"({"op":"unsubscribed","topics":["trade:binance:BTC-USDT","ticker:*:*"]})");
  EXPECT_EQ(make_pong(123, R"("x")"), R"({"op":"pong","ts":123,"id":"x"})");
  EXPECT_EQ(make_error("bad \"thing\"", ""), R"({"op":"error","reason":"bad \"thing\""})");
}

TEST(server_send_queue, bounds_frames_and_bytes) {
  send_queue q(3, 100);
  EXPECT_TRUE(push(q, std::string(40, 'a')));
  EXPECT_TRUE(push(q, std::string(40, 'b')));
  EXPECT_FALSE(push(q, std::string(40, 'c')));  // 120 bytes > 100
  EXPECT_TRUE(push(q, std::string(10, 'c')));
  EXPECT_FALSE(push(q, "d"));  // 4 frames > 3
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.bytes(), 90u);
  EXPECT_EQ(q.discard(1), 2u);  // the front (in flight) stays
  EXPECT_EQ(q.front().bytes(), std::string(40, 'a'));
  q.pop_front();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_TRUE(push(q, std::string(500, 'z')));  // an empty queue takes any one frame
}

TEST(server_send_queue, zero_means_unbounded) {
  send_queue q(0, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(push(q, "x"));
}

TEST(server_rate_limiter, allows_bursts_rejects_excess_and_closes_sustained_abuse) {
  rate_limiter r(10, 5);
  const std::int64_t s = 1'000'000'000;
  std::int64_t t = 5 * s;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(r.on_message(t), rate_limiter::verdict::allow);
  EXPECT_EQ(r.on_message(t), rate_limiter::verdict::reject);
  t += s / 10;  // one token back
  EXPECT_EQ(r.on_message(t), rate_limiter::verdict::allow);
  EXPECT_EQ(r.on_message(t), rate_limiter::verdict::reject);
  // A quiet second forgives earlier rejections.
  t += 2 * s;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(r.on_message(t), rate_limiter::verdict::allow);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r.on_message(t), rate_limiter::verdict::reject);
  EXPECT_EQ(r.on_message(t), rate_limiter::verdict::close);
}

TEST(server_rate_limiter, zero_rate_is_unlimited) {
  rate_limiter r(0, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(r.on_message(0), rate_limiter::verdict::allow);
}
