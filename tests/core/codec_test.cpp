#include <gtest/gtest.h>

#include "core/codec.hpp"

using namespace mdfan;

namespace {
trade sample_trade() {
  trade t;
  t.exchange = exchange_id::binance;
  t.instrument = "BTC-USDT";
  t.symbol = "BTCUSDT";
  t.exchange_ts_ns = 1672515782136000000;
  t.receive_ts_ns = 1672515782137000123;
  t.sequence = 12345;
  t.trade_id = "12345";
  t.price = decimal::from("0.00001234");
  t.size = decimal::from("43012.10");
  t.aggressor = side::sell;
  return t;
}
}  // namespace

TEST(codec, trade_round_trip_keeps_digits) {
  const event ev = sample_trade();
  const std::string json = encode_json(ev);
  EXPECT_NE(json.find(R"("price":"0.00001234")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("size":"43012.10")"), std::string::npos) << json;
  event back;
  std::string err;
  ASSERT_TRUE(decode_json(json, back, &err)) << err;
  const auto& t = std::get<trade>(back);
  EXPECT_EQ(t.price.str(), "0.00001234");
  EXPECT_EQ(t.size.str(), "43012.10");
  EXPECT_EQ(t.trade_id, "12345");
  EXPECT_EQ(t.aggressor, side::sell);
  EXPECT_EQ(t.exchange_ts_ns, 1672515782136000000);
  EXPECT_EQ(t.receive_ts_ns, 1672515782137000123);
  EXPECT_EQ(t.sequence, 12345u);
  EXPECT_EQ(encode_json(back), json);
}

TEST(codec, book_ticker_candle_round_trip) {
  book_update b;
  b.exchange = exchange_id::binance;
  b.instrument = "BNB-BTC";
  b.symbol = "BNBBTC";
  b.snapshot = true;
  b.sequence = 160;
  b.first_sequence = 157;
  b.bids = {{decimal::from("0.0024"), decimal::from("10")}};
  b.asks = {{decimal::from("0.0026"), decimal::from("100")}, {decimal::from("0.0027"), decimal::from("0.000")}};
  ticker t;
  t.instrument = "BNB-USDT";
  t.bid_price = decimal::from("25.35190000");
  t.ask_size = decimal::from("40.66000000");
  candle c;
  c.instrument = "BNB-BTC";
  c.interval = "1m";
  c.open = decimal::from("0.0010");
  c.close = decimal::from("0.0020");
  c.trades = 100;
  c.closed = true;
  for (const event& ev : {event(b), event(t), event(c)}) {
    const std::string json = encode_json(ev);
    event back;
    std::string err;
    ASSERT_TRUE(decode_json(json, back, &err)) << err << " in " << json;
    EXPECT_EQ(back.index(), ev.index());
    EXPECT_EQ(encode_json(back), json);
  }
}

TEST(codec, rejects_bad_input_with_reason) {
  event ev;
  std::string err;
  EXPECT_FALSE(decode_json("not json", ev, &err));
  EXPECT_FALSE(decode_json(R"({"type":"trade","instrument":"X","price":1.5})", ev, &err));
  EXPECT_NE(err.find("price"), std::string::npos) << err;
  EXPECT_FALSE(decode_json(R"({"type":"warp","instrument":"X"})", ev, &err));
  EXPECT_FALSE(decode_json(R"({"type":"trade","exchange":"nyse","instrument":"X"})", ev, &err));
  EXPECT_NE(err.find("exchange"), std::string::npos) << err;
}

TEST(codec, escapes_strings) {
  trade t = sample_trade();
  t.trade_id = "a\"b\\c\n";
  const std::string json = encode_json(event(t));
  event back;
  ASSERT_TRUE(decode_json(json, back));
  EXPECT_EQ(std::get<trade>(back).trade_id, "a\"b\\c\n");
}

TEST(codec, escapes_exactly_and_copies_plain_runs) {
  std::string out;
  append_json_string(out, std::string_view("ab\"c\\d\x01" "e\tf\r\n", 12));
  EXPECT_EQ(out, R"("ab\"c\\d\u0001e\tf\r\n")");
  out.clear();
  append_json_string(out, "");
  EXPECT_EQ(out, "\"\"");
  out.clear();
  append_json_string(out, "\x1f");
  EXPECT_EQ(out, R"("\u001f")");
  out.clear();
  append_json_string(out, "plain-BTC-USDT");
  EXPECT_EQ(out, "\"plain-BTC-USDT\"");
}

TEST(codec, encodes_integer_extremes) {
  trade t = sample_trade();
  t.exchange_ts_ns = -5;
  t.receive_ts_ns = INT64_MIN;
  t.sequence = UINT64_MAX;
  const std::string json = encode_json(event(t));
  EXPECT_NE(json.find(R"("ts":-5,)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("recv":-9223372036854775808,)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("seq":18446744073709551615)"), std::string::npos) << json;
}
