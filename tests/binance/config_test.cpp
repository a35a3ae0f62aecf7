// Binance adapter configuration: validation, stream names, connection split, REST URLs.
#include "adapters/binance/config.hpp"

#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace mdfan::adapters {
namespace {

binance_config with_symbols(std::vector<std::string> symbols) {
  binance_config c;
  c.symbols = std::move(symbols);
  return c;
}

TEST(BinanceConfig, DefaultsAreValid) {
  const auto c = with_symbols({"BTCUSDT", "ETHUSDT"});
  EXPECT_EQ(validate(c), "");
  EXPECT_EQ(c.ws_url, "wss://stream.binance.com:9443");
  EXPECT_EQ(c.rest_url, "https://api.binance.com");
  EXPECT_EQ(c.channels, (std::vector<std::string>{"trade", "ticker", "bookTicker", "depth@100ms", "kline_1m"}));
  EXPECT_EQ(c.depth_limit, 1000u);
}

TEST(BinanceConfig, RejectsBadValuesNamingTheSetting) {
  struct {
    std::function<void(binance_config&)> edit;
    std::string expected;
  } cases[] = {
      {[](auto& c) { c.symbols.clear(); }, "binance.symbols"},
      {[](auto& c) { c.symbols = {"BTC/USDT"}; }, "binance.symbols"},
      {[](auto& c) { c.ws_url = "https://x"; }, "binance.ws_url"},
      {[](auto& c) { c.rest_url = "wss://x"; }, "binance.rest_url"},
      {[](auto& c) {
         c.channels = {"trade", "depth7"};
       },
       "unknown channel 'depth7'"},
      {[](auto& c) { c.channels = {"kline_2m"}; }, "unknown channel 'kline_2m'"},
      {[](auto& c) {
         c.channels = {"trade", "trade"};
       },
       "listed twice"},
      {[](auto& c) {
         c.channels = {"depth", "depth5"};
       },
       "choose one"},
      {[](auto& c) {
         c.channels = {"depth", "depth@100ms"};
       },
       "choose one"},
      {[](auto& c) { c.channels.clear(); }, "binance.channels"},
      {[](auto& c) { c.depth_limit = 0; }, "binance.depth_limit"},
      {[](auto& c) { c.depth_limit = 5001; }, "binance.depth_limit"},
      {[](auto& c) { c.max_streams_per_connection = 2000; }, "binance.max_streams_per_connection"},
      {[](auto& c) { c.rest_weight_per_minute = 10; }, "binance.rest_weight_per_minute"},
      {[](auto& c) {
         c.symbol_overrides = {{"BTCUSDT", "BTCUSDT"}};
       },
       "binance.symbol_overrides"},
  };
  for (const auto& tc : cases) {
    auto c = with_symbols({"BTCUSDT"});
    tc.edit(c);
    const auto why = validate(c);
    EXPECT_NE(why.find(tc.expected), std::string::npos) << "got: '" << why << "' expected: " << tc.expected;
  }
  auto ok = with_symbols({"BTCUSDT"});
  ok.channels = {"aggTrade", "miniTicker", "depth20@100ms", "kline_1M", "kline_1s"};
  EXPECT_EQ(validate(ok), "");
}

TEST(BinanceConfig, ChannelsForEventTypes) {
  EXPECT_EQ(binance_channels_for({event_type::ticker, event_type::trade, event_type::book}),
            (std::vector<std::string>{"ticker", "bookTicker", "trade", "depth@100ms"}));
  EXPECT_EQ(binance_channels_for({event_type::candle, event_type::candle}), (std::vector<std::string>{"kline_1m"}));
  auto c = with_symbols({"BTCUSDT"});
  c.channels = binance_channels_for({event_type::ticker, event_type::trade, event_type::book, event_type::candle});
  EXPECT_EQ(validate(c), "");
}

TEST(BinanceConfig, StreamNamesAreLowercase) {
  EXPECT_EQ(stream_name("BTCUSDT", "depth@100ms"), "btcusdt@depth@100ms");
  EXPECT_EQ(stream_name("BNBBTC", "aggTrade"), "bnbbtc@aggTrade");
  EXPECT_EQ(stream_name("BNBBTC", "kline_1m"), "bnbbtc@kline_1m");
}

TEST(BinanceConfig, OneCombinedConnectionForFewStreams) {
  auto c = with_symbols({"BTCUSDT", "eth-usdt"});
  const auto plans = plan_connections(c);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].url,
            "wss://stream.binance.com:9443/stream?streams=btcusdt@trade/btcusdt@ticker/btcusdt@bookTicker/"
            "btcusdt@depth@100ms/btcusdt@kline_1m/ethusdt@trade/ethusdt@ticker/ethusdt@bookTicker/"
            "ethusdt@depth@100ms/ethusdt@kline_1m");
  EXPECT_EQ(plans[0].symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_EQ(plans[0].streams.size(), 10u);
  // A trailing slash on the base URL is tolerated.
  c.ws_url = "ws://127.0.0.1:9000/";
  EXPECT_TRUE(plan_connections(c)[0].url.starts_with("ws://127.0.0.1:9000/stream?streams=btcusdt@trade/"));
}

TEST(BinanceConfig, SplitsAt1024StreamsPerConnectionKeepingSymbolsWhole) {
  binance_config c;
  for (int i = 0; i < 300; ++i) c.symbols.push_back(fmt::format("S{:03}USDT", i));
  c.max_url_length = 1 << 20;  // only the stream limit applies here
  const auto plans = plan_connections(c);
  ASSERT_EQ(plans.size(), 2u);                // 1500 streams
  EXPECT_EQ(plans[0].streams.size(), 1020u);  // 204 symbols x 5: the 205th would exceed 1024
  EXPECT_EQ(plans[1].streams.size(), 480u);
  std::set<std::string> seen;
  for (const auto& p : plans) {
    EXPECT_LE(p.streams.size(), 1024u);
    EXPECT_EQ(p.streams.size(), p.symbols.size() * c.channels.size());
    for (const auto& s : p.symbols) EXPECT_TRUE(seen.insert(s).second) << s << " on two connections";
  }
  EXPECT_EQ(seen.size(), 300u);
}

TEST(BinanceConfig, SplitsByUrlLength) {
  binance_config c;
  for (int i = 0; i < 300; ++i) c.symbols.push_back(fmt::format("S{:03}USDT", i));
  const auto plans = plan_connections(c);  // default 8000-character URLs
  EXPECT_GT(plans.size(), 2u);
  std::size_t symbols = 0;
  for (const auto& p : plans) {
    EXPECT_LE(p.url.size(), c.max_url_length);
    symbols += p.symbols.size();
  }
  EXPECT_EQ(symbols, 300u);
}

TEST(BinanceConfig, DuplicateSymbolsAreSubscribedOnce) {
  const auto plans = plan_connections(with_symbols({"BTCUSDT", "btcusdt", "BTC-USDT"}));
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].symbols, (std::vector<std::string>{"BTCUSDT"}));
}

TEST(BinanceConfig, SymbolsFromConfig) {
  auto c = with_symbols({"btcusdt", "FOO-BAR"});
  c.symbol_overrides = {{"ABCDEF", "ABC-DEF"}};
  std::vector<std::string> natives;
  const auto s = make_symbols(c, &natives);
  EXPECT_EQ(natives, (std::vector<std::string>{"BTCUSDT", "FOOBAR"}));
  EXPECT_EQ(s.normalize("FOOBAR"), "FOO-BAR");
  EXPECT_EQ(s.normalize("ABCDEF"), "ABC-DEF");
  EXPECT_EQ(s.normalize("BTCUSDT"), "BTC-USDT");
}

TEST(BinanceConfig, DepthSnapshotUrlAndWeight) {
  auto c = with_symbols({"BTCUSDT"});
  EXPECT_EQ(depth_snapshot_url(c, "BNBBTC"), "https://api.binance.com/api/v3/depth?symbol=BNBBTC&limit=1000");
  c.rest_url = "http://127.0.0.1:8080/";
  c.depth_limit = 5000;
  EXPECT_EQ(depth_snapshot_url(c, "BTCUSDT"), "http://127.0.0.1:8080/api/v3/depth?symbol=BTCUSDT&limit=5000");
  EXPECT_EQ(depth_snapshot_weight(100), 5u);
  EXPECT_EQ(depth_snapshot_weight(101), 25u);
  EXPECT_EQ(depth_snapshot_weight(1000), 50u);
  EXPECT_EQ(depth_snapshot_weight(5000), 250u);
}

}  // namespace
}  // namespace mdfan::adapters
