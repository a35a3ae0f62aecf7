// The shared candle_builder (adapters/common): bars from trades, exact decimal sums, closing rules.
#include "adapters/common/candle_builder.hpp"

#include <gtest/gtest.h>

namespace mdfan::adapters {
namespace {

constexpr std::int64_t s = 1'000'000'000;
constexpr std::int64_t t0 = 1'700'000'040 * s;  // 2023-11-14T22:14:00Z, a minute boundary

decimal d(const char* text) { return decimal::from(text); }

struct bars {
  std::vector<candle> out;
  candle_emit_fn fn() {
    return [this](event&& e) { out.push_back(std::get<candle>(e)); };
  }
};

candle_builder one_minute(std::int64_t grace = 0) {
  return candle_builder(exchange_id::coinbase, "BTC-USD", "BTC-USD", "1m", 60 * s, grace);
}

TEST(CandleInterval, Parse) {
  std::int64_t ns = 0;
  EXPECT_TRUE(parse_candle_interval("1m", ns));
  EXPECT_EQ(ns, 60 * s);
  EXPECT_TRUE(parse_candle_interval("15s", ns));
  EXPECT_EQ(ns, 15 * s);
  EXPECT_TRUE(parse_candle_interval("4h", ns));
  EXPECT_EQ(ns, 4 * 3600 * s);
  EXPECT_TRUE(parse_candle_interval("1d", ns));
  EXPECT_TRUE(parse_candle_interval("24h", ns));
  for (const char* bad : {"", "m", "1", "0m", "01m", "-1m", "1w", "1M", "2d", "25h", "1.5m", "1mm"})
    EXPECT_FALSE(parse_candle_interval(bad, ns)) << bad;
}

TEST(DecimalSum, ExactText) {
  decimal_sum v;
  v.add(d("0.3"));
  v.add(d("0.25"));
  EXPECT_EQ(v.value().str(), "0.55");
  v.add(d("1"));
  EXPECT_EQ(v.value().str(), "1.55");
  decimal_sum w;
  w.add(d("1.5"));
  w.add(d("1.5"));
  EXPECT_EQ(w.value().str(), "3.0");  // the exchange's precision is kept
  decimal_sum tiny;
  tiny.add(d("0.00000001"));
  EXPECT_EQ(tiny.value().str(), "0.00000001");
  decimal_sum q;
  q.add_product(d("21921.73"), d("0.06317902"));
  EXPECT_EQ(q.value().str(), "1384.9934181046");
  decimal_sum big;  // 0.1 + 0.2 is exact here, unlike in double
  big.add(d("0.1"));
  big.add(d("0.2"));
  EXPECT_EQ(big.value().str(), "0.3");
  decimal_sum zero;
  EXPECT_EQ(zero.value().str(), "0");
}

TEST(DecimalSum, OverflowOrTooLongIsEmpty) {
  decimal_sum v;
  v.add(d("99999999999999999999"));
  v.add_product(d("99999999999999999999.99999999"), d("99999999999.99999999"));
  EXPECT_TRUE(v.value().empty());  // beyond 30 characters (or 128 bits): unknown rather than wrong
}

TEST(CandleBuilder, OhlcvWithinOneBar) {
  auto b = one_minute();
  bars got;
  b.add(d("100.5"), d("0.25"), t0 + 1 * s, 7, got.fn());
  b.add(d("101"), d("0.5"), t0 + 2 * s, 7, got.fn());
  b.add(d("99.75"), d("1"), t0 + 3 * s, 7, got.fn());
  b.add(d("100"), d("0.125"), t0 + 4 * s, 7, got.fn());
  EXPECT_TRUE(got.out.empty());  // emitted on flush
  b.flush(9, got.fn());
  b.flush(9, got.fn());  // nothing new: nothing emitted
  ASSERT_EQ(got.out.size(), 1u);
  const auto& c = got.out[0];
  EXPECT_EQ(c.exchange, exchange_id::coinbase);
  EXPECT_EQ(c.instrument, "BTC-USD");
  EXPECT_EQ(c.interval, "1m");
  EXPECT_EQ(c.open_time_ns, t0);
  EXPECT_EQ(c.close_time_ns, t0 + 60 * s - 1'000'000);
  EXPECT_EQ(c.open.str(), "100.5");
  EXPECT_EQ(c.high.str(), "101");
  EXPECT_EQ(c.low.str(), "99.75");
  EXPECT_EQ(c.close.str(), "100");
  EXPECT_EQ(c.volume.str(), "1.875");
  EXPECT_EQ(c.quote_volume.str(), "187.875");  // 25.125 + 50.5 + 99.75 + 12.5
  EXPECT_EQ(c.trades, 4u);
  EXPECT_EQ(c.exchange_ts_ns, t0 + 4 * s);
  EXPECT_EQ(c.receive_ts_ns, 9);
  EXPECT_FALSE(c.closed);
}

TEST(CandleBuilder, LaterTradeClosesTheBarAndOpensTheNext) {
  auto b = one_minute();
  bars got;
  b.add(d("100"), d("1"), t0 + 59 * s, 1, got.fn());
  b.add(d("105"), d("2"), t0 + 180 * s, 1, got.fn());  // two empty minutes: no bars for them
  ASSERT_EQ(got.out.size(), 1u);
  EXPECT_TRUE(got.out[0].closed);
  EXPECT_EQ(got.out[0].close.str(), "100");
  b.flush(1, got.fn());
  ASSERT_EQ(got.out.size(), 2u);
  EXPECT_EQ(got.out[1].open_time_ns, t0 + 180 * s);
  EXPECT_EQ(got.out[1].open.str(), "105");
  EXPECT_EQ(got.out[1].volume.str(), "2");
  EXPECT_EQ(got.out[1].trades, 1u);
  EXPECT_EQ(b.counts().closed, 1u);
}

TEST(CandleBuilder, ClockClosesAfterGraceAndLateTradesAreIgnored) {
  auto b = one_minute(2 * s);
  bars got;
  b.add(d("100"), d("1"), t0 + 10 * s, 1, got.fn());
  b.advance(t0 + 61 * s, 1, got.fn());
  EXPECT_TRUE(got.out.empty());                       // within the grace period
  b.add(d("101"), d("1"), t0 + 59 * s, 1, got.fn());  // still in time
  b.advance(t0 + 62 * s, 1, got.fn());
  ASSERT_EQ(got.out.size(), 1u);
  EXPECT_TRUE(got.out[0].closed);
  EXPECT_EQ(got.out[0].trades, 2u);
  EXPECT_EQ(got.out[0].close.str(), "101");
  b.advance(t0 + 200 * s, 1, got.fn());              // nothing open: nothing emitted
  b.add(d("99"), d("1"), t0 + 30 * s, 1, got.fn());  // belongs to the closed bar
  EXPECT_EQ(b.counts().late, 1u);
  EXPECT_FALSE(b.has_open_bar());
  b.add(d("99"), d("1"), t0 + 70 * s, 1, got.fn());  // the next minute opens
  EXPECT_TRUE(b.has_open_bar());
  EXPECT_EQ(b.current().open_time_ns, t0 + 60 * s);
}

TEST(CandleBuilder, OlderTradeThanTheOpenBarIsLate) {
  auto b = one_minute();
  bars got;
  b.add(d("100"), d("1"), t0 + 70 * s, 1, got.fn());
  b.add(d("90"), d("1"), t0 + 50 * s, 1, got.fn());
  EXPECT_EQ(b.counts().late, 1u);
  EXPECT_EQ(b.current().low.str(), "100");
}

TEST(CandleBuilder, PricesComparedNumericallyNotAsText) {
  auto b = one_minute();
  bars got;
  b.add(d("9.5"), d("1"), t0, 1, got.fn());
  b.add(d("10.25"), d("1"), t0 + 1, 1, got.fn());
  b.add(d("10.250"), d("1"), t0 + 2, 1, got.fn());  // equal value: the first text stays the high
  b.flush(1, got.fn());
  EXPECT_EQ(got.out[0].high.str(), "10.25");
  EXPECT_EQ(got.out[0].low.str(), "9.5");
  EXPECT_EQ(got.out[0].close.str(), "10.250");
}

TEST(CandleBuilder, ResetDropsTheOpenBar) {
  auto b = one_minute();
  bars got;
  b.add(d("100"), d("1"), t0, 1, got.fn());
  b.reset();
  b.flush(1, got.fn());
  b.advance(t0 + 3600 * s, 1, got.fn());
  EXPECT_TRUE(got.out.empty());
}

}  // namespace
}  // namespace mdfan::adapters
