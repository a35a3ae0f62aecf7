// The simulator's Binance control protocol, without sockets.
#include <gtest/gtest.h>

#include "adapters/sim/binance_protocol.hpp"

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

}  // namespace
}  // namespace mdfan::sim
