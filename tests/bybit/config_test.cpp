// Bybit options, symbols, intervals and subscription planning.
#include "adapters/bybit/config.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

#include "adapters/bybit/symbols.hpp"

namespace mdfan::test {
namespace {

using namespace mdfan::adapters;

adapter_options basic(std::string market = "spot") {
  adapter_options o;
  o.exchange = exchange_id::bybit;
  o.market = std::move(market);
  o.symbols = {"BTCUSDT"};
  return o;
}

// The exception names the setting.
void expect_rejected(const adapter_options& o, const std::string& setting) {
  try {
    (void)make_bybit_config(o);
    ADD_FAILURE() << "accepted; expected a complaint about " << setting;
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind(setting + ":", 0), 0u) << e.what();
  }
}

TEST(BybitConfig, MarketsAndUrls) {
  auto spot = make_bybit_config(basic("spot"));
  EXPECT_EQ(spot.market, bybit_market::spot);
  EXPECT_EQ(spot.ws_url, "wss://stream.bybit.com/v5/public/spot");
  EXPECT_EQ(spot.max_args_per_request, 10u);
  EXPECT_EQ(spot.depth, 50u);
  auto o = basic("linear");
  o.ws_url = "ws://127.0.0.1:9000/";
  auto linear = make_bybit_config(o);
  EXPECT_EQ(linear.market, bybit_market::linear);
  EXPECT_EQ(linear.ws_url, "ws://127.0.0.1:9000/v5/public/linear");
  EXPECT_EQ(linear.max_args_per_request, 0u);
  EXPECT_EQ(linear.ping_interval.count(), 20000);
}

TEST(BybitConfig, BadOptionsAreRejected) {
  expect_rejected(basic("inverse"), "market");
  expect_rejected(basic("option"), "market");
  auto o = basic();
  o.symbols = {};
  expect_rejected(o, "symbols");
  o.symbols = {"BTC USDT"};
  expect_rejected(o, "symbols");
  o.symbols = {"BTC--USDT"};
  expect_rejected(o, "symbols");
  o.symbols = {"-BTC"};
  expect_rejected(o, "symbols");
  o = basic();
  o.book_depth = 25;
  expect_rejected(o, "book_depth");
  o = basic();
  o.types = {event_type::candle};
  o.candle_interval = "7x";
  expect_rejected(o, "candle_interval");
  o.candle_interval = "2d";  // more than the aggregator's one day, and no kline channel
  expect_rejected(o, "candle_interval");
  o = basic();
  o.ws_url = "http://host";
  expect_rejected(o, "ws_url");
  // Depth and interval are checked only when books and candles are asked for.
  o = basic();
  o.types = {event_type::trade};
  o.book_depth = 25;
  o.candle_interval = "7x";
  EXPECT_NO_THROW((void)make_bybit_config(o));
}

TEST(BybitConfig, Depths) {
  for (unsigned d : {1u, 50u, 200u, 1000u}) {
    auto o = basic("linear");
    o.book_depth = d;
    EXPECT_EQ(make_bybit_config(o).depth, d);
  }
}

TEST(BybitConfig, KlineIntervals) {
  const std::pair<const char*, const char*> map[] = {
      {"1m", "1"},   {"3m", "3"},   {"5m", "5"},    {"15m", "15"}, {"30m", "30"}, {"1h", "60"}, {"2h", "120"},
      {"4h", "240"}, {"6h", "360"}, {"12h", "720"}, {"1d", "D"},   {"1w", "W"},   {"1M", "M"}};
  for (const auto& [name, native] : map) {
    EXPECT_EQ(bybit_native_interval(name), native);
    EXPECT_EQ(bybit_native_interval(native), native);
    EXPECT_EQ(bybit_interval_name(native), name);
  }
  EXPECT_EQ(bybit_native_interval("2m"), "");
  auto o = basic();
  o.types = {event_type::candle};
  o.candle_interval = "1h";
  auto c = make_bybit_config(o);
  EXPECT_FALSE(c.aggregate_candles);
  EXPECT_EQ(c.kline_interval, "60");
  EXPECT_EQ(c.candle_interval, "1h");
  EXPECT_EQ(bybit_topics(c, "BTCUSDT"), std::vector<std::string>{"kline.60.BTCUSDT"});
  o.candle_interval = "10s";
  c = make_bybit_config(o);
  EXPECT_TRUE(c.aggregate_candles);
  EXPECT_EQ(c.candle_interval_ns, 10'000'000'000);
  EXPECT_EQ(bybit_topics(c, "BTCUSDT"), std::vector<std::string>{"publicTrade.BTCUSDT"});
}

TEST(BybitSymbols, NormalizeAndConfiguredForms) {
  bybit_symbols s;
  EXPECT_EQ(s.normalize("BTCUSDT"), "BTC-USDT");
  EXPECT_EQ(s.normalize("ethusdc"), "ETH-USDC");
  EXPECT_EQ(s.normalize("ETHBTC"), "ETH-BTC");
  EXPECT_EQ(s.normalize("BTCPERP"), "BTC-PERP");
  EXPECT_EQ(s.normalize("USDCUSDT"), "USDC-USDT");
  EXPECT_EQ(s.normalize("BTC-26DEC25"), "BTC-26DEC25");  // dated future: kept
  EXPECT_EQ(s.normalize("XYZ"), "XYZ");                  // unknown quote: kept, not dropped
  EXPECT_EQ(s.native("BTC-USDT"), "BTCUSDT");
  EXPECT_EQ(s.native("btc/usdt"), "BTCUSDT");
  EXPECT_EQ(s.native("BTC-26DEC25"), "BTC-26DEC25");

  EXPECT_EQ(s.add_configured("btcusdt"), "BTCUSDT");
  EXPECT_EQ(s.add_configured("BTC-26DEC25"), "BTC-26DEC25");
  EXPECT_EQ(s.add_configured("bad symbol"), "");
  EXPECT_EQ(s.add_configured(""), "");
  // A configured split wins over the quote list.
  EXPECT_EQ(s.add_configured("1000PEPE/USDT"), "1000PEPEUSDT");
  EXPECT_EQ(s.normalize("1000PEPEUSDT"), "1000PEPE-USDT");
  s.add_override("ABCDUSD", "ABCD-USD");
  EXPECT_EQ(s.normalize("ABCDUSD"), "ABCD-USD");
  s.add_override("MNTUSDT", "M-NTUSDT");  // overrides replace the list's split
  EXPECT_EQ(s.normalize("MNTUSDT"), "M-NTUSDT");
  EXPECT_EQ(s.native("M-NTUSDT"), "MNTUSDT");
}

TEST(BybitConfig, ConfiguredSymbolsAreDeduplicated) {
  auto o = basic();
  o.symbols = {"BTCUSDT", "BTC-USDT", "btcusdt", "ETH/USDT"};
  auto c = make_bybit_config(o);
  EXPECT_EQ(c.symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_EQ(c.names.normalize("ETHUSDT"), "ETH-USDT");
}

TEST(BybitConfig, ConnectionsStayWithinTheArgsBudget) {
  auto o = basic("linear");
  for (int i = 0; i < 100; ++i) o.symbols.push_back("SYM" + std::to_string(i) + "USDT");
  auto c = make_bybit_config(o);
  EXPECT_EQ(bybit_plan_connections(c).size(), 1u);
  c.max_arg_chars_per_connection = 300;
  const auto plan = bybit_plan_connections(c);
  ASSERT_GT(plan.size(), 1u);
  std::size_t total = 0;
  for (const auto& conn : plan) {
    std::size_t chars = 0;
    for (const auto& s : conn)
      for (const auto& t : bybit_topics(c, s)) chars += t.size();
    EXPECT_LE(chars, 300u);
    total += conn.size();
  }
  EXPECT_EQ(total, c.symbols.size());
}

TEST(BybitConfig, RequestsSplitByArgsLimit) {
  std::vector<std::string> args;
  for (int i = 0; i < 23; ++i) args.push_back("t" + std::to_string(i));
  EXPECT_EQ(bybit_requests("subscribe", args, 10, "x").size(), 3u);
  EXPECT_EQ(bybit_requests("subscribe", args, 0, "x").size(), 1u);
  EXPECT_EQ(bybit_requests("unsubscribe", {"a", "b"}, 10, "r")[0],
            R"({"req_id":"r","op":"unsubscribe","args":["a","b"]})");
  EXPECT_TRUE(bybit_requests("subscribe", {}, 10, "x").empty());
}

}  // namespace
}  // namespace mdfan::test
