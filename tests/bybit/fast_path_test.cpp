// The Bybit fast path (wire_shape.hpp): the topic messages it reads as Bybit sends them, and that it
// changes nothing — every message gives the same parser output (every member of bybit_message that
// its kind uses, book sequence fields included), or the same error, with the fast path on and off;
// anything but the expected shape goes to the general path.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/bybit/parser.hpp"
#include "adapters/common/wire_shape.hpp"
#include "bybit/fast_path_util.hpp"
#include "bybit/test_util.hpp"
#include "support/fast_path_check.hpp"

namespace mdfan::test {
namespace {

using namespace mdfan::adapters;

constexpr std::int64_t recv = 1700000000123456789;

std::string outcome(bybit_parser& p, const std::string& msg, bybit_message& m) {
  bybit_parse_error e;
  const padded buf(msg);
  const bool ok = p.parse_padded(buf.view(), recv, m, e);
  return outcome_text(ok, m, e);
}

// A fresh parser's outcome for `msg`.
std::string fresh_outcome(const std::string& msg) {
  bybit_parser p;
  bybit_message m;
  return outcome(p, msg, m);
}
fast_path_run parse_with(bool fast, const std::string& msg) { return mdfan::test::parse_with(fast, msg, fresh_outcome); }
// Same outcome both ways; returns whether the fast path took it.
bool same_both_ways(const std::string& msg) { return mdfan::test::same_both_ways(msg, fresh_outcome); }


// Runs every variant both ways; returns how many the fast path took.
int fast_count(const std::vector<std::string>& variants) {
  int n = 0;
  for (const auto& v : variants) n += same_both_ways(v) ? 1 : 0;
  return n;
}

const char* const hot_fixtures[] = {"orderbook_50_snapshot_linear.json",
                                    "orderbook_50_delta_linear.json",
                                    "publicTrade_linear.json",
                                    "tickers_linear_perpetual.json",
                                    "tickers_spot.json",
                                    "kline_5_linear.json"};
// Replies to our pings and subscriptions, in the shape spot and linear send them.
const char* const reply_fixtures[] = {"pong_linear.json", "pong_spot.json", "subscribe_response_linear.json",
                                      "subscribe_response_spot.json"};
const char* const other_fixtures[] = {"ping_request.json",
                                      "pong_option_spread.json",
                                      "subscribe_request_multi.json",
                                      "subscribe_request_orderbook1.json",
                                      "subscribe_response_option_spread.json",
                                      "unsubscribe_request.json"};

TEST(BybitFastPath, ReadsTheHotFixturesAsTheGeneralPathDoes) {
  for (const char* f : hot_fixtures) {
    const std::string text = read_bybit_fixture(f);
    EXPECT_TRUE(same_both_ways(minify(text))) << f << ": not on the fast path";
    EXPECT_FALSE(same_both_ways(text)) << f << " as stored (pretty-printed): on the fast path";
    EXPECT_EQ(parse_with(true, minify(text)).result.rfind("error", 0), std::string::npos) << f;
  }
}

TEST(BybitFastPath, ReadsTheRepliesAsTheGeneralPathDoes) {
  for (const char* f : reply_fixtures) {
    const std::string text = read_bybit_fixture(f);
    EXPECT_TRUE(same_both_ways(minify(text))) << f << ": not on the fast path";
    EXPECT_FALSE(same_both_ways(text)) << f << " as stored (pretty-printed): on the fast path";
    EXPECT_NE(parse_with(true, minify(text)).result.find(" control what="), std::string::npos) << f;
  }
  const std::string pong = minify(read_bybit_fixture("pong_linear.json"));
  const std::vector<std::string> variants = {
      with(pong, R"("success":true)", R"("success":false)"),                  // a refused ping
      with(pong, R"("op":"ping")", R"("op":"subscribe")"),                    // an ack
      with(pong, R"("op":"ping")", R"("op":"pong")"),                         // op pong
      with(pong, R"("op":"ping")", R"("op":"")"),                             // empty op
      with(pong, R"("req_id":"",)", ""),                                      // no req_id (spot)
      with(pong, R"("req_id":"")", R"("req_id":"42")"),                       // a request id
      with(pong, R"("ret_msg":"pong")", R"("ret_msg":"po"ng")"),             // an escape
      with(pong, R"("ret_msg":"pong")", R"("ret_msg":null)"),                 // not a string (an error)
      with(pong, R"("success":true)", R"("success":1)"),                      // not a boolean (an error)
      with(pong, R"("success":true)", R"("success": true)"),                  // white space
      with(pong, R"(,"op":"ping")", ""),                                      // no op (an error)
      with(pong, R"("conn_id":)", R"("conn":)"),                              // another key
      with(pong, R"("op":"ping"})", R"("op":"ping","type":"COMMAND_RESP"})"),  // a field more
      with(pong, R"("op":"ping"})", R"("op":"ping"} )"),                      // trailing space
      with(pong, R"("op":"ping"})", R"("op":"ping")"),                        // cut short (an error)
  };
  EXPECT_EQ(fast_count(variants), 6);  // the first six
}

TEST(BybitFastPath, OtherFixturesGoToTheGeneralPath) {
  for (const char* f : other_fixtures) {
    const std::string text = read_bybit_fixture(f);
    EXPECT_FALSE(same_both_ways(text)) << f;
    EXPECT_FALSE(same_both_ways(minify(text))) << f;
  }
}

// The shapes of the simulator venue (sim_venue.cpp) and of the other category: spot puts "ts"
// before "type", the linear ticker sends its envelope after "data", a spot trade has no "L".
TEST(BybitFastPath, ReadsEveryCategorysEnvelopeOrder) {
  const std::vector<std::string> shapes = {
      R"({"topic":"orderbook.50.BTCUSDT","ts":1,"type":"snapshot","data":{"s":"BTCUSDT","b":[["1.5","2"]],"a":[["1.6","1"]],"u":1000,"seq":7},"cts":1})",
      R"({"topic":"orderbook.1.ETHUSDT","ts":1,"type":"snapshot","data":{"s":"ETHUSDT","b":[],"a":[],"u":1,"seq":7},"cts":1})",
      R"({"topic":"tickers.BTCUSDT","ts":5,"type":"snapshot","cs":9,"data":{"symbol":"BTCUSDT","lastPrice":"1.5","highPrice24h":"2","lowPrice24h":"1","prevPrice24h":"1.2","volume24h":"10","turnover24h":"15"}})",
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"1.4","ask1Size":"3"},"cs":10,"ts":6})",
      R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":7,"data":[{"T":7,"s":"BTCUSDT","S":"Sell","v":"0.5","p":"1.5","i":"abc","BT":false,"seq":3},{"T":7,"s":"BTCUSDT","S":"Buy","v":"1","p":"1.6","i":"abd","BT":true,"seq":3}]})",
      R"({"topic":"kline.D.BTCUSDT","data":[{"start":0,"end":86399999,"interval":"D","open":"1","close":"2","high":"3","low":"0.5","volume":"10","turnover":"15","confirm":true,"timestamp":0}],"ts":8,"type":"snapshot"})",
  };
  EXPECT_EQ(fast_count(shapes), static_cast<int>(shapes.size()));
}

const std::string book =
    R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1687940967466,"data":{"s":"BTCUSDT","b":[["30247.20","30.028"],["30240.00","0"]],"a":[["30248.70","0"]],"u":177400507,"seq":66544703342},"cts":1687940967464})";

TEST(BybitFastPath, OrderbookVariantsHaveTheSameOutcome) {
  ASSERT_TRUE(same_both_ways(book));
  const std::vector<std::string> variants = {
      with(book, R"("ts":)", R"("ts": )"),                              // white space
      with(book, R"("s":"BTCUSDT","b")", R"("s":"BTCUSD\u0054","b")"),  // an escape
      with(book, R"("s":"BTCUSDT")", R"("s":"ETHUSDT")"),               // another symbol (an error)
      with(book, R"("u":177400507,"seq":66544703342)", R"("seq":66544703342,"u":177400507)"),  // another order
      with(book, R"("u":177400507,)", ""),                                                     // no u (an error)
      with(book, R"(,"seq":66544703342)", ""),                                                 // no seq
      with(book, R"("u":177400507)", R"("u":"177400507")"),                                    // u as a string
      with(book, R"("u":177400507)", R"("u":0177400507)"),                         // leading zero (not JSON)
      with(book, R"("u":177400507)", R"("u":177400507.0)"),                        // a fraction (an error)
      with(book, R"("u":177400507)", R"("u":-1)"),                                 // negative (an error)
      with(book, R"("u":177400507)", R"("u":18446744073709551615)"),               // 20 digits
      with(book, R"("seq":66544703342)", R"("seq":18446744073709551616)"),         // out of range (an error)
      with(book, R"("ts":1687940967466)", R"("ts":99999999999999999)"),            // time out of range (an error)
      with(book, R"("cts":1687940967464)", R"("cts":"1687940967464")"),            // time as a string
      with(book, R"("cts":1687940967464)", R"("cts":1.6e12)"),                     // an exponent (an error)
      with(book, R"(["30247.20","30.028"])", R"(["30247.20","-30.028"])"),         // negative size (an error)
      with(book, R"(["30247.20","30.028"])", R"([30247.20,"30.028"])"),            // a number price
      with(book, R"(["30247.20","30.028"])", R"(["30247.20","3e1"])"),             // exponent in a string (an error)
      with(book, R"(["30247.20","30.028"])", R"(["30247.20",""])"),                // empty size (an error)
      with(book, R"(["30247.20","30.028"])", R"(["30247.20",null])"),              // null size (an error)
      with(book, R"(["30247.20","30.028"])", R"(["30247.20","30.028","1"])"),      // a third entry (an error)
      with(book, R"(["30247.20","30.028"])", R"(["30247.20"])"),                   // one entry (an error)
      with(book, R"(["30247.20","30.028"])", R"(["30247.2.0","30.028"])"),         // not a decimal (an error)
      with(book, R"("b":[["30247.20","30.028"],["30240.00","0"]])", R"("b":{})"),  // not an array (an error)
      with(book, R"("type":"delta")", R"("type":"Delta")"),                        // unknown type (an error)
      with(book, R"("type":"delta")", R"("type":1)"),                              // type not a string (an error)
      with(book, R"("type":"delta",)", ""),                                        // no type (an error)
      with(book, R"("type":"delta",)", R"("type":"delta","type":"snapshot",)"),    // a key twice
      with(book, R"(,"cts":1687940967464)", R"(,"cts":1687940967464,"x":1)"),      // an extra field
      with(book, R"("data":{"s")", R"("data":{"x":[1,{}],"s")"),                   // an extra data field
      with(book, R"("topic":"orderbook.50.BTCUSDT",)", "") + "",                   // no topic first
      with(book, R"("orderbook.50.BTCUSDT")", R"("orderbook.0.BTCUSDT")"),         // bad depth: unmapped
      with(book, R"("orderbook.50.BTCUSDT")", R"("orderbook.50.ETHUSDT")"),        // symbol not the topic's
      with(book, R"({"topic")", R"({ "topic")"),                                   // leading white space
      book + " ",                                                                  // trailing white space
      book + "x",                                                                  // trailing garbage
      book.substr(0, book.size() - 1),                                             // truncated (an error)
      "\xEF\xBB\xBF" + book,                                                       // a byte-order mark
      with(book, R"("30.028")",
           "\"30.0\x01"
           "28\""),                                             // a control character
      with(book, R"("BTCUSDT","b")", "\"BTC\xC3\xA9\",\"b\""),  // non-ASCII
  };
  EXPECT_EQ(fast_count(variants), 0);
  // Still the wire shape, and read fast: an envelope field the general path does not require left
  // out, an empty side, the restart marker u=1, a snapshot.
  EXPECT_TRUE(same_both_ways(with(book, R"(,"cts":1687940967464)", "")));  // no cts: fast
  EXPECT_TRUE(
      same_both_ways(with(book, R"("b":[["30247.20","30.028"],["30240.00","0"]])", R"("b":[])")));  // empty side
  EXPECT_TRUE(same_both_ways(with(book, R"("u":177400507)", R"("u":1)")));                          // u=1 (a restart)
  EXPECT_TRUE(same_both_ways(with(book, R"("type":"delta")", R"("type":"snapshot")")));
}

const std::string trade =
    R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false,"seq":1783284617}]})";

TEST(BybitFastPath, TradeVariantsHaveTheSameOutcome) {
  ASSERT_TRUE(same_both_ways(trade));
  const std::vector<std::string> variants = {
      with(trade, R"("T":)", R"("T": )"),                                         // white space
      with(trade, R"("S":"Buy","v":"0.001")", R"("v":"0.001","S":"Buy")"),        // another order
      with(trade, R"("i":"20f4)", R"("i":"\u00320f4)"),                           // an escape in the id
      with(trade, R"("S":"Buy")", R"("S":"buy")"),                                // another side (an error)
      with(trade, R"("S":"Buy")", R"("S":"B\u0075y")"),                           // an escaped side
      with(trade, R"("S":"Buy")", R"("S":true)"),                                 // side not a string (an error)
      with(trade, R"("v":"0.001")", R"("v":0.001)"),                              // a number size
      with(trade, R"("v":"0.001")", R"("v":"")"),                                 // empty size (an error)
      with(trade, R"("v":"0.001")", R"("v":null)"),                               // null size (an error)
      with(trade, R"("p":"16578.50")", R"("p":"16,578.50")"),                     // not a decimal (an error)
      with(trade, R"("p":"16578.50")", R"("p":"1.6e4")"),                         // exponent in a string (an error)
      with(trade, R"("T":1672304486865)", R"("T":"1672304486865")"),              // time as a string
      with(trade, R"("T":1672304486865)", R"("T":01672304486865)"),               // leading zero (not JSON)
      with(trade, R"("T":1672304486865)", R"("T":9999999999999999)"),             // time out of range (an error)
      with(trade, R"("T":1672304486865)", R"("T":-1)"),                           // negative time (an error)
      with(trade, R"("seq":1783284617)", R"("seq":1783284617.5)"),                // a fraction (an error)
      with(trade, R"(,"seq":1783284617)", ""),                                    // no seq
      with(trade, R"("T":1672304486865,)", ""),                                   // no T (an error)
      with(trade, R"(,"i":"20f43950-d8dd-5b31-9112-a178eb6023af")", ""),          // no id (an error)
      with(trade, R"("i":"20f43950-d8dd-5b31-9112-a178eb6023af")", R"("i":42)"),  // id a number (an error)
      with(trade, R"("BT":false)", R"("BT":0)"),                                  // BT not a boolean (skipped)
      with(trade, R"("L":"PlusTick")", R"("L":1)"),                               // L not a string (skipped)
      with(trade, R"(,"seq":1783284617})", R"(,"seq":1783284617,"RPI":true})"),   // an extra field
      with(trade, R"("s":"BTCUSDT")", R"("s":"ETHUSDT")"),                        // another symbol (an error)
      with(trade, R"([{"T")", R"([],"x":[{"T")"),                                 // empty array, then an extra key
      R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[]})",    // no trades
      R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":{}})",    // not an array (an error)
      R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[1]})",   // not an object (an error)
      with(trade, R"("type":"snapshot")", R"("type":"other")"),                   // another type
      with(trade, R"(,"ts":1672304486868)", R"(,"ts":1672304486868,"ts":1)"),     // a key twice
      with(trade, "}]}", "},]}"),                                                 // trailing comma (not JSON)
  };
  EXPECT_EQ(fast_count(variants), 0);
  // Still the wire shape: without "L" (spot), two trades, no envelope "ts", and a negative size
  // (the general path does not refuse one in a trade either).
  EXPECT_TRUE(same_both_ways(with(trade, R"("v":"0.001")", R"("v":"-0.001")")));
  EXPECT_TRUE(same_both_ways(with(trade, R"(,"L":"PlusTick")", "")));
  const std::string one = trade.substr(trade.find("[{") + 1, trade.find("}]") - trade.find("[{"));
  EXPECT_TRUE(same_both_ways(with(trade, "}]", "}," + with(one, R"("S":"Buy")", R"("S":"Sell")") + "]")));
  EXPECT_TRUE(same_both_ways(with(trade, R"(,"ts":1672304486868)", "")));
}

const std::string ticker =
    R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"MinusTick","price24hPcnt":"-0.158315","lastPrice":"66666.60","prevPrice24h":"79206.20","highPrice24h":"79266.30","lowPrice24h":"65076.90","turnover24h":"4936790807.6521","volume24h":"73191.3870","bid1Price":"66666.60","bid1Size":"23789.165","ask1Price":"66666.70","ask1Size":"23775.469","preOpenPrice":"","preQty":""},"cs":9532239429,"ts":1760325052630})";

TEST(BybitFastPath, TickerVariantsHaveTheSameOutcome) {
  ASSERT_TRUE(same_both_ways(ticker));
  const std::vector<std::string> variants = {
      with(ticker, R"("lastPrice":)", R"("lastPrice": )"),                                // white space
      with(ticker, R"("lastPrice")", R"("last\u0050rice")"),                              // an escaped key
      with(ticker, R"("66666.60","prevPrice24h")", R"("66666.6\u0030","prevPrice24h")"),  // an escaped value (an error)
      with(ticker, R"("lastPrice":"66666.60")", R"("lastPrice":66666.60)"),               // a number
      with(ticker, R"("lastPrice":"66666.60")", R"("lastPrice":6.66666e4)"),              // a number with an exponent
      with(ticker, R"("lastPrice":"66666.60")", R"("lastPrice":null)"),                   // null
      with(ticker, R"("lastPrice":"66666.60")", R"("lastPrice":true)"),                   // a boolean (an error)
      with(ticker, R"("lastPrice":"66666.60")", R"("lastPrice":"66,666.60")"),            // not a decimal (an error)
      with(ticker, R"("lastPrice":"66666.60")",
           R"("lastPrice":"1234567890123456789012345678901")"),                     // too long (an error)
      with(ticker, R"("tickDirection":"MinusTick")", R"("tickDirection":1)"),       // an unused field not a string
      with(ticker, R"("symbol":"BTCUSDT")", R"("symbol":"ETHUSDT")"),               // another symbol (an error)
      with(ticker, R"("symbol":"BTCUSDT")", R"("symbol":7)"),                       // symbol not a string (an error)
      with(ticker, R"("cs":9532239429)", R"("cs":"9532239429")"),                   // cs as a string
      with(ticker, R"("cs":9532239429)", R"("cs":-9532239429)"),                    // negative (an error)
      with(ticker, R"("ts":1760325052630)", R"("ts":1760325052630e0)"),             // an exponent (an error)
      with(ticker, R"("ts":1760325052630)", R"("ts":99999999999999999)"),           // time out of range (an error)
      with(ticker, R"("type":"snapshot")", R"("type":"update")"),                   // unknown type (an error)
      with(ticker, R"("data":{"symbol")", R"("data":{"o":{"x":1},"symbol")"),       // a nested unused field
      with(ticker, R"(,"ts":1760325052630})", R"(,"ts":1760325052630,"id":"x"})"),  // an extra field
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{},"cs":1,"ts":2})",      // empty delta
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":[],"cs":1,"ts":2})",      // not an object (an error)
      with(ticker, R"("ask1Size":"23775.469")",
           "\"ask1Size\":\"23775.4\x7f"
           "69\""),  // DEL (an error)
  };
  EXPECT_EQ(fast_count(variants), 0);
  // Still read fast: a delta with a few fields in any order, a key twice (the last non-empty one
  // counts, as on the general path), an empty ticker decimal (not sent), a negative change.
  EXPECT_TRUE(same_both_ways(
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","ask1Size":"3","bid1Price":"1.4"},"cs":10,"ts":6})"));
  EXPECT_TRUE(same_both_ways(
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"bid1Price":"1.4","bid1Price":"1.5","bid1Price":""},"cs":10,"ts":6})"));
  EXPECT_TRUE(same_both_ways(with(ticker, R"("lastPrice":"66666.60")", R"("lastPrice":"")")));
  EXPECT_TRUE(same_both_ways(with(ticker, R"("prevPrice24h":"79206.20")", R"("prevPrice24h":"-1")")));
  EXPECT_TRUE(same_both_ways(with(ticker, R"("symbol":"BTCUSDT",)", "")));  // no symbol
}

const std::string kline =
    R"({"topic":"kline.5.BTCUSDT","data":[{"start":1672324800000,"end":1672325099999,"interval":"5","open":"16649.5","close":"16677","high":"16677","low":"16608","volume":"2.081","turnover":"34666.4005","confirm":false,"timestamp":1672324988882}],"ts":1672324988882,"type":"snapshot"})";

TEST(BybitFastPath, KlineVariantsHaveTheSameOutcome) {
  ASSERT_TRUE(same_both_ways(kline));
  const std::vector<std::string> variants = {
      with(kline, R"("open":)", R"("open" :)"),                                                   // white space
      with(kline, R"("open":"16649.5","close":"16677")", R"("close":"16677","open":"16649.5")"),  // another order
      with(kline, R"("interval":"5")", R"("interval":"\u0035")"),                                 // an escape
      with(kline, R"("interval":"5")", R"("interval":5)"),                    // interval a number (skipped)
      with(kline, R"("high":"16677")", R"("high":"")"),                       // empty high (not sent)
      with(kline, R"("open":"16649.5")", R"("open":"")"),                     // empty open (an error)
      with(kline, R"("low":"16608")", R"("low":16608)"),                      // a number
      with(kline, R"("low":"16608")", R"("low":"16608x")"),                   // not a decimal (an error)
      with(kline, R"("volume":"2.081")", R"("volume":"-2.081")"),             // negative volume: fast, like general
      with(kline, R"("confirm":false)", R"("confirm":"false")"),              // not a boolean (an error)
      with(kline, R"("start":1672324800000)", R"("start":1672324800000.0)"),  // a fraction (an error)
      with(kline, R"("start":1672324800000)", R"("start":"1672324800000")"),  // time as a string
      with(kline, R"("end":1672325099999)", R"("end":99999999999999999)"),    // out of range (an error)
      with(kline, R"("timestamp":1672324988882)", R"("timestamp":00)"),       // leading zero (not JSON)
      with(kline, R"(,"timestamp":1672324988882)", ""),                       // no timestamp (ts used)
      with(kline, R"("start":1672324800000,)", ""),                           // no start (an error)
      with(kline, R"(,"timestamp":1672324988882})", R"(,"timestamp":1672324988882,"x":null})"),  // extra field
      R"({"topic":"kline.5.BTCUSDT","data":[],"ts":1,"type":"snapshot"})",                       // no candles
      R"({"topic":"kline.5.BTCUSDT","data":{},"ts":1,"type":"snapshot"})",  // not an array (an error)
      with(kline, R"("type":"snapshot")", R"("type":null)"),                // type null (an error)
      with(kline, R"("kline.5.BTCUSDT")", R"("kline.5.BTC\u0055SDT")"),     // an escaped topic
      with(kline, R"("kline.5.BTCUSDT")", R"("kline..BTCUSDT")"),           // unmapped topic
  };
  // Of these, the negative volume is still the wire shape (the general path does not refuse it).
  EXPECT_EQ(fast_count(variants), 1);
  EXPECT_TRUE(same_both_ways(with(kline, R"("timestamp":1672324988882)", R"("timestamp":0)")));  // 0: ts used
  EXPECT_TRUE(same_both_ways(with(kline, R"("kline.5.BTCUSDT")", R"("kline.W.BTCUSDT")")));
  EXPECT_TRUE(same_both_ways(with(kline, R"("kline.5.BTCUSDT")", R"("kline.7.BTCUSDT")")));  // an unknown interval
}

// The fast ticker reader tries each key as the one at its position in the last ticker: on one parser,
// tickers of both categories, deltas with a few keys, keys in another order, a key that differs from
// the learned one only by an escape or by a letter, and more keys than it keeps: the same output as
// the general path every time, and on the fast path wherever the shape is plain.
TEST(BybitFastPath, TickerKeysInAnyOrderOnOneParser) {
  const std::string spot = minify(read_bybit_fixture("tickers_spot.json"));
  const std::string linear = minify(read_bybit_fixture("tickers_linear_perpetual.json"));
  std::string many = R"({"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,"data":{"symbol":"BTCUSDT")";
  for (int i = 0; i < 70; ++i) many += ",\"k" + std::to_string(i) + "\":\"" + std::to_string(i) + "\"";
  many += R"(,"lastPrice":"7.5"}})";
  const std::vector<std::string> msgs = {
      spot,
      spot,
      linear,
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"1.4"},"cs":10,"ts":6})",
      linear,
      with(spot, R"("lastPrice":"21109.77","highPrice24h":"21426.99")", R"("highPrice24h":"21426.99","lastPrice":"21109.77")"),
      spot,
      with(spot, R"("lastPrice":)", R"("last\u0050rice":)"),   // the learned key, escaped (general path)
      with(spot, R"("lastPrice":)", R"("lastPricf":)"),         // one letter off: not a ticker decimal
      with(spot, R"("lastPrice":"21109.77")", R"("lastPrice":"")"),  // no value
      with(spot, R"("lastPrice":"21109.77")", R"("lastPrice":"x")"),  // not a decimal (an error)
      spot,
      many,
      many,
      spot,
  };
  bybit_parser fast, general;
  bybit_message fast_out, general_out;
  const auto kept_outcome = [&](bybit_parser& p, const std::string& m) {
    return outcome(p, m, &p == &fast ? fast_out : general_out);
  };
  int hits = 0;
  for (const auto& m : msgs) hits += test::same_on_kept_parsers(fast, general, m, kept_outcome) ? 1 : 0;
  EXPECT_EQ(hits, 13);  // all but the escaped key and the error
  // The 70 keys and the decimal after them were read: the last price is in the event.
  bybit_parse_error e;
  const padded buf(many);
  ASSERT_TRUE(fast.parse_padded(buf.view(), recv, fast_out, e)) << e.reason;
  EXPECT_EQ(fast_out.tick.last_price.str(), "7.5");
}

// One parser, alternating types, sizes and failures: reused outputs (trade and candle slots, level
// vectors, the ticker) must not carry anything from one message into the next on either path.
TEST(BybitFastPath, ReusedOutputsMatchAcrossMessages) {
  const std::string two_trades =
      with(trade, "}]", R"(},{"T":1,"s":"BTCUSDT","S":"Sell","v":"2","p":"3","i":"x","BT":true,"seq":4}])");
  const std::vector<std::string> msgs = {
      two_trades,
      minify(read_bybit_fixture("orderbook_50_snapshot_linear.json")),
      trade,
      book,
      with(book, R"("u":177400507)", R"("u":"x")"),  // an error half-way through a book
      minify(read_bybit_fixture("tickers_linear_perpetual.json")),
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"1.4"},"cs":10,"ts":6})",
      kline,
      with(
          kline, "}]",
          R"(},{"start":1,"end":2,"interval":"5","open":"1","close":"2","high":"3","low":"0","volume":"1","turnover":"1","confirm":true,"timestamp":0}])"),
      kline,
      minify(read_bybit_fixture("pong_linear.json")),
      R"({"topic":"","type":"snapshot","data":[]})",  // an empty topic (an error)
      book,
      with(two_trades, R"("S":"Sell")", R"("S":"Hold")"),  // fails on the second trade
      trade,
      minify(read_bybit_fixture("tickers_spot.json")),
      with(book, R"(["30248.70","0"])", R"(["30248.70","0"],["x","1"])"),  // fails on the last level
      minify(read_bybit_fixture("orderbook_50_delta_linear.json")),
      minify(read_bybit_fixture("subscribe_response_spot.json")),
      two_trades,
  };
  bybit_parser fast, general;
  bybit_message fast_out, general_out;
  int hits = 0;
  // Each parser keeps its own output message too.
  const auto kept_outcome = [&](bybit_parser& p, const std::string& m) {
    return outcome(p, m, &p == &fast ? fast_out : general_out);
  };
  for (const auto& m : msgs) hits += test::same_on_kept_parsers(fast, general, m, kept_outcome) ? 1 : 0;
  EXPECT_EQ(hits, 16);  // all but the four errors (the two replies too)
}

}  // namespace
}  // namespace mdfan::test
