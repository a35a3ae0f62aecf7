// The Binance fast path (wire_shape.hpp): the message types it reads in Binance's own field order,
// and that it changes nothing — every message gives the same events, or the same error, with the
// fast path on and off; anything but the exact shape goes to the general path.
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "adapters/binance/parser.hpp"
#include "adapters/common/wire_shape.hpp"
#include "binance/test_util.hpp"
#include "core/codec.hpp"
#include "support/fast_path_check.hpp"

namespace mdfan::adapters {
namespace {

using test::minify;
using test::read_binance_fixture;

constexpr std::int64_t recv = 1700000000123456789;

// What a parse gave, as text: ok or the error (reason, book attribution), and the message.
std::string outcome(binance_parser& p, const std::string& msg) {
  binance_message m;
  binance_parse_error err;
  if (!p.parse(msg, recv, m, err)) return "error: " + err.reason + " symbol=" + err.symbol + " depth=" + (err.depth ? "1" : "0");
  if (const auto* ev = std::get_if<event>(&m)) return encode_json(*ev);
  if (const auto* d = std::get_if<binance_depth_diff>(&m)) return "diff " + encode_json(to_book_update(*d, recv)) + " E=" + std::to_string(d->event_time_ns);
  const auto& c = std::get<binance_control>(m);
  return "control " + std::to_string(static_cast<int>(c.what)) + " " + c.id + " " + c.message;
}

// A fresh parser's outcome for `msg`.
std::string fresh_outcome(const std::string& msg) {
  binance_parser p;
  return outcome(p, msg);
}
test::fast_path_run parse_with(bool fast, const std::string& msg) { return test::parse_with(fast, msg, fresh_outcome); }
// Same outcome both ways; returns whether the fast path took it.
bool same_both_ways(const std::string& msg) { return test::same_both_ways(msg, fresh_outcome); }

std::string combined(const std::string& stream, const std::string& data) {
  return R"({"stream":")" + stream + R"(","data":)" + data + "}";
}

TEST(BinanceFastPath, ReadsTheHotTypesAsTheGeneralPathDoes) {
  const struct {
    const char* file;
    const char* stream;
  } hot[] = {{"trade.json", "bnbbtc@trade"},
             {"aggTrade.json", "bnbbtc@aggTrade"},
             {"bookTicker.json", "bnbusdt@bookTicker"},
             {"depth_diff_update.json", "bnbbtc@depth@100ms"},
             {"depth5_partial.json", "bnbbtc@depth5@100ms"}};
  for (const auto& h : hot) {
    const std::string raw = minify(read_binance_fixture(h.file));
    EXPECT_TRUE(same_both_ways(raw)) << h.file << ": not on the fast path";
    EXPECT_TRUE(same_both_ways(combined(h.stream, raw))) << h.file << " (combined): not on the fast path";
  }
  // The partial book takes its symbol from the stream name: the fast path must too.
  const std::string partial = combined("ethusdt@depth5", minify(read_binance_fixture("depth5_partial.json")));
  EXPECT_NE(parse_with(true, partial).result.find("\"ETHUSDT\""), std::string::npos) << parse_with(true, partial).result;
}

TEST(BinanceFastPath, OtherTypesGoToTheGeneralPath) {
  for (const char* file : {"ticker_24hr.json", "kline_1m.json", "miniTicker.json", "subscribe_response.json",
                           "serverShutdown_raw.json", "combined_stream_wrapper_serverShutdown.json"}) {
    EXPECT_FALSE(same_both_ways(minify(read_binance_fixture(file)))) << file;
  }
}

// Each differs from Binance's shape in one way: the general path reads it (or refuses it), the fast
// path leaves it alone, and the outcome is the same.
TEST(BinanceFastPath, AnyOtherShapeIsLeftToTheGeneralPath) {
  const std::string trade =
      R"({"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true})";
  ASSERT_TRUE(same_both_ways(trade));
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = trade;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const std::string variants[] = {
      with(R"("E":)", R"("E": )"),                              // white space
      with(R"("s":"BNBBTC","t":12345)", R"("t":12345,"s":"BNBBTC")"),  // another order
      with(R"("BNBBTC")", R"("BNB\u0042TC")"),                  // an escape
      with(R"("BNBBTC")", R"("")"),                             // empty symbol (an error)
      with(R"("t":12345)", R"("t":012345)"),                    // leading zero (not JSON)
      with(R"("t":12345)", R"("t":12345.0)"),                   // not an integer (an error)
      with(R"("t":12345)", R"("t":-12345)"),                    // negative (an error)
      with(R"("t":12345)", R"("t":123456789012345678901)"),     // out of range (an error)
      with(R"("E":1672515782136)", R"("E":99999999999999999)"), // time out of range (an error)
      with(R"("p":"0.001")", R"("p":"0.0.1")"),                 // not a decimal (an error)
      with(R"("p":"0.001")", R"("p":0.001)"),                   // a number, not a string (an error)
      with(R"("m":true)", R"("m":1)"),                          // not a boolean (an error)
      with(R"("M":true})", R"("M":true,"x":1})"),               // an extra field
      with(R"("M":true})", R"("M":true})"),                     // unchanged: the control case below
      trade + " ",                                              // trailing white space
      trade + "x",                                              // trailing garbage (an error)
      trade.substr(0, trade.size() - 1),                        // truncated (an error)
      "\xEF\xBB\xBF" + trade,                                   // a byte-order mark
  };
  int fast = 0;
  for (const auto& v : variants) fast += same_both_ways(v) ? 1 : 0;
  EXPECT_EQ(fast, 1);  // only the unchanged one

  const std::string depth =
      R"({"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"]]})";
  ASSERT_TRUE(same_both_ways(depth));
  auto depth_with = [&](const std::string& from, const std::string& to) {
    std::string s = depth;
    return s.replace(s.find(from), from.size(), to);
  };
  for (const auto& v : {depth_with(R"("U":157)", R"("U":161)"),               // U after u (an error)
                        depth_with(R"(["0.0024","10"])", R"(["0.0024","-10"])"),  // negative size (an error)
                        depth_with(R"(["0.0024","10"])", R"(["0.0024","10","x"])"),  // a third entry
                        depth_with(R"(["0.0024","10"])", R"(["0.0024"])"),        // one entry (an error)
                        depth_with(R"("b":[["0.0024","10"]])", R"("b":[])"),      // empty side: fast
                        depth_with(R"("b":[["0.0024","10"]])", R"("b":[["0.0024","10"],])"),  // trailing comma
                        combined("bnbbtc@depth", depth) + "}",                  // combined, one brace too many
                        combined("bnbbtc@depth", depth).substr(1)}) {           // not an object
    const bool took = same_both_ways(v);
    EXPECT_EQ(took, v.find(R"("b":[])") != std::string::npos) << v;
  }
}

TEST(BinanceFastPath, LevelsAndReusedOutputsMatchAcrossMessages) {
  // One parser, alternating types and sizes: reused outputs (event slots, level vectors) must not
  // carry anything from one message into the next on either path.
  const std::string msgs[] = {
      R"({"e":"depthUpdate","E":1,"s":"BNBBTC","U":1,"u":2,"b":[["1.5","2"],["1.4","3"],["1.3","0"]],"a":[]})",
      R"({"e":"trade","E":2,"s":"ETHBTC","t":7,"p":"0.05","q":"1.25","T":3,"m":false,"M":true})",
      R"({"e":"depthUpdate","E":4,"s":"BNBBTC","U":3,"u":3,"b":[],"a":[["1.6","1"]]})",
      R"({"lastUpdateId":9,"bids":[["1.5","2"]],"asks":[["1.6","1"],["1.7","2"]]})",
      R"({"u":10,"s":"BNBBTC","b":"1.5","B":"2","a":"1.6","A":"1"})",
      R"({"lastUpdateId":11,"bids":[],"asks":[]})",
  };
  binance_parser fast, general;
  for (const auto& m : msgs) EXPECT_TRUE(test::same_on_kept_parsers(fast, general, m, outcome)) << m;
}

}  // namespace
}  // namespace mdfan::adapters
