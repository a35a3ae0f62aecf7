// Coinbase options: product ids, channels, candle intervals, URLs and the settings that are refused.
#include "adapters/coinbase/config.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace mdfan::adapters {
namespace {

adapter_options base() {
  adapter_options o;
  o.exchange = exchange_id::coinbase;
  o.symbols = {"BTC-USD"};
  return o;
}

// The message of the invalid_argument thrown, or "" when none was.
std::string rejection(const adapter_options& o) {
  try {
    (void)coinbase_config_from(o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

TEST(CoinbaseSymbols, ProductIds) {
  EXPECT_EQ(coinbase_product_id("BTC-USD"), "BTC-USD");
  EXPECT_EQ(coinbase_product_id("btc-usd"), "BTC-USD");
  EXPECT_EQ(coinbase_product_id("ETH-USDC"), "ETH-USDC");
  EXPECT_EQ(coinbase_product_id("BIT-31JAN25-CDE"), "BIT-31JAN25-CDE");  // futures ids have two dashes
  for (const char* bad : {"", "BTCUSD", "BTC/USD", "-BTC", "BTC-", "BTC--USD", "BTC USD", "BTC-\"USD"})
    EXPECT_EQ(coinbase_product_id(bad), "") << bad;
}

TEST(CoinbaseConfig, Defaults) {
  auto o = base();
  o.symbols = {"btc-usd", "ETH-USD", "BTC-USD"};
  const auto c = coinbase_config_from(o);
  EXPECT_EQ(c.ws_url, "wss://advanced-trade-ws.coinbase.com/");
  EXPECT_EQ(c.products, (std::vector<std::string>{"BTC-USD", "ETH-USD"}));  // duplicates folded
  EXPECT_TRUE(c.tickers && c.trades && c.books);
  EXPECT_FALSE(c.candles);
  EXPECT_EQ(c.idle_timeout.count(), 10000);
}

TEST(CoinbaseConfig, UrlBaseGetsThePath) {
  auto o = base();
  o.ws_url = "ws://127.0.0.1:4567/";
  EXPECT_EQ(coinbase_config_from(o).ws_url, "ws://127.0.0.1:4567/");
  o.ws_url = "ws://127.0.0.1:4567";
  EXPECT_EQ(coinbase_config_from(o).ws_url, "ws://127.0.0.1:4567/");
}

TEST(CoinbaseConfig, CandleIntervals) {
  auto o = base();
  o.types = {event_type::candle};
  o.candle_interval = "5m";
  auto c = coinbase_config_from(o);
  EXPECT_TRUE(c.native_candles);
  EXPECT_FALSE(c.wants_market_trades());
  o.candle_interval = "1h";
  c = coinbase_config_from(o);
  EXPECT_FALSE(c.native_candles);
  EXPECT_TRUE(c.wants_market_trades());
  EXPECT_EQ(c.candle_interval_ns, 3'600'000'000'000);
}

TEST(CoinbaseConfig, BadOptionsNameTheSetting) {
  auto o = base();
  o.symbols = {"BTCUSD"};
  EXPECT_NE(rejection(o).find("symbols"), std::string::npos);
  o.symbols = {};
  EXPECT_NE(rejection(o).find("symbols"), std::string::npos);
  o = base();
  o.candle_interval = "1w";
  EXPECT_NE(rejection(o).find("candle_interval"), std::string::npos);
  o.candle_interval = "0m";
  EXPECT_NE(rejection(o).find("candle_interval"), std::string::npos);
  o = base();
  o.ws_url = "http://x";
  EXPECT_NE(rejection(o).find("ws_url"), std::string::npos);
  o = base();
  o.book_depth = 10;
  EXPECT_NE(rejection(o).find("book_depth"), std::string::npos);
  o = base();
  o.types = {};
  EXPECT_NE(rejection(o).find("types"), std::string::npos);
  o = base();
  o.exchange = exchange_id::kraken;
  EXPECT_NE(rejection(o).find("exchange"), std::string::npos);
  EXPECT_EQ(rejection(base()), "");
}

}  // namespace
}  // namespace mdfan::adapters

namespace mdfan::adapters {
namespace {

TEST(CoinbaseConfig, LevelTwoOfEachProductOnItsOwnConnection) {
  adapter_options o;
  o.exchange = exchange_id::coinbase;
  o.symbols = {"BTC-USD", "ETH-USD"};
  o.types = {event_type::book, event_type::ticker, event_type::trade};
  const auto plans = plan_coinbase_connections(coinbase_config_from(o));
  ASSERT_EQ(plans.size(), 3u);
  EXPECT_EQ(plans[0].name, "coinbase#0");
  EXPECT_FALSE(plans[0].cfg.books);
  EXPECT_TRUE(plans[0].cfg.tickers && plans[0].cfg.trades);
  EXPECT_EQ(plans[0].cfg.products, (std::vector<std::string>{"BTC-USD", "ETH-USD"}));
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(plans[i].name, "coinbase-l2#" + o.symbols[i - 1]);
    EXPECT_TRUE(plans[i].cfg.books);
    EXPECT_FALSE(plans[i].cfg.tickers || plans[i].cfg.trades || plans[i].cfg.candles);
    EXPECT_EQ(plans[i].cfg.products, std::vector<std::string>{o.symbols[i - 1]});
  }
  o.types = {event_type::book};
  EXPECT_EQ(plan_coinbase_connections(coinbase_config_from(o)).size(), 2u);  // no #0 for heartbeats alone
  o.types = {event_type::candle};
  EXPECT_EQ(plan_coinbase_connections(coinbase_config_from(o)).size(), 1u);
}

}  // namespace
}  // namespace mdfan::adapters
