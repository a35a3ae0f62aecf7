// `mdfan decode` (run_decode): recorded lines in, normalized JSON lines out.
#include "adapters/decode.hpp"

#include <sstream>

#include <gtest/gtest.h>

#include "binance/test_util.hpp"
#include "core/codec.hpp"

namespace mdfan {
namespace {

using test::minify;
using test::read_binance_fixture;

struct result {
  int status;
  std::vector<std::string> out;
  std::string err;
};

result decode(std::string_view exchange, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  result r;
  r.status = run_decode(exchange, in, out, err);
  std::istringstream lines(out.str());
  for (std::string l; std::getline(lines, l);) r.out.push_back(l);
  r.err = err.str();
  return r;
}

std::string line(const char* fixture) { return minify(read_binance_fixture(fixture)) + "\n"; }

TEST(BinanceDecode, EveryFixtureDecodesOrIsControlTraffic) {
  std::string input;
  // Data messages first (one output line each), then control traffic (no output).
  for (const char* f :
       {"trade.json", "aggTrade.json", "ticker_24hr.json", "miniTicker.json", "bookTicker.json", "kline_1m.json",
        "depth_diff_update.json", "depth5_partial.json", "rest_depth_snapshot.json", "serverShutdown_raw.json",
        "combined_stream_wrapper_serverShutdown.json", "subscribe_request.json", "subscribe_response.json",
        "unsubscribe_request.json", "unsubscribe_response.json", "list_subscriptions_request.json",
        "list_subscriptions_response.json", "set_property_combined_request.json"})
    input += line(f);
  const auto r = decode("binance", input);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(r.out.size(), 9u);
  const char* types[] = {"trade", "trade", "ticker", "ticker", "ticker", "candle", "book", "book", "book"};
  for (std::size_t i = 0; i < r.out.size(); ++i) {
    event ev;
    std::string why;
    // The partial and REST books name no symbol (raw form): they have no instrument to decode back.
    if (i < 7) {
      ASSERT_TRUE(decode_json(r.out[i], ev, &why)) << why << "\n" << r.out[i];
      EXPECT_EQ(to_string(type_of(ev)), types[i]) << r.out[i];
    }
    EXPECT_NE(r.out[i].find(std::string("\"type\":\"") + types[i] + "\""), std::string::npos) << r.out[i];
  }
  EXPECT_EQ(r.out[0],
            R"({"type":"trade","exchange":"binance","instrument":"BNB-BTC","symbol":"BNBBTC","ts":1672515782136000000,)"
            R"("recv":0,"seq":12345,"id":"12345","price":"0.001","size":"100","side":"sell"})");
  EXPECT_EQ(
      r.out[6],
      R"({"type":"book","exchange":"binance","instrument":"BNB-BTC","symbol":"BNBBTC","ts":1672515782136000000,)"
      R"("recv":0,"seq":160,"snapshot":false,"first_seq":157,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]})");
  EXPECT_NE(r.out[8].find(R"("seq":1027024,"snapshot":true)"), std::string::npos) << r.out[8];
}

TEST(BinanceDecode, BadLineIsReportedWithItsNumberAndTheRestStillDecode) {
  const std::string input = line("trade.json") + "this is not json\n" + line("bookTicker.json") +
                            R"({"e":"trade","E":1,"s":"BNBBTC"})" + "\n" + line("kline_1m.json");
  const auto r = decode("binance", input);
  EXPECT_NE(r.status, 0);
  ASSERT_EQ(r.out.size(), 3u);
  EXPECT_NE(r.out[0].find(R"("type":"trade")"), std::string::npos);
  EXPECT_NE(r.out[1].find(R"("type":"ticker")"), std::string::npos);
  EXPECT_NE(r.out[2].find(R"("type":"candle")"), std::string::npos);
  EXPECT_NE(r.err.find("line 2: not JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 4: trade: missing field 't'"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("line 1:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("line 3:"), std::string::npos) << r.err;
}

TEST(BinanceDecode, BlankLinesAndCrLfAreFine) {
  const std::string trade = minify(read_binance_fixture("trade.json"));
  const auto r = decode("binance", "\n" + trade + "\r\n   \n" + trade);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.size(), 2u);
}

TEST(BinanceDecode, UnknownExchangeIsNamed) {
  auto r = decode("foo", line("trade.json"));
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("'foo'"), std::string::npos) << r.err;
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("binance, coinbase, kraken, bybit, okx"), std::string::npos) << r.err;
  // A Binance message read as Kraken's: reported as a line that failed, with Kraken's reason.
  r = decode("kraken", line("trade.json"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("line 1: "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mdfan
