// The Coinbase fast path (wire_shape.hpp): the channels it reads in Coinbase's own field order, and
// that it changes nothing — every message gives the same output (books, tickers, trades, candles,
// heartbeat, envelope, and the error with its attribution), or the same error, with the fast path on
// and off; anything but the exact shape goes to the general path.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/coinbase/parser.hpp"
#include "adapters/common/wire_shape.hpp"
#include "coinbase/test_util.hpp"
#include "core/codec.hpp"
#include "support/fast_path_check.hpp"

namespace mdfan::adapters {
namespace {

using test::cb_minify;
using test::read_coinbase_fixture;

constexpr std::int64_t recv = 1700000000123456789;

// Everything a parse gave, as text: the result, the error with its attribution, and the message.
std::string outcome(coinbase_parser& p, const std::string& msg) {
  coinbase_message m;
  coinbase_parse_error err;
  const bool ok = p.parse(msg, recv, m, err);
  std::string s = ok ? "ok" : "error: " + err.reason;
  s += " | err channel=" + std::string(to_string(err.channel)) + " product=" + err.product_id +
       " seq=" + (err.has_sequence ? std::to_string(err.sequence_num) : "-");
  if (!ok) return s;
  s += " | channel=" + std::string(to_string(m.channel)) +
       " seq=" + (m.has_sequence ? std::to_string(m.sequence_num) : "-") + " ts=" + std::to_string(m.timestamp_ns) +
       " hb=" + std::to_string(m.heartbeat_counter) + " msg=" + m.error_message;
  for (const auto& b : m.books)
    s += "\n book " + b.product_id + (b.snapshot ? " snapshot" : " update") + " t=" + std::to_string(b.event_time_ns) +
         " bids=" + test::show(b.bids) + " asks=" + test::show(b.asks);
  for (const auto& t : m.tickers) s += "\n " + encode_json(event(t));
  for (const auto& t : m.trades) s += "\n " + encode_json(event(t.t)) + (t.snapshot ? " snapshot" : "");
  for (const auto& c : m.candles) s += "\n " + encode_json(event(c));
  return s;
}

// A fresh parser's outcome for `msg`.
std::string fresh_outcome(const std::string& msg) {
  coinbase_parser p;
  return outcome(p, msg);
}
test::fast_path_run parse_with(bool fast, const std::string& msg) { return test::parse_with(fast, msg, fresh_outcome); }
// Same outcome both ways; returns whether the fast path took it.
bool same_both_ways(const std::string& msg) { return test::same_both_ways(msg, fresh_outcome); }

using test::with;

// `base` with the array under `key` (the first one) emptied: `"key":[]` and the closing of what holds it.
std::string emptied(const std::string& base, const std::string& key, const std::string& closing) {
  const auto at = base.find("\"" + key + "\":[");
  EXPECT_NE(at, std::string::npos) << key;
  return base.substr(0, at + key.size() + 4) + "]" + closing;
}

using variant_case = test::fast_path_variant;
void check_variants(const std::vector<variant_case>& cases) { test::check_variants(cases, fresh_outcome); }

const char* const hot_fixtures[] = {"level2_snapshot.json", "ticker_snapshot.json", "market_trades_snapshot.json",
                                    "candles_snapshot.json", "heartbeats.json"};

TEST(CoinbaseFastPath, EveryFixtureSameBothWays) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::fixture_dir("coinbase"))) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    const std::string text = read_coinbase_fixture(name);
    EXPECT_FALSE(same_both_ways(text)) << name << ": pretty-printed, yet on the fast path";
    bool hot = false;
    for (const char* h : hot_fixtures) hot = hot || name == h;
    EXPECT_EQ(same_both_ways(cb_minify(text)), hot) << name;
  }
  EXPECT_GE(files, 17);
}

TEST(CoinbaseFastPath, ReadsTheHotChannelsAsTheGeneralPathDoes) {
  for (const char* file : hot_fixtures) {
    const std::string wire = cb_minify(read_coinbase_fixture(file));
    const test::fast_path_run on = parse_with(true, wire);
    EXPECT_TRUE(on.fast) << file;
    EXPECT_EQ(on.result.rfind("ok", 0), 0u) << on.result;
  }
}

// ---- one-change variants per channel: the general path reads (or refuses) each one, the fast path
// leaves all but the listed ones alone, and the outcome is the same.

const std::string l2 =
    R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":5,)"
    R"("events":[{"type":"update","product_id":"BTC-USD","updates":[)"
    R"({"side":"bid","event_time":"2023-02-09T20:32:50.714964855Z","price_level":"21921.73","new_quantity":"0.06317902"},)"
    R"({"side":"offer","event_time":"2023-02-09T20:32:50.8Z","price_level":"21922.5","new_quantity":"0"}]}]})";

TEST(CoinbaseFastPath, Level2Variants) {
  const std::string second_event =
      R"(,{"type":"snapshot","product_id":"ETH-USD","updates":[{"side":"offer","event_time":"1970-01-01T00:00:00Z","price_level":"1.5","new_quantity":"2"}]}]})";
  check_variants({
      {l2, true},
      {with(l2, R"("type":"update")", R"("type":"snapshot")"), true},
      {with(l2, R"("client_id":"",)", ""), true},  // client_id absent
      {with(l2, R"("client_id":"")", R"("client_id":"abc-1")"), true},
      {emptied(l2, "updates", "}]}"), true},                                       // no level
      {with(l2, "]}]}", "]}" + second_event), true},                               // two events
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"2023-02-09T20:32:50Z\""), true},  // no fraction
      {with(l2, R"("channel":)", R"("channel": )"), false},                        // white space
      {with(l2, R"("timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":5)",
            R"("sequence_num":5,"timestamp":"2023-02-09T20:32:50.714964855Z")"),
       false},                                                                           // another envelope order
      {with(l2, R"("side":"bid","event_time")", R"("event_time")"), false},              // side missing (an error)
      {with(l2, R"("BTC-USD")", R"("BTC\u002DUSD")"), false},                            // an escape
      {with(l2, R"("BTC-USD")", R"("")"), false},                                        // empty product (an error)
      {with(l2, R"("new_quantity":"0"})", R"("new_quantity":"0","x":1})"), false},       // an extra field
      {with(l2, R"("price_level":"21921.73")", R"("price_level":21921.73)"), false},     // a number (an error)
      {with(l2, R"("price_level":"21921.73")", R"("price_level":"21921.7.3")"), false},  // bad decimal (an error)
      {with(l2, R"("new_quantity":"0.06317902")", R"("new_quantity":"-0.06317902")"), false},  // negative (an error)
      {with(l2, R"("new_quantity":"0.06317902")", R"("new_quantity":"6e-2")"), false},         // exponent (an error)
      {with(l2, R"("side":"bid")", R"("side":"ask")"), false},                                 // general reads "ask"
      {with(l2, R"("side":"bid")", R"("side":"buy")"), false},                             // unknown side (an error)
      {with(l2, R"("type":"update")", R"("type":"partial")"), false},                      // unknown type (an error)
      {with(l2, R"("sequence_num":5)", R"("sequence_num":05)"), false},                    // leading zero (not JSON)
      {with(l2, R"("sequence_num":5)", R"("sequence_num":"5")"), false},                   // a string (an error)
      {with(l2, R"("sequence_num":5)", R"("sequence_num":-5)"), false},                    // negative (an error)
      {with(l2, R"("sequence_num":5)", R"("sequence_num":5.0)"), false},                   // not an integer (an error)
      {with(l2, R"("sequence_num":5)", R"("sequence_num":18446744073709551615)"), false},  // 20 digits: general
      {with(l2, R"("sequence_num":5)", R"("sequence_num":18446744073709551616)"), false},  // out of range (an error)
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"2023-02-09T20:32:60.8Z\""), false},       // leap second
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"2023-02-09T20:32:61.8Z\""), false},       // (an error)
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"2023-13-09T20:32:50.8Z\""), false},       // month 13 (an error)
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"2023-02-30T20:32:50.8Z\""), false},       // Feb 30
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"2023-02-09T21:32:50.8+01:00\""), false},  // offset
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"2023-02-09t20:32:50.8z\""), false},       // lower case
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"2023-02-09T20:32:50.1234567891Z\""), false},  // 10 digits
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"2023-02-09T20:32:50.Z\""), false},            // no digit (an error)
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"1969-12-31T23:59:59Z\""), false},             // before 1970 (an error)
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "\"2100-01-01T00:00:00Z\""), false},             // past 2099
      {with(l2, "\"2023-02-09T20:32:50.8Z\"", "1675974770"), false},                           // a number (an error)
      {with(l2, R"("updates":[)", R"("updates":{)"), false},  // not an array (an error)
      {with(l2, R"("events":[)", R"("events":[] ,"x":[)"), false},
      {with(l2, R"("channel":"l2_data")", R"("channel":"level2")"), false},  // unknown channel
      {l2 + " ", false},                                                     // trailing white space
      {l2 + "x", false},                                                     // trailing garbage (an error)
      {l2.substr(0, l2.size() - 1), false},                                  // truncated (an error)
      {"\xEF\xBB\xBF" + l2, false},                                          // a byte-order mark
  });
}

const std::string trades =
    R"({"channel":"market_trades","client_id":"","timestamp":"2023-02-09T20:19:35.39625135Z","sequence_num":7,)"
    R"("events":[{"type":"update","trades":[)"
    R"({"trade_id":"12345","product_id":"ETH-USD","price":"1260.01","size":"0.3","side":"BUY","time":"2019-08-14T20:42:27.265Z"},)"
    R"({"trade_id":"12346","product_id":"ETH-USD","price":"1260.02","size":"1","side":"SELL","time":"2019-08-14T20:42:27.3Z"}]}]})";

TEST(CoinbaseFastPath, MarketTradesVariants) {
  check_variants({
      {trades, true},
      {with(trades, R"("type":"update")", R"("type":"snapshot")"), true},
      {with(trades, R"("side":"BUY")", R"("side":"UNKNOWN_ORDER_SIDE")"), true},
      {with(trades, R"("side":"BUY")", R"("side":"")"), true},
      {with(trades, R"("side":"BUY")", R"("side":"sell")"), true},
      {with(trades, R"("trade_id":"12345")", R"("trade_id":"abc")"), true},                      // no sequence
      {with(trades, R"("trade_id":"12345")", R"("trade_id":"99999999999999999999999")"), true},  // no sequence
      {with(trades, R"("trade_id":"12345")", R"("trade_id":"000000000")"), true},
      {emptied(trades, "trades", "}]}"), true},
      {emptied(trades, "events", "}"), true},
      {with(trades, R"("side":"BUY")", R"("side":"HOLD")"), false},                 // unknown side (an error)
      {with(trades, R"("trade_id":"12345")", R"("trade_id":"")"), false},           // empty id (an error)
      {with(trades, R"("trade_id":"12345")", R"("trade_id":12345)"), false},        // a number (an error)
      {with(trades, R"("trade_id":"12345")", R"("trade_id":"12\u00345")"), false},  // an escape
      {with(trades, R"("price":"1260.01")", R"("price":"1e3")"), false},            // bad decimal (an error)
      {with(trades, R"("size":"0.3")", R"("size":"-0.3")"), false},                 // negative (an error)
      {with(trades, R"("size":"0.3")", R"("size":"")"), false},                     // empty (an error)
      {with(trades, R"("price":"1260.01","size":"0.3")", R"("size":"0.3","price":"1260.01")"), false},  // order
      {with(trades, R"(,"time":"2019-08-14T20:42:27.265Z")", ""), false},  // no time (an error)
      {with(trades, R"("2019-08-14T20:42:27.265Z")", R"("2019-08-14T20:42:27.265+00:00")"), false},
      {with(trades, R"("2019-08-14T20:42:27.265Z")", R"("2019-08-14T24:42:27.265Z")"), false},  // hour 24 (an error)
      {with(trades, R"("2019-08-14T20:42:27.265Z")", R"("2019-08-14T20:42:27,265Z")"), false},  // (an error)
      {with(trades, R"("type":"update")", R"("type":"history")"), false},  // general reads any type
      {with(trades, R"("product_id":"ETH-USD",)", ""), false},             // no product (an error)
      {with(trades, R"("time":"2019-08-14T20:42:27.3Z"})", R"("time":"2019-08-14T20:42:27.3Z","x":null})"), false},
      {with(trades, R"({"trade_id")", R"( {"trade_id")"), false},  // white space
      {with(trades, R"("trades":[)", R"("trades":null,"y":[)"), false},
  });
}

const std::string tick =
    R"({"channel":"ticker","client_id":"","timestamp":"2023-02-09T20:30:37.167359596Z","sequence_num":0,)"
    R"("events":[{"type":"snapshot","tickers":[{"type":"ticker","product_id":"BTC-USD","price":"21932.98",)"
    R"("volume_24_h":"16038.28770938","low_24_h":"21835.29","high_24_h":"23011.18","low_52_w":"15460",)"
    R"("high_52_w":"48240","price_percent_chg_24_h":"-4.15775596190603","best_bid":"21931.98",)"
    R"("best_bid_quantity":"8000.21","best_ask":"21933.98","best_ask_quantity":"8038.07770938"}]}]})";

TEST(CoinbaseFastPath, TickerVariants) {
  const std::string best =
      R"(,"best_bid":"21931.98","best_bid_quantity":"8000.21","best_ask":"21933.98","best_ask_quantity":"8038.07770938")";
  const std::string batch = with(with(tick, R"("channel":"ticker")", R"("channel":"ticker_batch")"), best, "");
  const std::string one_ticker =
      tick.substr(tick.find(R"({"type":"ticker")"), tick.size() - 4 - tick.find(R"({"type":"ticker")"));
  check_variants({
      {tick, true},
      {batch, true},                 // ticker_batch: no best bid/ask
      {with(tick, best, ""), true},  // the same on ticker
      {with(tick, R"("type":"snapshot")", R"("type":"update")"), true},
      {with(tick, one_ticker, one_ticker + "," + with(one_ticker, "BTC-USD", "ETH-USD")), true},  // two tickers
      {with(tick, "\"15460\"", "\"not a number\""), true},                              // not kept: any string
      {with(tick, "\"-4.15775596190603\"", "\"-4.1577559619\\u0030\""), false},         // an escape in one not kept
      {with(tick, "\"15460\"", "15460"), false},                                        // a number where not kept
      {with(tick, R"("best_bid":"21931.98")", R"("best_bid":"-21931.98")"), false},     // negative (an error)
      {with(tick, R"("price":"21932.98",)", ""), false},                                // no price (an error)
      {with(tick, R"("volume_24_h":"16038.28770938")", R"("volume_24_h":"")"), false},  // empty (an error)
      {with(tick, R"(,"best_ask":"21933.98","best_ask_quantity":"8038.07770938")", ""), false},  // best half there
      {with(tick, R"("type":"ticker",)", R"("type":"tick",)"), false},                           // general ignores it
      {with(tick, R"("type":"ticker",)", ""), false},
      {with(tick, R"("product_id":"BTC-USD")", R"("product_id":"")"), false},  // empty (an error)
      {with(tick, R"("low_24_h":"21835.29","high_24_h":"23011.18")", R"("high_24_h":"23011.18","low_24_h":"21835.29")"),
       false},  // another order
      {with(tick, R"("best_ask_quantity":"8038.07770938"})", R"("best_ask_quantity":"8038.07770938","x":"1"})"), false},
      {with(tick, R"("price":"21932.98")", R"("price":"021932.98")"), true},  // leading zero: both keep the text
      {with(tick, R"("price":"21932.98")", R"("price":21932.98)"), false},     // a number (an error)
      {emptied(tick, "tickers", "}]}"), true},
      {with(tick, R"("sequence_num":0)", R"("sequence_num":true)"), false},  // wrong type (an error)
  });
}

const std::string candles =
    R"({"channel":"candles","client_id":"","timestamp":"2023-06-09T20:19:35.39625135Z","sequence_num":3,)"
    R"("events":[{"type":"update","candles":[{"start":"1688998200","high":"1867.72","low":"1865.63",)"
    R"("open":"1867.38","close":"1866.81","volume":"0.20269406","product_id":"ETH-USD"}]}]})";

TEST(CoinbaseFastPath, CandlesVariants) {
  check_variants({
      {candles, true},
      {with(candles, R"("type":"update")", R"("type":"snapshot")"), true},
      {with(candles, R"("start":"1688998200")", R"("start":"01688998200")"), true},  // digits: both read it so
      {with(candles, R"("start":"1688998200")", R"("start":"0")"), true},
      {emptied(candles, "candles", "}]}"), true},
      {with(candles, R"("start":"1688998200")", R"("start":1688998200)"), false},      // a number: general reads it
      {with(candles, R"("start":"1688998200")", R"("start":"-1")"), false},            // (an error)
      {with(candles, R"("start":"1688998200")", R"("start":"")"), false},              // (an error)
      {with(candles, R"("start":"1688998200")", R"("start":"9223372036")"), false},    // out of range (an error)
      {with(candles, R"("start":"1688998200")", R"("start":"9223371436")"), true},     // the last in range
      {with(candles, R"("start":"1688998200")", R"("start":"9223371437")"), false},    // out of range (an error)
      {with(candles, R"("start":"1688998200")", R"("start":"1688998200.5")"), false},  // (an error)
      {with(candles, R"("start":"1688998200")", R"("start":"99999999999999999999")"), false},  // (an error)
      {with(candles, R"("high":"1867.72")", R"("high":"-1867.72")"), false},                   // negative (an error)
      {with(candles, R"("high":"1867.72")", R"("high":"1867..72")"), false},                   // bad decimal (an error)
      {with(candles, R"("high":"1867.72","low":"1865.63")", R"("low":"1865.63","high":"1867.72")"), false},  // order
      {with(candles, R"(,"volume":"0.20269406")", ""), false},                    // missing (an error)
      {with(candles, R"("product_id":"ETH-USD")", R"("product_id":"")"), false},  // empty (an error)
      {with(candles, R"("product_id":"ETH-USD")", R"("product_id":"ETH-USD","x":[])"), false},
      {with(candles, R"("ETH-USD")", R"("ETH\/USD")"), false},                                      // an escape
      {with(candles, R"({"start")", "{\n\"start\""), false},                                        // white space
      {candles.substr(0, candles.find(R"("events":)")) + R"("events":{"type":"update"}})", false},  // not an array
  });
}

const std::string heartbeats =
    R"({"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:26.122969572Z","sequence_num":3,)"
    R"("events":[{"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105","heartbeat_counter":3049}]})";

TEST(CoinbaseFastPath, HeartbeatsVariants) {
  check_variants({
      {heartbeats, true},
      {with(heartbeats, "3049", "\"3049\""), true},  // a string, as documented
      {with(heartbeats, "3049", "0"), true},
      {with(heartbeats, "3049", "\"003049\""), true},      // digits: both read it so
      {with(heartbeats, R"("client_id":"",)", ""), true},  // as in live captures
      {with(heartbeats, "}]}", R"(},{"current_time":"x","heartbeat_counter":3050}]})"), true},
      {emptied(heartbeats, "events", "}"), true},
      {with(heartbeats, "3049", "\"\""), false},                      // (an error)
      {with(heartbeats, "3049", "\"-1\""), false},                    // (an error)
      {with(heartbeats, "3049", "-1"), false},                        // (an error)
      {with(heartbeats, "3049", "3049.0"), false},                    // (an error)
      {with(heartbeats, "3049", "03049"), false},                     // leading zero (not JSON)
      {with(heartbeats, "3049", "\"30x9\""), false},                  // (an error)
      {with(heartbeats, "3049", "18446744073709551615"), false},      // 20 digits: general reads it
      {with(heartbeats, "3049", "18446744073709551616"), false},      // (an error)
      {with(heartbeats, "3049", "\"18446744073709551616\""), false},  // (an error)
      {with(heartbeats, "3049", "null"), false},                      // (an error)
      {with(heartbeats, "3049", "\"30\\u00349\""), false},            // an escape (an error)
      {with(heartbeats, R"("2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105")", "1"), false},
      {with(heartbeats, R"("current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105",)", ""), false},
      {with(heartbeats, R"(,"heartbeat_counter":3049)", ""), false},  // general: counter 0
      {with(heartbeats, R"("heartbeat_counter":3049)", R"("heartbeat_counter":3049,"x":1)"), false},
      {with(heartbeats, R"("sequence_num":3)", R"("sequence_num":3,"sequence_num":4)"), false},  // duplicate key
      {with(heartbeats, R"("timestamp":"2023-06-23T20:31:26.122969572Z")", R"("timestamp":"")"), false},  // (an error)
  });
}

// Every day of 1969-2100, and days that do not exist, as the envelope's time: the same ns (or the
// same error) both ways; read on the fast path exactly for real days of 1970-2099 without a leap second.
TEST(CoinbaseFastPath, TimesMatchTheGeneralReader) {
  static constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  coinbase_parser fast, general;
  int checked = 0, on_fast = 0;
  unsigned mix = 12345;
  for (int y = 1969; y <= 2100; ++y) {
    for (int mo = 0; mo <= 13; ++mo) {
      for (int d = 0; d <= 32; ++d) {
        mix = mix * 1103515245 + 12345;
        const int h = static_cast<int>((mix >> 8) % 25), mi = static_cast<int>((mix >> 13) % 61),
                  s = static_cast<int>((mix >> 19) % 62), digits = static_cast<int>((mix >> 3) % 11);
        char text[64];
        std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
        std::string t = text;
        if (digits > 0) {
          t += '.';
          t += std::to_string(1000000000 + mix % 1000000000).substr(static_cast<std::size_t>(10 - digits));
        }
        t += "Z";
        const std::string msg = with(heartbeats, "2023-06-23T20:31:26.122969572Z", t);
        fast_path_enabled() = false;
        const std::string want = outcome(general, msg);
        fast_path_enabled() = true;
        const std::uint64_t before = fast_path_hits();
        ASSERT_EQ(outcome(fast, msg), want) << t;
        const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        const bool real = y >= 1970 && y <= 2099 && mo >= 1 && mo <= 12 && d >= 1 &&
                          d <= month_days[mo >= 1 && mo <= 12 ? mo - 1 : 0] + (leap && mo == 2 ? 1 : 0) && h < 24 &&
                          mi < 60 && s < 60 && digits < 10;
        EXPECT_EQ(fast_path_hits() != before, real) << t;
        ++checked;
        on_fast += real ? 1 : 0;
      }
    }
  }
  EXPECT_GT(on_fast, 10000);
  EXPECT_EQ(checked, 132 * 14 * 33);
}

TEST(CoinbaseFastPath, ReusedOutputsMatchAcrossMessages) {
  // One parser, alternating channels and sizes, with failures in between: reused slots (books, level
  // vectors, tickers, trades, candles) must carry nothing from one message into the next on either path.
  const std::string msgs[] = {
      l2,
      cb_minify(read_coinbase_fixture("level2_snapshot.json")),
      trades,
      with(trades, R"("size":"0.3")", R"("size":"-0.3")"),  // fails half-way through
      tick,
      with(l2, R"("new_quantity":"0"})", R"("new_quantity":"x"})"),
      with(l2, "]}]}", R"(]},{"type":"snapshot","product_id":"ETH-USD","updates":[]}]})"),
      candles,
      heartbeats,
      cb_minify(read_coinbase_fixture("status_snapshot.json")),
      with(tick, R"("channel":"ticker")", R"("channel":"ticker_batch")"),
      with(candles, R"("high":"1867.72")", R"("high":"-1")"),
      trades,
      l2,
      with(heartbeats, "3049", "\"77\""),
      R"({"type":"error","message":"Failed to subscribe"})",
      tick,
  };
  coinbase_parser fast, general;
  int hits = 0;
  for (const auto& m : msgs) hits += test::same_on_kept_parsers(fast, general, m, outcome) ? 1 : 0;
  EXPECT_EQ(hits, 12);
}

}  // namespace
}  // namespace mdfan::adapters
