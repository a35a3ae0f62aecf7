// Unit tests of the bridge's sans-I/O parts: envelope format, interest resolution, gap counting.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bridge/envelope.hpp"
#include "bridge/interest.hpp"
#include "core/codec.hpp"

using namespace mdfan;

namespace {
trade sample_trade() {
  trade t;
  t.exchange = exchange_id::binance;
  t.instrument = "BTC-USDT";
  t.symbol = "BTCUSDT";
  t.receive_ts_ns = 1672515782137000123;
  t.trade_id = "7";
  t.price = decimal::from("43012.10");
  t.size = decimal::from("0.00100");
  t.aggressor = side::buy;
  return t;
}

topic_pattern pat(const char* s) {
  auto p = topic_pattern::parse(s);
  EXPECT_TRUE(p) << s;
  return *p;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}
}  // namespace

TEST(bridge_envelope, round_trip_keeps_data_bytes_verbatim) {
  const std::string data = encode_json(event(sample_trade()));
  std::string payload;
  encode_envelope(payload, "trade", "0f8c-uuid", 42, 1700000000123456789, data);
  EXPECT_EQ(payload.rfind(R"({"v":1,"type":"trade","src":"0f8c-uuid","seq":42,"ts":1700000000123456789,"data":)", 0),
            0u)
      << payload;
  EXPECT_EQ(payload.substr(payload.size() - data.size() - 1), data + "}");

  envelope_parser parser;
  envelope env;
  std::string err;
  ASSERT_TRUE(parser.parse(payload, env, &err)) << err;
  EXPECT_EQ(env.version, 1);
  EXPECT_EQ(env.type, "trade");
  EXPECT_EQ(env.src, "0f8c-uuid");
  EXPECT_EQ(env.seq, 42u);
  EXPECT_EQ(env.ts_ns, 1700000000123456789);
  EXPECT_EQ(env.data, data);
  event back;
  ASSERT_TRUE(decode_json(env.data, back, &err)) << err;
  EXPECT_EQ(encode_json(back), data);
}

TEST(bridge_envelope, accepts_any_field_order_and_unknown_fields) {
  envelope_parser parser;
  envelope env;
  std::string err;
  ASSERT_TRUE(parser.parse(R"( {"data":{"a":[1,{"b":"}"}]},"x":[1,2],"seq":3,"ts":-5,"src":"s","type":"book","v":1} )",
                           env, &err))
      << err;
  EXPECT_EQ(env.data, R"({"a":[1,{"b":"}"}]})");
  EXPECT_EQ(env.seq, 3u);
  EXPECT_EQ(env.ts_ns, -5);
  EXPECT_EQ(env.type, "book");
}

TEST(bridge_envelope, rejects_malformed_envelopes_with_reason) {
  envelope_parser parser;
  envelope env;
  for (const char* bad :
       {"", "not json", "[1,2]", R"({"v":2,"type":"trade","src":"s","seq":1,"ts":1,"data":{}})",
        R"({"type":"trade","src":"s","seq":1,"ts":1,"data":{}})", R"({"v":1,"src":"s","seq":1,"ts":1,"data":{}})",
        R"({"v":1,"type":"trade","seq":1,"ts":1,"data":{}})", R"({"v":1,"type":"trade","src":"s","ts":1,"data":{}})",
        R"({"v":1,"type":"trade","src":"s","seq":1,"data":{}})", R"({"v":1,"type":"trade","src":"s","seq":1,"ts":1})",
        R"({"v":1,"type":"trade","src":"s","seq":-1,"ts":1,"data":{}})",
        R"({"v":1,"type":"trade","src":"s","seq":1,"ts":1,"data":"x"})",
        R"({"v":1,"type":"trade","src":"s","seq":1,"ts":1,"data":{"a":)",
        R"({"v":1,"type":7,"src":"s","seq":1,"ts":1,"data":{}})"}) {
    std::string err;
    EXPECT_FALSE(parser.parse(bad, env, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

// One pass for the envelope and its event: the same event and the same data bytes as parsing the
// envelope and then decoding its data, in any field order and with spaces around the data.
TEST(bridge_envelope, decodes_the_event_in_the_same_pass) {
  book_update b;
  b.exchange = exchange_id::okx;
  b.instrument = "BTC-USDT";
  b.symbol = "BTC-USDT";
  b.snapshot = true;
  b.sequence = 9;
  b.bids = {{decimal::from("1.50"), decimal::from("2")}};
  b.asks = {{decimal::from("1.60"), decimal::from("0.001")}};
  const std::string trade_json = encode_json(event(sample_trade()));
  const std::string book_json = encode_json(event(b));
  std::string ours;
  encode_envelope(ours, "trade", "me", 1, 2, trade_json);
  const std::vector<std::pair<std::string, std::string>> cases{
      {ours, trade_json},
      {R"({"data": )" + book_json + R"( ,"v":1,"type":"book","src":"s","seq":3,"ts":4})", book_json},
      {R"({"v":1,"type":"book","src":"s","seq":3,"ts":4,"data":)" + book_json + "\n}", book_json}};
  for (const auto& [payload, data] : cases) {
    envelope_parser parser;
    envelope env;
    event ev;
    std::string err;
    ASSERT_TRUE(parser.parse(payload, env, &err, &ev)) << err << " " << payload;
    EXPECT_EQ(env.data, data) << payload;
    EXPECT_EQ(encode_json(ev), data) << payload;
  }
  // Our own envelope stops at "src": nothing decoded, no data.
  envelope_parser parser;
  envelope env;
  event ev = ticker{};
  ASSERT_TRUE(parser.parse(ours, env, nullptr, &ev, "me"));
  EXPECT_EQ(env.src, "me");
  EXPECT_TRUE(env.data.empty());
  EXPECT_TRUE(std::holds_alternative<ticker>(ev));
  // A malformed event fails the parse with a reason naming the data.
  std::string bad;
  encode_envelope(bad, "trade", "s", 1, 2, R"({"type":"trade","instrument":"X","price":"1e5"})");
  std::string err;
  EXPECT_FALSE(parser.parse(bad, env, &err, &ev));
  EXPECT_EQ(err.rfind("data: ", 0), 0u) << err;
}

TEST(bridge_interest, concrete_patterns_map_to_one_channel_refcounted) {
  interest_table t("md:");
  auto c = t.add(pat("trade:binance:BTC-USDT"));
  EXPECT_EQ(c.subscribe, std::vector<std::string>{"md:trade:binance:BTC-USDT"});
  EXPECT_TRUE(t.add(pat("trade:binance:BTC-USDT")).empty());  // the same pattern again: refcount only
  EXPECT_FALSE(t.has_dynamic());
  EXPECT_TRUE(t.remove(pat("trade:binance:BTC-USDT")).empty());
  c = t.remove(pat("trade:binance:BTC-USDT"));
  EXPECT_EQ(c.unsubscribe, std::vector<std::string>{"md:trade:binance:BTC-USDT"});
  EXPECT_EQ(t.channel_count(), 0u);
  EXPECT_TRUE(t.remove(pat("trade:binance:BTC-USDT")).empty());  // unknown: no-op
}

TEST(bridge_interest, wildcard_type_with_known_instrument_covers_four_channels) {
  interest_table t("md:");
  auto c = t.add(pat("*:binance:BTC-USDT"));
  EXPECT_EQ(sorted(c.subscribe), (std::vector<std::string>{"md:book:binance:BTC-USDT", "md:candle:binance:BTC-USDT",
                                                           "md:ticker:binance:BTC-USDT", "md:trade:binance:BTC-USDT"}));
  EXPECT_FALSE(t.has_dynamic());
  // Overlapping patterns share channels: the trade channel stays until both are gone.
  EXPECT_TRUE(t.add(pat("trade:binance:BTC-USDT")).empty());
  c = t.remove(pat("*:binance:BTC-USDT"));
  EXPECT_EQ(c.unsubscribe.size(), 3u);
  EXPECT_TRUE(t.covers("md:trade:binance:BTC-USDT"));
}

TEST(bridge_interest, wildcards_resolve_against_advertised_instruments) {
  interest_table t("md:");
  EXPECT_TRUE(t.add(pat("ticker:*:ETH-USDT")).empty());  // nothing advertised yet
  EXPECT_TRUE(t.add(pat("*:kraken:*")).empty());
  EXPECT_TRUE(t.has_dynamic());

  auto c = t.set_instruments(
      {{exchange_id::binance, "ETH-USDT"}, {exchange_id::kraken, "ETH-USDT"}, {exchange_id::binance, "BTC-USDT"}});
  EXPECT_TRUE(c.unsubscribe.empty());
  // ticker on both exchanges for ETH-USDT, plus all four kraken ETH-USDT types (ticker shared).
  EXPECT_EQ(sorted(c.subscribe), (std::vector<std::string>{"md:book:kraken:ETH-USDT", "md:candle:kraken:ETH-USDT",
                                                           "md:ticker:binance:ETH-USDT", "md:ticker:kraken:ETH-USDT",
                                                           "md:trade:kraken:ETH-USDT"}));
  EXPECT_EQ(t.channel_count(), 5u);

  // kraken ETH-USDT stops being advertised: its channels go, binance ticker stays.
  c = t.set_instruments({{exchange_id::binance, "ETH-USDT"}, {exchange_id::binance, "BTC-USDT"}});
  EXPECT_TRUE(c.subscribe.empty());
  EXPECT_EQ(c.unsubscribe.size(), 4u);
  EXPECT_EQ(t.channels(), std::vector<std::string>{"md:ticker:binance:ETH-USDT"});

  c = t.remove(pat("ticker:*:ETH-USDT"));
  EXPECT_EQ(c.unsubscribe, std::vector<std::string>{"md:ticker:binance:ETH-USDT"});
  EXPECT_TRUE(t.has_dynamic());  // *:kraken:* remains
  t.remove(pat("*:kraken:*"));
  EXPECT_FALSE(t.has_dynamic());
}

TEST(bridge_interest, everything_pattern_and_instrument_keys) {
  interest_table t("p:");
  t.set_instruments({{exchange_id::okx, "SOL-USDT"}});
  auto c = t.add(pat("*:*:*"));
  EXPECT_EQ(c.subscribe.size(), 4u);
  EXPECT_EQ(t.channel_of(event_type::book, exchange_id::okx, "SOL-USDT"), "p:book:okx:SOL-USDT");

  instrument_key k;
  ASSERT_TRUE(instrument_key::parse("coinbase:BTC-USD", k));
  EXPECT_EQ(k.exchange, exchange_id::coinbase);
  EXPECT_EQ(k.instrument, "BTC-USD");
  EXPECT_EQ(k.str(), "coinbase:BTC-USD");
  for (const char* bad : {"", "coinbase", "coinbase:", "nyse:IBM", "binance:A:B", "binance:*"})
    EXPECT_FALSE(instrument_key::parse(bad, k)) << bad;
}

TEST(bridge_sequence, counts_missing_numbers_per_source_and_channel) {
  sequence_tracker s;
  EXPECT_EQ(s.observe("c1", "a", 10), 0u);  // first of a pair only records
  EXPECT_EQ(s.observe("c1", "a", 11), 0u);
  EXPECT_EQ(s.observe("c1", "a", 15), 3u);  // 12, 13, 14 missing
  EXPECT_EQ(s.observe("c1", "b", 1), 0u);   // another source
  EXPECT_EQ(s.observe("c2", "a", 1), 0u);   // another channel
  EXPECT_EQ(s.observe("c1", "a", 3), 0u);   // publisher restarted its count: record only
  EXPECT_EQ(s.observe("c1", "a", 5), 1u);
  s.forget("c1");
  EXPECT_EQ(s.observe("c1", "a", 100), 0u);
}

TEST(bridge_sequence, bounded_by_channels_and_sources) {
  sequence_tracker s(2, 2);
  s.observe("c1", "a", 1);
  s.observe("c2", "a", 1);
  s.observe("c3", "a", 1);  // over the channel bound: forgets what it had
  EXPECT_LE(s.channels(), 2u);
  s.observe("c3", "b", 1);
  s.observe("c3", "c", 1);  // over the source bound
  EXPECT_EQ(s.observe("c3", "a", 5), 0u);
}
