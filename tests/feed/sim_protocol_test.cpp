// The simulator's Binance control protocol, without sockets.
#include <gtest/gtest.h>

#include <array>

#include "adapters/sim/binance_protocol.hpp"
#include "adapters/sim/ws_codec.hpp"

namespace mdfan::sim {
namespace {

class sim_protocol : public ::testing::Test {
 protected:
  market mkt_{{"BTCUSDT", "ETHUSDT"}, 1};
  stream_catalog cat_{mkt_.symbols()};
  subscription_set subs_;

  std::uint32_t id(std::string_view name) const { return cat_.find(name).value(); }
  request_result req(std::string_view text, std::size_t max_streams = 1024) {
    return handle_request(text, cat_, max_streams, subs_);
  }
};

TEST_F(sim_protocol, targets) {
  subscription_set s;
  std::string err;
  ASSERT_TRUE(parse_stream_target("/ws/btcusdt@trade", cat_, 1024, s, err));
  EXPECT_FALSE(s.combined);
  EXPECT_EQ(s.streams, std::vector<std::uint32_t>{id("btcusdt@trade")});

  ASSERT_TRUE(parse_stream_target("/ws", cat_, 1024, s, err));
  EXPECT_TRUE(s.streams.empty());

  ASSERT_TRUE(parse_stream_target("/stream?streams=btcusdt@trade/ethusdt@depth@100ms/btcusdt@trade", cat_, 1024, s, err));
  EXPECT_TRUE(s.combined);
  EXPECT_EQ(s.streams, (std::vector<std::uint32_t>{id("btcusdt@trade"), id("ethusdt@depth@100ms")}));

  ASSERT_TRUE(parse_stream_target("/stream", cat_, 1024, s, err));
  EXPECT_TRUE(s.combined);
  EXPECT_TRUE(s.streams.empty());

  EXPECT_FALSE(parse_stream_target("/ws/BTCUSDT@trade", cat_, 1024, s, err));  // stream names are lower case
  EXPECT_FALSE(parse_stream_target("/ws/btcusdt@nope", cat_, 1024, s, err));
  EXPECT_FALSE(parse_stream_target("/other", cat_, 1024, s, err));
  EXPECT_FALSE(parse_stream_target("/stream?streams=btcusdt@trade/ethusdt@trade", cat_, 1, s, err));
}

TEST_F(sim_protocol, subscribe_list_unsubscribe) {
  auto r = req(R"({"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@depth"],"id":1})");
  EXPECT_EQ(r.reply, R"({"result":null,"id":1})");
  EXPECT_EQ(r.added, (std::vector<std::uint32_t>{id("btcusdt@aggTrade"), id("btcusdt@depth")}));

  r = req(R"({"method":"SUBSCRIBE","params":["btcusdt@depth","ethusdt@trade"],"id":"abc123"})");
  EXPECT_EQ(r.reply, R"({"result":null,"id":"abc123"})");
  EXPECT_EQ(r.added, std::vector<std::uint32_t>{id("ethusdt@trade")});  // already had btcusdt@depth

  r = req(R"({"method":"LIST_SUBSCRIPTIONS","id":3})");
  EXPECT_EQ(r.reply, R"({"result":["btcusdt@aggTrade","btcusdt@depth","ethusdt@trade"],"id":3})");

  r = req(R"({"method":"UNSUBSCRIBE","params":["btcusdt@depth","btcusdt@ticker"],"id":312})");
  EXPECT_EQ(r.reply, R"({"result":null,"id":312})");
  EXPECT_EQ(r.removed, std::vector<std::uint32_t>{id("btcusdt@depth")});

  r = req(R"({"method":"LIST_SUBSCRIPTIONS","id":null})");
  EXPECT_EQ(r.reply, R"({"result":["btcusdt@aggTrade","ethusdt@trade"],"id":null})");
}

TEST_F(sim_protocol, properties) {
  EXPECT_EQ(req(R"({"method":"GET_PROPERTY","params":["combined"],"id":2})").reply, R"({"result":false,"id":2})");
  EXPECT_EQ(req(R"({"method":"SET_PROPERTY","params":["combined",true],"id":5})").reply, R"({"result":null,"id":5})");
  EXPECT_TRUE(subs_.combined);
  EXPECT_EQ(req(R"({"method":"GET_PROPERTY","params":["combined"],"id":2})").reply, R"({"result":true,"id":2})");
  EXPECT_EQ(req(R"({"method":"SET_PROPERTY","params":["combined","yes"],"id":6})").reply,
            R"({"error":{"code":1,"msg":"Invalid value type: expected Boolean"},"id":6})");
  EXPECT_EQ(req(R"({"method":"GET_PROPERTY","params":["colour"],"id":7})").reply,
            R"({"error":{"code":0,"msg":"Unknown property"},"id":7})");
}

TEST_F(sim_protocol, errors_change_nothing) {
  auto r = req("{not json");
  EXPECT_NE(r.reply.find(R"({"error":{"code":3,"msg":"Invalid JSON: )"), std::string::npos) << r.reply;

  r = req(R"({"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@bogus"],"id":4})");
  EXPECT_EQ(r.reply, R"({"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":4})");
  EXPECT_TRUE(r.added.empty());
  EXPECT_TRUE(subs_.streams.empty());

  r = req(R"({"method":"SUBSCRIB","params":[],"id":5})");
  EXPECT_NE(r.reply.find(R"("code":2,"msg":"Invalid request: unknown variant `SUBSCRIB`)"), std::string::npos);
  EXPECT_NE(r.reply.find(R"("id":5)"), std::string::npos);

  r = req(R"({"params":[],"id":6})");
  EXPECT_EQ(r.reply, R"({"error":{"code":2,"msg":"Invalid request: missing field `method`"},"id":6})");

  r = req(R"({"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":"has space"})");
  EXPECT_EQ(r.reply, R"({"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"}})");

  r = req(R"(["SUBSCRIBE"])");
  EXPECT_NE(r.reply.find(R"("code":2)"), std::string::npos);

  r = req(R"({"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@trade"],"id":8})", 1);
  EXPECT_EQ(r.reply, R"({"error":{"code":2,"msg":"Invalid request: too many streams"},"id":8})");
  EXPECT_TRUE(subs_.streams.empty());
}


// --- WebSocket framing

std::vector<std::uint8_t> masked(std::uint8_t b0, std::string_view payload, std::array<std::uint8_t, 4> key = {1, 2, 3, 4}) {
  std::vector<std::uint8_t> f{b0};
  if (payload.size() < 126) {
    f.push_back(static_cast<std::uint8_t>(0x80 | payload.size()));
  } else {
    f.push_back(0x80 | 126);
    f.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    f.push_back(static_cast<std::uint8_t>(payload.size()));
  }
  f.insert(f.end(), key.begin(), key.end());
  for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(static_cast<std::uint8_t>(payload[i]) ^ key[i & 3]);
  return f;
}

TEST(ws_codec, accept_key_matches_rfc6455) {
  EXPECT_EQ(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(ws_codec, server_frame_headers) {
  std::uint8_t h[max_frame_header];
  ASSERT_EQ(write_frame_header(ws_opcode::text, 5, h), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 5);
  ASSERT_EQ(write_frame_header(ws_opcode::text, 300, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ((h[2] << 8) | h[3], 300);
  ASSERT_EQ(write_frame_header(ws_opcode::ping, 0, h), 2u);
  EXPECT_EQ(h[0], 0x89);
  ASSERT_EQ(write_frame_header(ws_opcode::text, 70000, h), 10u);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ((h[7] << 16) | (h[8] << 8) | h[9], 70000);
}

TEST(ws_codec, parses_masked_client_frames) {
  const std::string text(200, 'x');
  auto f = masked(0x81, text);
  for (std::size_t cut = 0; cut < f.size(); ++cut)  // every prefix is incomplete, never an error
    ASSERT_EQ(parse_client_frame(f.data(), cut, 1024).status, frame_info::result::incomplete) << cut;
  const auto r = parse_client_frame(f.data(), f.size(), 1024);
  ASSERT_EQ(r.status, frame_info::result::ok);
  EXPECT_EQ(r.op, ws_opcode::text);
  EXPECT_TRUE(r.fin);
  EXPECT_EQ(r.header_size, 8u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data() + r.header_size), r.payload_size), text);

  auto ping = masked(0x89, "hi");
  EXPECT_EQ(parse_client_frame(ping.data(), ping.size(), 1024).op, ws_opcode::ping);
  auto part = masked(0x01, "part");  // not final
  EXPECT_FALSE(parse_client_frame(part.data(), part.size(), 1024).fin);
}

TEST(ws_codec, rejects_bad_client_frames) {
  std::vector<std::uint8_t> unmasked{0x81, 0x02, 'h', 'i'};
  EXPECT_EQ(parse_client_frame(unmasked.data(), unmasked.size(), 1024).close_code, 1002);
  auto big = masked(0x81, std::string(300, 'x'));
  EXPECT_EQ(parse_client_frame(big.data(), big.size(), 100).close_code, 1009);
  auto rsv = masked(0xc1, "x");  // RSV1: compression was not negotiated
  EXPECT_EQ(parse_client_frame(rsv.data(), rsv.size(), 1024).status, frame_info::result::error);
  auto long_ping = masked(0x89, std::string(126, 'p'));
  EXPECT_EQ(parse_client_frame(long_ping.data(), long_ping.size(), 1024).close_code, 1002);
  auto fragmented_ping = masked(0x09, "p");
  EXPECT_EQ(parse_client_frame(fragmented_ping.data(), fragmented_ping.size(), 1024).status,
            frame_info::result::error);
  auto bad_op = masked(0x83, "x");
  EXPECT_EQ(parse_client_frame(bad_op.data(), bad_op.size(), 1024).status, frame_info::result::error);
}

}  // namespace
}  // namespace mdfan::sim
