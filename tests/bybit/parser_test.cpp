// The Bybit parser on every documented sample (pretty-printed as stored and compact as on the wire),
// field by field, plus the shapes the docs describe without a sample.
#include "adapters/bybit/parser.hpp"

#include <gtest/gtest.h>

#include "adapters/bybit/session.hpp"
#include "bybit/test_util.hpp"

namespace mdfan::test {
namespace {

using namespace mdfan::adapters;

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t recv = 42;

struct parsed {
  bool ok = false;
  bybit_message msg;
  bybit_parse_error err;
};

// Parses `text` both as stored and minified; both must agree; returns the minified result.
parsed parse_both(const std::string& text) {
  bybit_parser p;
  parsed pretty, compact;
  pretty.ok = p.parse(text, recv, pretty.msg, pretty.err);
  const padded m(minify(text));
  compact.ok = p.parse_padded(m.view(), recv, compact.msg, compact.err);
  EXPECT_EQ(pretty.ok, compact.ok);
  EXPECT_EQ(pretty.msg.kind, compact.msg.kind);
  EXPECT_EQ(pretty.err.reason, compact.err.reason);
  return compact;
}

parsed parse_fixture(const std::string& name) { return parse_both(read_bybit_fixture(name)); }

TEST(BybitParser, OrderbookSnapshotLinear) {
  auto r = parse_fixture("orderbook_50_snapshot_linear.json");
  ASSERT_TRUE(r.ok) << r.err.reason;
  ASSERT_EQ(r.msg.kind, bybit_kind::book);
  const auto& b = r.msg.book;
  EXPECT_EQ(r.msg.topic, "orderbook.50.BTCUSDT");
  EXPECT_EQ(b.symbol, "BTCUSDT");
  EXPECT_EQ(b.depth, 50u);
  EXPECT_TRUE(b.snapshot);
  EXPECT_EQ(b.update_id, 18521288u);
  EXPECT_EQ(b.cross_seq, 7961638724u);
  EXPECT_EQ(b.ts_ns, 1672304484978 * ms);
  EXPECT_EQ(b.cts_ns, 1672304484976 * ms);
  EXPECT_TRUE(same_levels(b.bids, levels({{"16493.50", "0.006"}, {"16493.00", "0.100"}}))) << show(b.bids);
  EXPECT_TRUE(same_levels(b.asks, levels({{"16611.00", "0.029"}, {"16612.00", "0.213"}}))) << show(b.asks);
}

TEST(BybitParser, OrderbookDeltaLinear) {
  auto r = parse_fixture("orderbook_50_delta_linear.json");
  ASSERT_TRUE(r.ok) << r.err.reason;
  ASSERT_EQ(r.msg.kind, bybit_kind::book);
  const auto& b = r.msg.book;
  EXPECT_EQ(b.symbol, "BTCUSDT");
  EXPECT_EQ(b.depth, 50u);
  EXPECT_FALSE(b.snapshot);
  EXPECT_EQ(b.update_id, 177400507u);
  EXPECT_EQ(b.cross_seq, 66544703342u);
  EXPECT_EQ(b.ts_ns, 1687940967466 * ms);
  EXPECT_EQ(b.cts_ns, 1687940967464 * ms);
  EXPECT_TRUE(same_levels(b.bids, levels({{"30247.20", "30.028"},
                                          {"30245.40", "0.224"},
                                          {"30242.10", "1.593"},
                                          {"30240.30", "1.305"},
                                          {"30240.00", "0"}})))
      << show(b.bids);
  EXPECT_TRUE(same_levels(b.asks, levels({{"30248.70", "0"},
                                          {"30249.30", "0.892"},
                                          {"30249.50", "1.778"},
                                          {"30249.60", "0"},
                                          {"30251.90", "2.947"},
                                          {"30252.20", "0.659"},
                                          {"30252.50", "4.591"}})))
      << show(b.asks);
}

TEST(BybitParser, PublicTradeLinear) {
  auto r = parse_fixture("publicTrade_linear.json");
  ASSERT_TRUE(r.ok) << r.err.reason;
  ASSERT_EQ(r.msg.kind, bybit_kind::trades);
  ASSERT_EQ(r.msg.trades.size(), 1u);
  const trade& t = r.msg.trades[0];
  EXPECT_EQ(t.exchange, exchange_id::bybit);
  EXPECT_EQ(t.symbol, "BTCUSDT");
  EXPECT_EQ(t.instrument, "BTC-USDT");
  EXPECT_EQ(t.exchange_ts_ns, 1672304486865 * ms);
  EXPECT_EQ(t.receive_ts_ns, recv);
  EXPECT_EQ(t.price.str(), "16578.50");
  EXPECT_EQ(t.size.str(), "0.001");
  EXPECT_EQ(t.aggressor, side::buy);
  EXPECT_EQ(t.trade_id, "20f43950-d8dd-5b31-9112-a178eb6023af");
  EXPECT_EQ(t.sequence, 1783284617u);
}

TEST(BybitParser, TickersLinearSnapshot) {
  auto r = parse_fixture("tickers_linear_perpetual.json");
  ASSERT_TRUE(r.ok) << r.err.reason;
  ASSERT_EQ(r.msg.kind, bybit_kind::ticker);
  EXPECT_FALSE(r.msg.ticker_delta);
  const ticker& t = r.msg.tick;
  EXPECT_EQ(t.exchange, exchange_id::bybit);
  EXPECT_EQ(t.symbol, "BTCUSDT");
  EXPECT_EQ(t.instrument, "BTC-USDT");
  EXPECT_EQ(t.exchange_ts_ns, 1760325052630 * ms);
  EXPECT_EQ(t.receive_ts_ns, recv);
  EXPECT_EQ(t.sequence, 9532239429u);
  EXPECT_EQ(t.last_price.str(), "66666.60");
  EXPECT_EQ(t.bid_price.str(), "66666.60");
  EXPECT_EQ(t.bid_size.str(), "23789.165");
  EXPECT_EQ(t.ask_price.str(), "66666.70");
  EXPECT_EQ(t.ask_size.str(), "23775.469");
  EXPECT_EQ(t.open_24h.str(), "79206.20");
  EXPECT_EQ(t.high_24h.str(), "79266.30");
  EXPECT_EQ(t.low_24h.str(), "65076.90");
  EXPECT_EQ(t.volume_24h.str(), "73191.3870");
  EXPECT_EQ(t.quote_volume_24h.str(), "4936790807.6521");
  EXPECT_TRUE(t.last_size.empty());
  EXPECT_TRUE(t.change_24h.empty());  // Bybit sends a percentage (price24hPcnt), not the change
}

TEST(BybitParser, TickersSpot) {
  auto r = parse_fixture("tickers_spot.json");
  ASSERT_TRUE(r.ok) << r.err.reason;
  ASSERT_EQ(r.msg.kind, bybit_kind::ticker);
  EXPECT_FALSE(r.msg.ticker_delta);
  const ticker& t = r.msg.tick;
  EXPECT_EQ(t.symbol, "BTCUSDT");
  EXPECT_EQ(t.instrument, "BTC-USDT");
  EXPECT_EQ(t.exchange_ts_ns, 1673853746003 * ms);
  EXPECT_EQ(t.sequence, 2588407389u);
  EXPECT_EQ(t.last_price.str(), "21109.77");
  EXPECT_EQ(t.high_24h.str(), "21426.99");
  EXPECT_EQ(t.low_24h.str(), "20575");
  EXPECT_EQ(t.open_24h.str(), "20704.93");
  EXPECT_EQ(t.volume_24h.str(), "6780.866843");
  EXPECT_EQ(t.quote_volume_24h.str(), "141946527.22907118");
  EXPECT_TRUE(t.bid_price.empty());  // spot tickers carry no best bid/ask
  EXPECT_TRUE(t.ask_price.empty());
}

TEST(BybitParser, KlineLinear) {
  auto r = parse_fixture("kline_5_linear.json");
  ASSERT_TRUE(r.ok) << r.err.reason;
  ASSERT_EQ(r.msg.kind, bybit_kind::candles);
  ASSERT_EQ(r.msg.candles.size(), 1u);
  const candle& c = r.msg.candles[0];
  EXPECT_EQ(c.exchange, exchange_id::bybit);
  EXPECT_EQ(c.symbol, "BTCUSDT");
  EXPECT_EQ(c.instrument, "BTC-USDT");
  EXPECT_EQ(c.interval, "5m");
  EXPECT_EQ(c.open_time_ns, 1672324800000 * ms);
  EXPECT_EQ(c.close_time_ns, 1672325099999 * ms);
  EXPECT_EQ(c.open.str(), "16649.5");
  EXPECT_EQ(c.close.str(), "16677");
  EXPECT_EQ(c.high.str(), "16677");
  EXPECT_EQ(c.low.str(), "16608");
  EXPECT_EQ(c.volume.str(), "2.081");
  EXPECT_EQ(c.quote_volume.str(), "34666.4005");
  EXPECT_FALSE(c.closed);
  EXPECT_EQ(c.exchange_ts_ns, 1672324988882 * ms);
  EXPECT_EQ(c.receive_ts_ns, recv);
}

TEST(BybitParser, ControlTraffic) {
  struct expect_control {
    const char* file;
    bybit_control::kind what;
    bool success;
    const char* op;
    const char* req_id;
    const char* ret_msg;
  };
  const expect_control cases[] = {
      {"ping_request.json", bybit_control::kind::request, true, "ping", "100001", ""},
      {"pong_linear.json", bybit_control::kind::pong, true, "ping", "", "pong"},
      {"pong_spot.json", bybit_control::kind::pong, true, "ping", "", "pong"},
      {"pong_option_spread.json", bybit_control::kind::pong, true, "pong", "", ""},
      {"subscribe_request_multi.json", bybit_control::kind::request, true, "subscribe", "test", ""},
      {"subscribe_request_orderbook1.json", bybit_control::kind::request, true, "subscribe", "test", ""},
      {"unsubscribe_request.json", bybit_control::kind::request, true, "unsubscribe", "customised_id", ""},
      {"subscribe_response_linear.json", bybit_control::kind::ack, true, "subscribe", "", ""},
      {"subscribe_response_spot.json", bybit_control::kind::ack, true, "subscribe", "10001", "subscribe"},
      {"subscribe_response_option_spread.json", bybit_control::kind::ack, true, "", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto r = parse_fixture(c.file);
    ASSERT_TRUE(r.ok) << r.err.reason;
    ASSERT_EQ(r.msg.kind, bybit_kind::control);
    EXPECT_EQ(r.msg.control.what, c.what);
    EXPECT_EQ(r.msg.control.success, c.success);
    EXPECT_EQ(r.msg.control.op, c.op);
    EXPECT_EQ(r.msg.control.req_id, c.req_id);
    EXPECT_EQ(r.msg.control.ret_msg, c.ret_msg);
  }
}

TEST(BybitParser, SubscribeFailure) {
  auto r = parse_both(
      R"({"success":false,"ret_msg":"error:handler not found,topic:orderbook.7.BTCUSDT","conn_id":"x","req_id":"sub","op":"subscribe"})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.msg.control.what, bybit_control::kind::ack);
  EXPECT_FALSE(r.msg.control.success);
  EXPECT_EQ(r.msg.control.ret_msg, "error:handler not found,topic:orderbook.7.BTCUSDT");
}

// Spot puts "ts" before "type" and has no "L" in trades; the parser must not care about key order.
TEST(BybitParser, SpotLayoutAndAnyKeyOrder) {
  auto r = parse_both(
      R"({"topic":"orderbook.50.ETHUSDT","ts":1,"type":"delta","data":{"u":7,"a":[["2.5","1"]],"b":[],"s":"ETHUSDT","seq":9}})");
  ASSERT_TRUE(r.ok) << r.err.reason;
  EXPECT_EQ(r.msg.book.symbol, "ETHUSDT");
  EXPECT_EQ(r.msg.book.update_id, 7u);
  EXPECT_EQ(r.msg.book.cts_ns, 0);
  EXPECT_TRUE(same_levels(r.msg.book.asks, levels({{"2.5", "1"}})));

  // "data" before "topic" (never seen on the wire, but allowed by JSON).
  r = parse_both(
      R"({"data":[{"i":"1","T":5,"p":"10","v":"2","S":"Sell","s":"ETHUSDT","BT":false}],"type":"snapshot","topic":"publicTrade.ETHUSDT","ts":6})");
  ASSERT_TRUE(r.ok) << r.err.reason;
  ASSERT_EQ(r.msg.trades.size(), 1u);
  EXPECT_EQ(r.msg.trades[0].aggressor, side::sell);
  EXPECT_EQ(r.msg.trades[0].instrument, "ETH-USDT");
  EXPECT_EQ(r.msg.trades[0].exchange_ts_ns, 5 * ms);
}

TEST(BybitParser, LinearTickerDeltaCarriesOnlyChangedFields) {
  auto r = parse_both(
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"66666.50","bid1Size":"1.5"},"cs":9532239430,"ts":1760325052730})");
  ASSERT_TRUE(r.ok) << r.err.reason;
  ASSERT_EQ(r.msg.kind, bybit_kind::ticker);
  EXPECT_TRUE(r.msg.ticker_delta);
  EXPECT_EQ(r.msg.tick.bid_price.str(), "66666.50");
  EXPECT_TRUE(r.msg.tick.last_price.empty());

  ticker state;
  state.last_price = decimal::from("1");
  state.bid_price = decimal::from("2");
  merge_ticker(state, r.msg.tick);
  EXPECT_EQ(state.last_price.str(), "1");
  EXPECT_EQ(state.bid_price.str(), "66666.50");
  EXPECT_EQ(state.bid_size.str(), "1.5");
  EXPECT_EQ(state.sequence, 9532239430u);
  EXPECT_EQ(state.exchange_ts_ns, 1760325052730 * ms);
}

TEST(BybitParser, NumbersAreTakenAsTheirText) {
  auto r = parse_both(
      R"({"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[[100.50,1.5e-7]],"a":[[1E+2,"2"]],"u":3,"seq":4}})");
  ASSERT_TRUE(r.ok) << r.err.reason;
  EXPECT_TRUE(same_levels(r.msg.book.bids, levels({{"100.50", "0.00000015"}}))) << show(r.msg.book.bids);
  EXPECT_TRUE(same_levels(r.msg.book.asks, levels({{"100", "2"}}))) << show(r.msg.book.asks);

  std::string out;
  EXPECT_TRUE(plain_decimal_text("1.5e-7", out));
  EXPECT_EQ(out, "0.00000015");
  EXPECT_TRUE(plain_decimal_text("-2.50E3", out));
  EXPECT_EQ(out, "-2500");
  EXPECT_TRUE(plain_decimal_text("12.345e1", out));
  EXPECT_EQ(out, "123.45");
  EXPECT_TRUE(plain_decimal_text("0.1e0", out));
  EXPECT_EQ(out, "0.1");
  EXPECT_FALSE(plain_decimal_text("1e", out));
  EXPECT_FALSE(plain_decimal_text("abc", out));
  EXPECT_FALSE(plain_decimal_text("1e999", out));
}

TEST(BybitParser, MalformedBookMessagesNameTheirBook) {
  bybit_parser p;
  bybit_message m;
  bybit_parse_error e;
  // Truncated JSON: the topic is recovered from the text.
  EXPECT_FALSE(p.parse(R"({"topic":"orderbook.50.ETHUSDT","type":"delta","data":{"s":"ETHUSDT","b":[[)", recv, m, e));
  EXPECT_TRUE(e.book);
  EXPECT_EQ(e.symbol, "ETHUSDT");
  EXPECT_FALSE(e.reason.empty());

  const char* bad[] = {
      R"({"topic":"orderbook.50.ETHUSDT","type":"delta","data":{"s":"ETHUSDT","b":[["x","1"]],"a":[],"u":1}})",
      R"({"topic":"orderbook.50.ETHUSDT","type":"delta","data":{"s":"ETHUSDT","b":[["1","-1"]],"a":[],"u":1}})",
      R"({"topic":"orderbook.50.ETHUSDT","type":"delta","data":{"s":"ETHUSDT","b":[["1"]],"a":[],"u":1}})",
      R"({"topic":"orderbook.50.ETHUSDT","type":"delta","data":{"s":"ETHUSDT","b":[],"a":[]}})",
      R"({"topic":"orderbook.50.ETHUSDT","type":"delta","data":{"s":"ETHUSDT","b":[],"a":[],"u":"x"}})",
      R"({"topic":"orderbook.50.ETHUSDT","type":"weird","data":{"s":"ETHUSDT","b":[],"a":[],"u":1}})",
      R"({"topic":"orderbook.50.ETHUSDT","type":"delta","data":{"s":"BTCUSDT","b":[],"a":[],"u":1}})",
      R"({"topic":"orderbook.50.ETHUSDT","type":"delta"})",
  };
  for (const char* text : bad) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(p.parse(text, recv, m, e));
    EXPECT_TRUE(e.book);
    EXPECT_EQ(e.symbol, "ETHUSDT");
  }
  // Not a book: no book to resync.
  EXPECT_FALSE(p.parse(R"({"topic":"publicTrade.ETHUSDT","type":"snapshot","data":[{"T":1}]})", recv, m, e));
  EXPECT_FALSE(e.book);
  EXPECT_FALSE(p.parse("not json", recv, m, e));
  EXPECT_FALSE(e.book);
  EXPECT_FALSE(p.parse("[1,2]", recv, m, e));
  EXPECT_FALSE(p.parse(R"({"hello":1})", recv, m, e));
  EXPECT_EQ(e.reason, "neither a topic message nor a reply");
}

TEST(BybitParser, UnmappedTopicsAreIgnored) {
  auto r = parse_both(R"({"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"BTCUSDT"}]})");
  ASSERT_TRUE(r.ok) << r.err.reason;
  EXPECT_EQ(r.msg.kind, bybit_kind::other);
}

// The decoder (mdfan decode, replay tools) on every fixture: events for data, nothing for control.
TEST(BybitDecoder, EveryFixture) {
  struct expect_events {
    const char* file;
    std::size_t events;
  };
  const expect_events cases[] = {
      {"kline_5_linear.json", 1},
      {"orderbook_50_delta_linear.json", 1},
      {"orderbook_50_snapshot_linear.json", 1},
      {"ping_request.json", 0},
      {"pong_linear.json", 0},
      {"pong_option_spread.json", 0},
      {"pong_spot.json", 0},
      {"publicTrade_linear.json", 1},
      {"subscribe_request_multi.json", 0},
      {"subscribe_request_orderbook1.json", 0},
      {"subscribe_response_linear.json", 0},
      {"subscribe_response_option_spread.json", 0},
      {"subscribe_response_spot.json", 0},
      {"tickers_linear_perpetual.json", 1},
      {"tickers_spot.json", 1},
      {"unsubscribe_request.json", 0},
  };
  auto dec = make_bybit_decoder();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const padded m(minify(read_bybit_fixture(c.file)));
    std::vector<event> out;
    std::string err;
    ASSERT_TRUE(dec->decode(m.view(), 0, out, err)) << err;
    EXPECT_EQ(out.size(), c.events);
  }
  const padded delta(minify(read_bybit_fixture("orderbook_50_delta_linear.json")));
  std::vector<event> out;
  std::string err;
  ASSERT_TRUE(dec->decode(delta.view(), 0, out, err));
  const auto& u = std::get<book_update>(out.at(0));
  EXPECT_FALSE(u.snapshot);
  EXPECT_EQ(u.sequence, 177400507u);
  EXPECT_EQ(u.first_sequence, 177400507u);
  EXPECT_EQ(u.instrument, "BTC-USDT");
  EXPECT_EQ(u.bids.size(), 5u);
  EXPECT_EQ(u.asks.size(), 7u);

  const padded bad("{\"topic\":\"orderbook.50.BTCUSDT\"");
  EXPECT_FALSE(dec->decode(bad.view(), 0, out, err));
  EXPECT_FALSE(err.empty());
}

}  // namespace
}  // namespace mdfan::test
