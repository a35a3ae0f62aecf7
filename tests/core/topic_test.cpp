#include <gtest/gtest.h>

#include "core/topic.hpp"

using namespace mdfan;

TEST(topic, parses_concrete_and_wildcards) {
  auto p = topic_pattern::parse("trade:binance:BTC-USDT");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->concrete());
  EXPECT_TRUE(p->matches(event_type::trade, exchange_id::binance, "BTC-USDT"));
  EXPECT_FALSE(p->matches(event_type::ticker, exchange_id::binance, "BTC-USDT"));
  EXPECT_EQ(p->str(), "trade:binance:BTC-USDT");

  auto w = topic_pattern::parse("ticker:*:ETH-USDT");
  ASSERT_TRUE(w);
  EXPECT_FALSE(w->concrete());
  EXPECT_TRUE(w->matches(event_type::ticker, exchange_id::okx, "ETH-USDT"));
  EXPECT_FALSE(w->matches(event_type::ticker, exchange_id::okx, "BTC-USDT"));
  EXPECT_EQ(w->str(), "ticker:*:ETH-USDT");
  EXPECT_TRUE(topic_pattern::parse("*:*:*")->matches(event_type::candle, exchange_id::kraken, "X"));
}

TEST(topic, rejects_bad_patterns_with_reason) {
  std::string err;
  for (const char* s : {"", "trade", "trade:binance", "a:b:c:d", "warp:binance:BTC-USDT", "trade:nyse:BTC-USDT",
                        "trade:binance:", "trade:binance:BTC*", "trade:binance:BTC USDT"}) {
    err.clear();
    EXPECT_FALSE(topic_pattern::parse(s, &err)) << s;
    EXPECT_FALSE(err.empty()) << s;
  }
}

TEST(topic, topic_of_event) {
  trade t;
  t.exchange = exchange_id::kraken;
  t.instrument = "BTC-USD";
  EXPECT_EQ(topic_of(event(t)), "trade:kraken:BTC-USD");
}
