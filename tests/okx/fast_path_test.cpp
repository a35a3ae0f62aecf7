// The OKX fast path (wire_shape.hpp): the channels it reads in OKX's own field order, and that it
// changes nothing — every message gives the same output (events, book message with its sequence ids
// and checksum, control), or the same error, with the fast path on and off; anything but the exact
// shape goes to the general path.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/common/wire_shape.hpp"
#include "adapters/okx/parser.hpp"
#include "core/codec.hpp"
#include "okx/test_util.hpp"

#ifdef MDFAN_OKX_SIM_VENUE
#include "adapters/okx/sim_venue.hpp"
#include "adapters/sim/simulator.hpp"
#include "support/fast_path_check.hpp"
#endif

namespace mdfan::adapters {
namespace {

using test::minify;
using test::read_okx_fixture;
using test::show;

constexpr std::int64_t recv = 1700000000123456789;

// Everything a parse gave, as text: the error (reason, book attribution), or the meaningful part of
// the message (its events; the book message field by field; the control fields).
std::string outcome(okx_parser& p, const std::string& msg) {
  okx_message m;
  okx_parse_error err;
  if (!p.parse(msg, recv, m, err))
    return "error: " + err.reason + " symbol=" + err.symbol + " book=" + (err.book ? "1" : "0");
  std::string s;
  switch (m.what) {
    case okx_message::kind::events:
      s = "events";
      for (const auto& ev : m.events) s += "\n" + encode_json(ev);
      break;
    case okx_message::kind::book: {
      const okx_book_msg& b = m.book;
      s = "book channel=" + std::to_string(static_cast<int>(b.channel)) + " symbol=" + b.symbol +
          " instrument=" + b.instrument + " snapshot=" + (b.snapshot ? "1" : "0") + " seq=" + std::to_string(b.seq_id) +
          " prev=" + std::to_string(b.prev_seq_id) + " checksum=" + std::to_string(b.checksum) +
          " ts=" + std::to_string(b.ts_ns) + " bids=" + show(b.bids) + " asks=" + show(b.asks);
      break;
    }
    case okx_message::kind::control: {
      const okx_control& c = m.control;
      s = "control " + std::to_string(static_cast<int>(c.what)) + " code=" + c.code + " msg=" + c.message +
          " channel=" + c.channel + " symbol=" + c.symbol;
      break;
    }
  }
  return s;
}

// A fresh parser's outcome for `msg`.
std::string fresh_outcome(const std::string& msg) {
  okx_parser p;
  return outcome(p, msg);
}
// Same outcome both ways; returns whether the fast path took it.
bool same_both_ways(const std::string& msg) { return test::same_both_ways(msg, fresh_outcome); }

using test::with;

using variant = test::fast_path_variant;
void expect_variants(const std::vector<variant>& vs) { test::check_variants(vs, fresh_outcome); }

// The variants every message shares: white space, trailing content, truncation, the arg's shape.
std::vector<variant> common_variants(const std::string& m) {
  return {
      {m, true},                                                         // unchanged
      {m + " ", false},                                                  // trailing white space
      {m + "x", false},                                                  // trailing garbage (an error)
      {m + "}", false},                                                  // one brace too many (an error)
      {m.substr(0, m.size() - 1), false},                                // truncated (an error)
      {m.substr(0, m.size() / 2), false},                                // cut in half (an error)
      {" " + m, false},                                                  // leading white space
      {"\xEF\xBB\xBF" + m, false},                                       // a byte-order mark
      {with(m, R"({"arg":{)", R"({ "arg":{)"), false},                   // white space inside
      {with(m, R"("arg":{)", R"("arg": {)"), false},                     // white space after a colon
      {with(m, R"({"channel":)", R"({"instId":"X","channel":)"), false},  // arg in another order
      {with(m, R"("instId":")", R"("instId":"\u0042)"), false},          // an escape in the instId
      {with(m, R"("arg":{"channel":")", R"("arg":{"instType":"SPOT","channel":")"), false},  // an extra arg field
      {R"({"id":"1",)" + m.substr(1), false},                            // an extra field first
  };
}

TEST(OkxFastPath, EveryFixtureGivesTheSameOutcomeBothWays) {
  const std::vector<std::string> hot = {"tickers.json",      "trades.json",  "books_snapshot.json", "books_update.json",
                                        "books5.json",       "bbo-tbt.json", "candle1D.json"};
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::fixture_dir("okx"))) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json") continue;
    ++files;
    const std::string text = read_okx_fixture(name);
    const bool is_hot = std::find(hot.begin(), hot.end(), name) != hot.end();
    // As published (pretty-printed): the general path reads it.
    EXPECT_FALSE(same_both_ways(text)) << name;
    // As sent (compact): the hot channels on the fast path, the rest not.
    EXPECT_EQ(same_both_ways(minify(text)), is_hot) << name;
  }
  EXPECT_GE(files, hot.size() + 5);
}

TEST(OkxFastPath, ControlTrafficGoesToTheGeneralPath) {
  for (const std::string msg : {"pong", "ping", R"({"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"}})",
                                R"({"event":"error","code":"60012","msg":"bad"})", R"({"op":"subscribe","args":[]})",
                                R"({"arg":{"channel":"books","instId":"BTC-USDT"},"event":"subscribe"})", "", "{}",
                                "[]", "null"})
    EXPECT_FALSE(same_both_ways(msg)) << msg;
}

TEST(OkxFastPath, TickersInAnyOtherShapeAreLeftToTheGeneralPath) {
  const std::string m = minify(read_okx_fixture("tickers.json"));
  ASSERT_TRUE(same_both_ways(m));
  auto v = [&](const std::string& from, const std::string& to) { return with(m, from, to); };
  std::vector<variant> vs = common_variants(m);
  const std::vector<variant> more = {
      // ts before sodUtc0/sodUtc8, as OKX also sends it: fast.
      {v(R"("sodUtc0":"2222","sodUtc8":"2222","ts":"1597026383085")",
         R"("ts":"1597026383085","sodUtc0":"2222","sodUtc8":"2222")"),
       true},
      {v(R"("askPx":"9999.99")", R"("askPx":"")"), true},                        // no value: fast, left empty
      {v(R"("bidSz":"5")", R"("bidSz":"-5")"), true},                            // negative (read as sent): fast
      {v(R"("instId":"BTC-USDT","last")", R"("instId":"","last")"), true},       // empty: arg's instId, fast
      {v(R"("instId":"BTC-USDT","last")", R"("instId":"ETH-USDT","last")"), true},  // data's instId wins: fast
      {v(R"("last":"9999.99")", R"("last":"9999.99.9")"), false},                // bad decimal (an error)
      {v(R"("last":"9999.99")", R"("last":"1e5")"), false},                      // exponent (an error)
      {v(R"("last":"9999.99")", R"("last":9999.99)"), false},                    // a number (an error)
      {v(R"("last":"9999.99")", R"("last":"99\u00399")"), false},                // an escape (an error)
      {v(R"("last":"9999.99")", R"("last":null)"), false},                       // null (an error)
      {v(R"("last":"9999.99")", R"("last":"1234567890123456789012345678901")"), false},  // too long (an error)
      {v(R"("ts":"1597026383085")", R"("ts":1597026383085)"), false},            // ts as a number
      {v(R"("ts":"1597026383085")", R"("ts":"01597026383085")"), true},           // leading zero: still ms
      {v(R"("ts":"1597026383085")", R"("ts":"9999999999999")"), false},           // past 2262 (an error)
      {v(R"("ts":"1597026383085")", R"("ts":"1000")"), true},                     // early, in range: fast
      {v(R"("ts":"1597026383085")", R"("ts":"9223372036855")"), false},           // out of range (an error)
      {v(R"("ts":"1597026383085")", R"("ts":"1234567890123456789")"), false},     // 19 digits (an error)
      {v(R"("ts":"1597026383085")", R"("ts":"-1")"), false},                      // negative (an error)
      {v(R"("ts":"1597026383085")", R"("ts":"")"), false},                        // empty (an error)
      {v(R"("ts":"1597026383085")", R"("ts":"15970263830.85")"), false},          // a fraction (an error)
      {v(R"("lastSz":"0.1",)", ""), false},                                       // a missing field
      {v(R"("lastSz":"0.1",)", R"("lastSz":"0.1","lastSz":"0.2",)"), false},      // a repeated field
      {v(R"("last":"9999.99","lastSz":"0.1")", R"("lastSz":"0.1","last":"9999.99")"), false},  // another order
      {v(R"("sodUtc8":"2222",)", R"("sodUtc8":"2222","extra":[1,{"a":2}],)"), false},  // an extra field
      {v(R"("instType":"SPOT")", R"("instType":1)"), false},                      // ignored field of another type
      {v(R"(}]})", R"(},{"instType":"SPOT","instId":"ETH-USDT","last":"1","lastSz":"1","askPx":"1","askSz":"1","bidPx":"1","bidSz":"1","open24h":"1","high24h":"1","low24h":"1","volCcy24h":"1","vol24h":"1","sodUtc0":"1","sodUtc8":"1","ts":"1"}]})"),
       true},                                                                     // two tickers: fast
      {v(R"("data":[{)", R"("data":[1,{)"), false},                               // not an object (an error)
      {v(R"("data":[{)", R"("data":{"x":[{)") + "}", false},                      // data not an array (an error)
      {R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[]})", false},  // empty data
      {v(R"("instId":"BTC-USDT"},)", R"("instId":""},)"), false},                 // empty arg instId
      {v(R"("channel":"tickers")", R"("channel":"ticker")"), false},              // unknown channel (an error)
      {v(R"("low24h":"8888.88")", R"("low24h":"8888.88)"), false},                // unterminated string
      {v(R"("low24h":"8888.88")", "\"low24h\":\"8888\x01\""), false},             // a control character
      {v(R"("low24h":"8888.88")", "\"low24h\":\"8888\xC3\xA9\""), false},         // not ASCII (an error)
  };
  vs.insert(vs.end(), more.begin(), more.end());
  expect_variants(vs);
}

TEST(OkxFastPath, TradesInAnyOtherShapeAreLeftToTheGeneralPath) {
  const std::string m = minify(read_okx_fixture("trades.json"));
  ASSERT_TRUE(same_both_ways(m));
  auto v = [&](const std::string& from, const std::string& to) { return with(m, from, to); };
  std::vector<variant> vs = common_variants(m);
  const std::vector<variant> more = {
      {v(R"("side":"buy")", R"("side":"sell")"), true},                            // the other side: fast
      {v(R"("side":"buy")", R"("side":"Buy")"), false},                            // unknown side (an error)
      {v(R"("side":"buy")", R"("side":"")"), false},                               // empty side (an error)
      {v(R"("seqId":1234)", R"("seqId":0)"), true},                                // no sequence: fast
      {v(R"("seqId":1234)", R"("seqId":-5)"), true},                               // negative: no sequence, fast
      {v(R"("seqId":1234)", R"("seqId":-0)"), false},                              // -0
      {v(R"("seqId":1234)", R"("seqId":01234)"), false},                           // leading zero (not JSON)
      {v(R"("seqId":1234)", R"("seqId":1234.0)"), false},                          // a fraction (an error)
      {v(R"("seqId":1234)", R"("seqId":1e3)"), false},                             // an exponent (an error)
      {v(R"("seqId":1234)", R"("seqId":"1234")"), false},                          // a string (an error)
      {v(R"("seqId":1234)", R"("seqId":9223372036854775807)"), true},              // int64 max: fast
      {v(R"("seqId":1234)", R"("seqId":9223372036854775808)"), false},             // past int64 (an error)
      {v(R"("seqId":1234)", R"("seqId":12345678901234567890123)"), false},         // far past (an error)
      {v(R"("seqId":1234)", R"("seqId":true)"), false},                            // a boolean (an error)
      {v(R"(,"seqId":1234)", ""), false},                                          // no seqId
      {v(R"("tradeId":"130639474")", R"("tradeId":"")"), false},                   // empty id (an error)
      {v(R"("tradeId":"130639474")", R"("tradeId":130639474)"), false},            // id as a number (an error)
      {v(R"("px":"42219.9")", R"("px":"")"), false},                               // empty price (an error)
      {v(R"("px":"42219.9")", R"("px":"4221a")"), false},                          // bad decimal (an error)
      {v(R"("px":"42219.9")", R"("px":"+42219.9")"), false},                       // a plus sign (an error)
      {v(R"("sz":"0.12060306")", R"("sz":"-0.12060306")"), true},                  // negative size: as sent, fast
      {v(R"("sz":"0.12060306")", R"("sz":".5")"), true},                           // ".5" is a decimal: fast
      {v(R"("ts":"1630048897897")", R"("ts":"16300488978970000000")"), false},     // 20 digits (an error)
      {v(R"("ts":"1630048897897")", R"("ts":"9223372036854")"), true},            // the last ms in range
      {v(R"("ts":"1630048897897")", R"("ts":"9223372036855")"), false},           // out of range (an error)
      {v(R"("count":"3")", R"("count":3)"), false},                                // ignored field, another type
      {v(R"("px":"42219.9","sz":"0.12060306")", R"("sz":"0.12060306","px":"42219.9")"), false},  // another order
      {v(R"("instId":"BTC-USDT","tradeId")", R"("instId":"ETH-USDT","tradeId")"), true},  // data's instId: fast
      {v(R"("source":"0",)", ""), false},                                          // a missing field
      {v(R"(}]})", R"(}],"action":"update"})"), false},                            // an extra top-level field
      {v(R"(}]})", R"(},{"instId":"BTC-USDT","tradeId":"2","px":"1","sz":"2","side":"sell","ts":"3","count":"1","source":"0","seqId":7}]})"),
       true},                                                                      // two trades: fast
      {v(R"(}]})", R"(},{}]})"), false},                                           // a bad second trade (an error)
  };
  vs.insert(vs.end(), more.begin(), more.end());
  expect_variants(vs);
}

std::vector<variant> book_level_variants(const std::string& m, const std::string& level, const std::string& side) {
  auto v = [&](const std::string& from, const std::string& to) { return with(m, from, to); };
  const std::string price = level.substr(2, level.find('"', 2) - 2);
  return {
      {v(level, R"([")" + price + R"(","0","0","1"])"), true},     // size 0: fast
      {v(level, R"([")" + price + R"(","-1","0","1"])"), false},   // negative size (an error)
      {v(level, R"(["-)" + price + R"(","1","0","1"])"), false},   // negative price (an error)
      {v(level, R"([")" + price + R"(","1"])"), true},             // two entries: fast
      {v(level, R"([")" + price + R"(","1","0","1","x"])"), true},  // five entries: fast
      {v(level, R"([")" + price + R"("])"), false},                // one entry (an error)
      {v(level, R"([])"), false},                                   // no entries (an error)
      {v(level, R"([")" + price + R"(","1",0,1])"), false},        // numbers after the size
      {v(level, R"([)" + price + R"(,"1","0","1"])"), false},      // price a number (an error)
      {v(level, R"([")" + price + R"(","1.2.3","0","1"])"), false},  // bad decimal (an error)
      {v(level, R"([")" + price + R"(","1","0","1"],)"), false},   // trailing comma (not JSON)
      {v(level, R"({"p":")" + price + R"("})"), false},            // a level not an array (an error)
      {v(R"(")" + side + R"(":[)", R"(")" + side + R"(":[],"x":[)"), false},  // an extra field
  };
}

TEST(OkxFastPath, IncrementalBooksInAnyOtherShapeAreLeftToTheGeneralPath) {
  for (const char* file : {"books_snapshot.json", "books_update.json"}) {
    SCOPED_TRACE(file);
    const std::string m = minify(read_okx_fixture(file));
    ASSERT_TRUE(same_both_ways(m));
    const bool snap = std::string(file) == "books_snapshot.json";
    const std::string prev = snap ? R"("prevSeqId":-1)" : R"("prevSeqId":123456)";
    auto v = [&](const std::string& from, const std::string& to) { return with(m, from, to); };
    std::vector<variant> vs = common_variants(m);
    auto levels = book_level_variants(m, R"(["8477","7","0","2"])", "asks");
    vs.insert(vs.end(), levels.begin(), levels.end());
    const std::vector<variant> more = {
        {v(R"("checksum":0)", R"("checksum":-2102840145)"), true},           // a real checksum: fast, kept
        {v(R"("checksum":0)", R"("checksum":2147483647)"), true},            // int32 max: fast
        {v(R"("checksum":0)", R"("checksum":2147483648)"), false},           // past int32 (an error)
        {v(R"("checksum":0)", R"("checksum":-2147483649)"), false},          // below int32 (an error)
        {v(R"("checksum":0)", R"("checksum":"0")"), false},                  // a string (an error)
        {v(R"("checksum":0)", R"("checksum":0.0)"), false},                  // a fraction (an error)
        {v(R"("checksum":0,)", ""), true},                                   // no checksum (deprecated): fast
        {v(R"("seqId":)", R"("seqId":-)"), false},                           // negative seqId (an error)
        {v(prev, R"("prevSeqId":9223372036854775807)"), true},               // int64 max: fast
        {v(prev, R"("prevSeqId":-9223372036854775808)"), false},             // int64 min: general path
        {v(prev, R"("prevSeqId":-09)"), false},                              // leading zero (not JSON)
        {v(prev + ",", ""), false},                                          // no prevSeqId (an error)
        {v(R"(,"seqId":)", R"(,"seqId":1,"seqId":)"), false},                 // a repeated field
        {v(prev, prev + R"(,"x":1)"), false},                                // an extra field
        {v(R"("action":)", R"("action":"partial","old":)"), false},          // extra field before data
        {v(snap ? R"("action":"snapshot")" : R"("action":"update")", R"("action":"Snapshot")"), false},  // (an error)
        {v(snap ? R"("action":"snapshot",)" : R"("action":"update",)", ""), false},  // no action (an error)
        {v(R"("ts":"1597026383085")", R"("ts":"1597026383085 ")"), false},   // a space in the time (an error)
        {v(R"("ts":"1597026383085")", R"("ts":"0")"), true},                 // epoch 0: fast
        {v(R"("ts":"1597026383085",)", ""), false},                          // no ts (read as 0)
        {v(R"("channel":"books")", R"("channel":"books-l2-tbt")"), true},    // the tbt channels: fast
        {v(R"("channel":"books")", R"("channel":"books50-l2-tbt")"), true},
        {v(R"("channel":"books")", R"("channel":"books-elp")"), false},       // unknown channel (an error)
        {v(R"("data":[{)", R"("data":[{},{)"), false},                        // two books (an error)
        {v(R"(}]})", R"(},{"asks":[],"bids":[]}]})"), false},                 // two books (an error)
        {v(R"("bids":[)", R"("bids":[],"b":[)"), false},                      // an extra field
        {v(R"("asks":[)", R"("asks":{"a":[)") + "}", false},                  // asks not an array
        {R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","checksum":0,"prevSeqId":15,"seqId":15}]})",
         true},                                                                // keep-alive: fast
        {R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[]})", false},  // no book (an error)
        {R"({"arg":{"channel":"books","instId":"BTC-USDT"},"data":[{"asks":[],"bids":[],"ts":"1","checksum":0,"prevSeqId":15,"seqId":15}],"action":"update"})",
         false},                                                               // action after data
        {R"({"data":[{"asks":[],"bids":[],"ts":"1","checksum":0,"prevSeqId":15,"seqId":15}],"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update"})",
         false},                                                               // data first
    };
    vs.insert(vs.end(), more.begin(), more.end());
    expect_variants(vs);
  }
}

TEST(OkxFastPath, WholeBooksInAnyOtherShapeAreLeftToTheGeneralPath) {
  for (const char* file : {"books5.json", "bbo-tbt.json"}) {
    SCOPED_TRACE(file);
    const std::string m = minify(read_okx_fixture(file));
    ASSERT_TRUE(same_both_ways(m));
    const bool five = std::string(file) == "books5.json";
    auto v = [&](const std::string& from, const std::string& to) { return with(m, from, to); };
    std::vector<variant> vs = common_variants(m);
    auto levels = book_level_variants(m, R"(["111.05","57745","0","2"])", "bids");
    vs.insert(vs.end(), levels.begin(), levels.end());
    const std::vector<variant> more = {
        {v(R"("seqId":363996337)", R"("seqId":0)"), true},                    // no sequence: fast
        {v(R"("seqId":363996337)", R"("seqId":-3)"), true},                   // negative: no sequence, fast
        {v(R"("seqId":363996337)", R"("seqId":3.5)"), false},                 // a fraction (an error)
        {v(R"("seqId":363996337)", R"("seqId":null)"), false},                // null (an error)
        {v(R"(,"seqId":363996337)", ""), false},                              // no seqId
        {v(R"("ts":"1670324386802")", R"("ts":"x")"), false},                 // not ms (an error)
        {v(R"("ts":"1670324386802")", R"("ts":"99999999999999999999")"), false},  // too long (an error)
        {v(R"("asks":[)", R"("asks":[],"x":[)"), false},                      // an extra field
        {v(R"("asks":[)", R"("asks":3,"y":[)"), false},                       // asks not an array (an error)
        {v(R"(}]})", R"(,"prevSeqId":1}]})"), false},                         // an extra field
        {v(R"("channel":")" + std::string(five ? "books5" : "bbo-tbt") + "\"", R"("channel":"books15")"),
         false},                                                                // unknown channel (an error)
        {v(R"(}]})", R"(},{"asks":[],"bids":[],"ts":"1","seqId":2}]})"), true},  // two books: fast
        {five ? v(R"("instId":"BCH-USDT-SWAP","ts")", R"("instId":"","ts")")
              : v(R"("bids":)", R"("bids":)"),
         true},                                                                 // data instId empty: arg's
        {five ? v(R"("instId":"BCH-USDT-SWAP","ts")", R"("ts")")
              : v(R"(],"ts")", R"(],"instId":"X-Y","ts")"),
         true},                                                                 // instId optional in data
        {five ? v(R"("instId":"BCH-USDT-SWAP","ts")", R"("instId":7,"ts")")
              : v(R"(],"ts")", R"(],"instId":null,"ts")"),
         false},                                                                // instId not a string (an error)
        {R"({"arg":{"channel":"bbo-tbt","instId":"X-Y"},"data":[{"asks":[],"bids":[],"ts":"1","seqId":2}]})", true},
    };
    vs.insert(vs.end(), more.begin(), more.end());
    expect_variants(vs);
  }
}

TEST(OkxFastPath, CandlesInAnyOtherShapeAreLeftToTheGeneralPath) {
  const std::string m = minify(read_okx_fixture("candle1D.json"));
  ASSERT_TRUE(same_both_ways(m));
  auto v = [&](const std::string& from, const std::string& to) { return with(m, from, to); };
  std::vector<variant> vs = common_variants(m);
  const std::vector<variant> more = {
      {v(R"("0"]])", R"("1"]])"), true},                                     // closed: fast
      {v(R"("0"]])", R"("2"]])"), false},                                    // bad confirm (an error)
      {v(R"("0"]])", R"(0]])"), false},                                      // confirm a number (an error)
      {v(R"(,"0"]])", R"(]])"), false},                                      // eight entries
      {v(R"(,"5529.5858061","0"]])", R"(]])"), false},                       // seven entries
      {v(R"("0"]])", R"("0","x"]])"), false},                                // ten entries
      {v(R"("8533.02")", R"("8533.02x")"), false},                           // bad decimal (an error)
      {v(R"("8533.02")", R"("-8533.02")"), true},                            // negative (as sent): fast
      {v(R"("8533.02")", R"(8533.02)"), false},                              // a number (an error)
      {v(R"("1597026383085")", R"("1597026383085.5")"), false},              // not ms (an error)
      {v(R"("1597026383085")", R"("9223372036855")"), false},                // out of range (an error)
      {v(R"("1597026383085")", R"("9223372036854")"), true},                 // the last ms: fast, its close
                                                                               // time held at the range's end
      {v(R"("1597026383085")", R"(1597026383085)"), false},                  // ts a number (an error)
      {v(R"("candle1D")", R"("candle1H")"), true},                           // another bar: fast
      {v(R"("candle1D")", R"("candle6Hutc")"), true},                        // a UTC bar: fast
      {v(R"("candle1D")", R"("candle1M")"), true},                           // a month (no close time): fast
      {v(R"("candle1D")", R"("candle7D")"), false},                          // unknown bar (an error)
      {v(R"("candle1D")", R"("candle")"), false},                            // no bar (an error)
      {v(R"("candle1D")", R"("candle1d")"), false},                          // wrong case (an error)
      {v(R"("data":[[)", R"("data":[{"a":1},[)"), false},                    // an object (an error)
      {v(R"("data":[[)", R"("data":[[],[)"), false},                         // an empty candle (an error)
      {v(R"(]]})", R"(],["1","1","1","1","1","1","1","1","1"]]})"), true},  // two candles: fast
  };
  vs.insert(vs.end(), more.begin(), more.end());
  expect_variants(vs);
}

TEST(OkxFastPath, AnyByteAnywhereInAStringGivesTheSameOutcome) {
  // The string reads look at 8 bytes at a time: a byte that ends or spoils a string must be seen at
  // every offset, in a string read as text (instType) and in strings validated afterwards (a decimal,
  // a time). Plain bytes (space, DEL) keep a text string on the fast path; nothing else does.
  const std::string m = minify(read_okx_fixture("tickers.json"));
  const std::string text = "ABCDEFGHIJKLMNOPQRS", dec = "1234567890123.4567", ms = "1597026383085";
  for (const unsigned char b : {0x00, 0x01, 0x1f, 0x20, 0x22, 0x5c, 0x7f, 0x80, 0xc3, 0xff}) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      std::string t = text;
      t[i] = static_cast<char>(b);
      const bool plain = b == 0x20 || b == 0x7f;
      EXPECT_EQ(same_both_ways(with(m, R"("instType":"SPOT")", R"("instType":")" + t + "\"")), plain)
          << "byte " << int{b} << " at " << i;
    }
    for (std::size_t i = 0; i < dec.size(); ++i) {
      std::string d = dec;
      d[i] = static_cast<char>(b);
      EXPECT_FALSE(same_both_ways(with(m, R"("last":"9999.99")", R"("last":")" + d + "\"")))
          << "byte " << int{b} << " at " << i;
    }
    for (std::size_t i = 0; i < ms.size(); ++i) {
      std::string d = ms;
      d[i] = static_cast<char>(b);
      EXPECT_FALSE(same_both_ways(with(m, R"("ts":"1597026383085")", R"("ts":")" + d + "\"")))
          << "byte " << int{b} << " at " << i;
    }
  }
  EXPECT_TRUE(same_both_ways(with(m, R"("last":"9999.99")", R"("last":")" + dec + "\"")));
}

TEST(OkxFastPath, ReusedOutputsMatchAcrossMessages) {
  // One parser, alternating channels and sizes, fast and general messages mixed: reused outputs
  // (event slots, level vectors, the candle bar cache) must not carry anything from one message into
  // the next on either path.
  const std::vector<std::string> msgs = {
      minify(read_okx_fixture("books_snapshot.json")),
      minify(read_okx_fixture("trades.json")),
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["8477","0","0","0"]],"bids":[],"ts":"1597026383086","checksum":-5,"prevSeqId":123456,"seqId":123457}]})",
      minify(read_okx_fixture("tickers.json")),
      minify(read_okx_fixture("candle1D.json")),
      R"({"arg":{"channel":"candle1m","instId":"ETH-USDT"},"data":[["1597026383085","1","2","0.5","1.5","10","15","15","1"]]})",
      minify(read_okx_fixture("books5.json")),
      minify(read_okx_fixture("bbo-tbt.json")),
      read_okx_fixture("books5.json"),  // pretty: the general path
      R"({"arg":{"channel":"candle1m","instId":"ETH-USDT"},"data":[["1597026383085","1","2","0.5","1.5","10","15"]]})",
      minify(read_okx_fixture("candle1D.json")),
      "pong",
      minify(read_okx_fixture("books_update.json")),
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["1","-1"]],"bids":[],"ts":"1","prevSeqId":1,"seqId":2}]})",
      minify(read_okx_fixture("subscribe_error_response.json")),
      R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"sell","ts":"1","count":"1","source":"0","seqId":1},{"instId":"BTC-USDT","tradeId":"2","px":"2","sz":"2","side":"buy","ts":"2","count":"1","source":"0","seqId":2}]})",
      minify(read_okx_fixture("trades.json")),
      R"({"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[],"bids":[],"ts":"1","seqId":1}]})",
      minify(read_okx_fixture("books_snapshot.json")),
  };
  okx_parser fast, general;
  std::size_t fast_reads = 0;
  for (const auto& m : msgs) fast_reads += test::same_on_kept_parsers(fast, general, m, outcome) ? 1 : 0;
  EXPECT_EQ(fast_reads, 14u);
}

#ifdef MDFAN_OKX_SIM_VENUE
// Every frame the simulator venue sends (book snapshots on subscribe, then the generated feed of
// every channel) reads the same both ways, and every market-data frame is on the fast path.
TEST(OkxFastPath, SimulatorFramesAreOnTheFastPath) {
  sim::sim_config cfg;
  cfg.exchange = "okx";
  cfg.symbols = {"BTC-USDT", "ETH-USDT"};
  cfg.seed = 7;
  cfg.start_time_ms = 1'700'000'000'000;
  auto venue = sim::make_okx_venue(cfg);

  struct collect final : sim::message_sink {
    bool wanted(std::uint32_t) const override { return true; }
    void push(sim::sim_message&& m) override { frames.emplace_back(m.payload()); }
    std::vector<std::string> frames;
  } sink;
  // The books snapshot comes in the reply to a subscribe.
  std::string error;
  sim::venue_reply opened;
  auto session = venue->open("/ws/v5/public", opened, error);
  ASSERT_TRUE(session) << error;
  const auto reply = venue->on_message(
      *session, R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},{"channel":"books","instId":"ETH-USDT"}]})");
  for (const auto& f : reply.frames) sink.frames.push_back(f);
  venue->generate(3000, sink);

  okx_parser fast, general;
  std::size_t data = 0, on_fast = 0;
  for (const auto& f : sink.frames) {
    const bool read_fast = test::same_on_kept_parsers(fast, general, f, outcome);
    if (f.find(R"("data":)") != std::string::npos) {
      ++data;
      if (read_fast) ++on_fast;
      else ADD_FAILURE() << "not on the fast path: " << f.substr(0, 300);
    }
  }
  EXPECT_GT(data, 1000u);
  EXPECT_EQ(on_fast, data);
  // Every channel was seen.
  for (const char* ch : {"tickers", "trades", "books", "books5", "bbo-tbt", "candle1m", "candle1H", "candle1D"}) {
    const std::string arg = std::string(R"({"arg":{"channel":")") + ch + "\"";
    EXPECT_TRUE(std::any_of(sink.frames.begin(), sink.frames.end(), [&](const std::string& f) { return f.starts_with(arg); }))
        << ch;
  }
}
#endif

}  // namespace
}  // namespace mdfan::adapters
