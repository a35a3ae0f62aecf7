// OKX configuration: symbol forms, candle bars, book depths, the split over /public and /business
// connections, subscribe requests within the args limit, and bad options rejected by name.
#include "adapters/okx/config.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

#include "adapters/okx/factory.hpp"
#include "adapters/okx/symbols.hpp"
#include "core/metrics.hpp"
#include "feed/feed_test_util.hpp"

namespace mdfan::adapters {
namespace {

adapter_options options(std::vector<std::string> symbols, std::vector<event_type> types) {
  adapter_options o;
  o.exchange = exchange_id::okx;
  o.symbols = std::move(symbols);
  o.types = std::move(types);
  return o;
}

void expect_rejected(const adapter_options& o, std::string_view setting) {
  try {
    (void)okx_config_from(o);
    ADD_FAILURE() << "accepted; expected a complaint about " << setting;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string_view(e.what()).find(setting), std::string_view::npos) << e.what();
  }
}

TEST(OkxSymbols, NativeFormsAndNormalization) {
  EXPECT_EQ(okx_native_symbol("BTC-USDT"), "BTC-USDT");
  EXPECT_EQ(okx_native_symbol("btc-usdt"), "BTC-USDT");
  EXPECT_EQ(okx_native_symbol("BTC/USDT"), "BTC-USDT");
  EXPECT_EQ(okx_native_symbol("BTC-USDT-SWAP"), "BTC-USDT-SWAP");
  EXPECT_EQ(okx_native_symbol("BTC-USD-191227"), "BTC-USD-191227");
  EXPECT_EQ(okx_native_symbol("BTCUSDT"), "");
  EXPECT_EQ(okx_native_symbol("-BTC"), "");
  EXPECT_EQ(okx_native_symbol("BTC-"), "");
  EXPECT_EQ(okx_native_symbol("BTC--USDT"), "");
  EXPECT_EQ(okx_native_symbol("BTC USDT"), "");
  EXPECT_EQ(okx_normalize("BTC-USDT"), "BTC-USDT");
}

TEST(OkxCandles, BarsAndIntervals) {
  EXPECT_EQ(okx_candle_bar("1m"), "1m");
  EXPECT_EQ(okx_candle_bar("1h"), "1H");
  EXPECT_EQ(okx_candle_bar("1H"), "1H");
  EXPECT_EQ(okx_candle_bar("4h"), "4H");
  EXPECT_EQ(okx_candle_bar("1d"), "1D");
  EXPECT_EQ(okx_candle_bar("1w"), "1W");
  EXPECT_EQ(okx_candle_bar("1M"), "1M");  // month
  EXPECT_EQ(okx_candle_bar("1s"), "1s");
  EXPECT_EQ(okx_candle_bar("1dutc"), "1Dutc");
  EXPECT_EQ(okx_candle_bar("1mutc"), "");
  EXPECT_EQ(okx_candle_bar("7m"), "");
  EXPECT_EQ(okx_candle_bar("8h"), "");
  EXPECT_EQ(okx_candle_bar(""), "");
  EXPECT_EQ(okx_interval_of_bar("1H"), "1h");
  EXPECT_EQ(okx_interval_of_bar("1D"), "1d");
  EXPECT_EQ(okx_interval_of_bar("1m"), "1m");
  EXPECT_EQ(okx_interval_of_bar("1M"), "1M");
  EXPECT_EQ(okx_interval_of_bar("1Dutc"), "1dutc");
}

TEST(OkxConfig, FromOptions) {
  auto o = options({"btc-usdt", "ETH/USDT", "BTC-USDT"},
                   {event_type::ticker, event_type::trade, event_type::book, event_type::candle});
  o.candle_interval = "1h";
  const auto cfg = okx_config_from(o);
  EXPECT_EQ(cfg.channels.symbols, (std::vector<std::string>{"BTC-USDT", "ETH-USDT"}));
  EXPECT_TRUE(cfg.channels.tickers);
  EXPECT_TRUE(cfg.channels.trades);
  EXPECT_EQ(cfg.channels.book, "books");
  EXPECT_EQ(cfg.channels.candle, "candle1H");
  EXPECT_EQ(cfg.ws_url, "wss://ws.okx.com:8443");
  EXPECT_EQ(cfg.idle_timeout.count(), 30000);
  EXPECT_EQ(cfg.ping_interval.count(), 20000);
  o.book_depth = 5;
  EXPECT_EQ(okx_config_from(o).channels.book, "books5");
  o.book_depth = 1;
  EXPECT_EQ(okx_config_from(o).channels.book, "bbo-tbt");
  o.candle_interval = "1d";
  EXPECT_EQ(okx_config_from(o).channels.candle, "candle1D");
}

TEST(OkxConfig, BadOptionsAreRejectedByName) {
  expect_rejected(options({"BTCUSDT"}, {event_type::trade}), "symbols");
  expect_rejected(options({}, {event_type::trade}), "symbols");
  expect_rejected(options({"BTC-USDT"}, {}), "types");
  auto o = options({"BTC-USDT"}, {event_type::candle});
  o.candle_interval = "7m";
  expect_rejected(o, "candle_interval");
  o = options({"BTC-USDT"}, {event_type::book});
  o.book_depth = 50;
  expect_rejected(o, "book_depth");
  o = options({"BTC-USDT"}, {event_type::book});
  o.ws_url = "http://example.com";
  expect_rejected(o, "ws_url");
  // The factory rejects the same way, before any connection exists.
  metrics_registry metrics;
  test::io_thread io;
  EXPECT_THROW(make_okx_adapter(io.executor(), options({"BTCUSDT"}, {event_type::trade}), {}, test::quiet(), metrics),
               std::invalid_argument);
}

TEST(OkxConfig, PublicAndBusinessConnections) {
  auto o = options({"BTC-USDT", "ETH-USDT"}, {event_type::trade, event_type::book, event_type::candle});
  o.ws_url = "ws://127.0.0.1:1234/";
  const auto plans = plan_connections(okx_config_from(o));
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0].url, "ws://127.0.0.1:1234/ws/v5/public");
  EXPECT_EQ(plans[0].name, "okx#0");
  EXPECT_EQ(plans[0].channels.symbols.size(), 2u);
  EXPECT_TRUE(plans[0].channels.candle.empty());
  EXPECT_EQ(plans[0].channels.book, "books");
  EXPECT_EQ(plans[1].url, "ws://127.0.0.1:1234/ws/v5/business");
  EXPECT_EQ(plans[1].name, "okx-business#0");
  EXPECT_EQ(plans[1].channels.candle, "candle1m");
  EXPECT_FALSE(plans[1].channels.trades);
  EXPECT_TRUE(plans[1].channels.book.empty());
  // Candles alone: the business connection only.
  const auto only = plan_connections(okx_config_from(options({"BTC-USDT"}, {event_type::candle})));
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].url, "wss://ws.okx.com:8443/ws/v5/business");
  // No candles: no business connection.
  EXPECT_EQ(plan_connections(okx_config_from(options({"BTC-USDT"}, {event_type::trade}))).size(), 1u);
}

TEST(OkxConfig, FullBooksSpreadOverConnections) {
  std::vector<std::string> symbols;
  for (int i = 0; i < 45; ++i) symbols.push_back("C" + std::to_string(i) + "-USDT");
  auto cfg = okx_config_from(options(symbols, {event_type::trade, event_type::book}));
  auto plans = plan_connections(cfg);
  ASSERT_EQ(plans.size(), 3u);  // 20 + 20 + 5
  EXPECT_EQ(plans[0].channels.symbols.size(), 20u);
  EXPECT_EQ(plans[2].channels.symbols.size(), 5u);
  EXPECT_EQ(plans[2].name, "okx#2");
  EXPECT_EQ(plans[1].channels.symbols.front(), "C20-USDT");
  // Without the 400-level book, one connection carries them all.
  auto trades = okx_config_from(options(symbols, {event_type::trade}));
  EXPECT_EQ(plan_connections(trades).size(), 1u);
}

TEST(OkxConfig, RequestsSplitAtTheArgsLimit) {
  okx_channels ch;
  for (int i = 0; i < 10; ++i) ch.symbols.push_back("C" + std::to_string(i) + "-USDT");
  ch.trades = true;
  ch.book = "books";
  const auto one = okx_requests("subscribe", ch, 60000);
  ASSERT_EQ(one.size(), 1u);
  // One arg is {"channel":"trades","instId":"C0-USDT"} (40 bytes): 100 bytes hold two args.
  const auto many = okx_requests("subscribe", ch, 100);
  ASSERT_EQ(many.size(), 10u);
  std::size_t args = 0;
  for (const auto& r : many) {
    const auto open = r.find('[');
    const auto close = r.rfind(']');
    EXPECT_LE(close - open + 1, 100u) << r;
    for (std::size_t p = r.find("channel"); p != std::string::npos; p = r.find("channel", p + 1)) ++args;
    EXPECT_EQ(r.rfind(R"({"op":"subscribe","args":[)", 0), 0u);
  }
  EXPECT_EQ(args, 20u);
  EXPECT_EQ(okx_request("unsubscribe", "books", "BTC-USDT"),
            R"({"op":"unsubscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})");
}

}  // namespace
}  // namespace mdfan::adapters
