// The Binance parser on every recorded fixture (field by field), combined-stream forms, symbol
// normalization and malformed input.
#include "adapters/binance/parser.hpp"

#include <set>

#include <gtest/gtest.h>

#include "adapters/binance/symbols.hpp"
#include "binance/test_util.hpp"
#include "core/codec.hpp"

namespace mdfan::adapters {
namespace {

using test::levels;
using test::minify;
using test::read_binance_fixture;
using test::same_levels;
using test::show;

constexpr std::int64_t recv = 1700000000123456789;
constexpr std::int64_t E_ns = 1672515782136LL * 1000000;  // the fixtures' "E" / "T": 1672515782136 ms

binance_message parse_ok(const std::string& json, std::int64_t receive_ns = recv) {
  binance_parser p;
  binance_message m;
  binance_parse_error err;
  EXPECT_TRUE(p.parse(json, receive_ns, m, err)) << err.reason << "\n" << json;
  return m;
}

template <class T>
T event_of(const binance_message& m) {
  const event* ev = std::get_if<event>(&m);
  EXPECT_NE(ev, nullptr) << "not an event";
  if (!ev) return T{};
  const T* t = std::get_if<T>(ev);
  EXPECT_NE(t, nullptr) << "wrong event type " << to_string(type_of(*ev));
  return t ? *t : T{};
}

binance_control control_of(const binance_message& m) {
  const auto* c = std::get_if<binance_control>(&m);
  EXPECT_NE(c, nullptr) << "not control traffic";
  return c ? *c : binance_control{};
}

std::string combined(const std::string& stream, const std::string& fixture) {
  return R"({"stream":")" + stream + R"(","data":)" + minify(read_binance_fixture(fixture)) + "}";
}

void expect_header(const event_header& h, std::string_view symbol, std::string_view instrument, std::int64_t ts,
                   std::uint64_t seq) {
  EXPECT_EQ(h.exchange, exchange_id::binance);
  EXPECT_EQ(h.symbol, symbol);
  EXPECT_EQ(h.instrument, instrument);
  EXPECT_EQ(h.exchange_ts_ns, ts);
  EXPECT_EQ(h.receive_ts_ns, recv);
  EXPECT_EQ(h.sequence, seq);
}

// ---- fixtures, field by field ----

TEST(BinanceParser, Trade) {
  const auto t = event_of<trade>(parse_ok(read_binance_fixture("trade.json")));
  expect_header(t, "BNBBTC", "BNB-BTC", E_ns, 12345);
  EXPECT_EQ(t.trade_id, "12345");
  EXPECT_EQ(t.price.str(), "0.001");
  EXPECT_EQ(t.size.str(), "100");
  EXPECT_EQ(t.aggressor, side::sell);  // m: buyer is maker => the taker sold
}

TEST(BinanceParser, AggTrade) {
  const auto t = event_of<trade>(parse_ok(read_binance_fixture("aggTrade.json")));
  expect_header(t, "BNBBTC", "BNB-BTC", E_ns, 12345);
  EXPECT_EQ(t.trade_id, "12345");  // a, not f/l
  EXPECT_EQ(t.price.str(), "0.001");
  EXPECT_EQ(t.size.str(), "100");
  EXPECT_EQ(t.aggressor, side::sell);
}

TEST(BinanceParser, TradeBuyerTakerIsBuy) {
  const auto t = event_of<trade>(
      parse_ok(R"({"e":"trade","E":1,"s":"BTCUSDT","t":7,"p":"43012.10","q":"0.00001234","T":2,"m":false,"M":true})"));
  EXPECT_EQ(t.aggressor, side::buy);
  EXPECT_EQ(t.price.str(), "43012.10");
  EXPECT_EQ(t.size.str(), "0.00001234");
  EXPECT_EQ(t.exchange_ts_ns, 2000000);  // trade time T
  EXPECT_EQ(t.instrument, "BTC-USDT");
}

TEST(BinanceParser, Ticker24hr) {
  const auto t = event_of<ticker>(parse_ok(read_binance_fixture("ticker_24hr.json")));
  expect_header(t, "BNBBTC", "BNB-BTC", E_ns, 0);
  EXPECT_EQ(t.bid_price.str(), "0.0024");
  EXPECT_EQ(t.bid_size.str(), "10");
  EXPECT_EQ(t.ask_price.str(), "0.0026");
  EXPECT_EQ(t.ask_size.str(), "100");
  EXPECT_EQ(t.last_price.str(), "0.0025");
  EXPECT_EQ(t.last_size.str(), "10");
  EXPECT_EQ(t.open_24h.str(), "0.0010");
  EXPECT_EQ(t.high_24h.str(), "0.0025");
  EXPECT_EQ(t.low_24h.str(), "0.0010");
  EXPECT_EQ(t.volume_24h.str(), "10000");
  EXPECT_EQ(t.quote_volume_24h.str(), "18");
  EXPECT_EQ(t.change_24h.str(), "0.0015");
}

TEST(BinanceParser, MiniTicker) {
  const auto t = event_of<ticker>(parse_ok(read_binance_fixture("miniTicker.json")));
  expect_header(t, "BNBBTC", "BNB-BTC", E_ns, 0);
  EXPECT_EQ(t.last_price.str(), "0.0025");
  EXPECT_EQ(t.open_24h.str(), "0.0010");
  EXPECT_EQ(t.high_24h.str(), "0.0025");
  EXPECT_EQ(t.low_24h.str(), "0.0010");
  EXPECT_EQ(t.volume_24h.str(), "10000");
  EXPECT_EQ(t.quote_volume_24h.str(), "18");
  EXPECT_TRUE(t.bid_price.empty());
  EXPECT_TRUE(t.ask_price.empty());
  EXPECT_TRUE(t.change_24h.empty());
}

TEST(BinanceParser, BookTickerHasNoEventType) {
  const auto t = event_of<ticker>(parse_ok(read_binance_fixture("bookTicker.json")));
  expect_header(t, "BNBUSDT", "BNB-USDT", 0, 400900217);  // no event time in spot bookTicker
  EXPECT_EQ(t.bid_price.str(), "25.35190000");
  EXPECT_EQ(t.bid_size.str(), "31.21000000");
  EXPECT_EQ(t.ask_price.str(), "25.36520000");
  EXPECT_EQ(t.ask_size.str(), "40.66000000");
  EXPECT_TRUE(t.last_price.empty());
}

TEST(BinanceParser, Kline) {
  const auto c = event_of<candle>(parse_ok(read_binance_fixture("kline_1m.json")));
  expect_header(c, "BNBBTC", "BNB-BTC", E_ns, 0);
  EXPECT_EQ(c.interval, "1m");
  EXPECT_EQ(c.open_time_ns, 1672515780000LL * 1000000);
  EXPECT_EQ(c.close_time_ns, 1672515839999LL * 1000000);
  EXPECT_EQ(c.open.str(), "0.0010");
  EXPECT_EQ(c.high.str(), "0.0025");
  EXPECT_EQ(c.low.str(), "0.0015");
  EXPECT_EQ(c.close.str(), "0.0020");
  EXPECT_EQ(c.volume.str(), "1000");
  EXPECT_EQ(c.quote_volume.str(), "1.0000");
  EXPECT_EQ(c.trades, 100u);
  EXPECT_FALSE(c.closed);
}

TEST(BinanceParser, KlineClosed) {
  std::string json = minify(read_binance_fixture("kline_1m.json"));
  const auto pos = json.find("\"x\":false");
  ASSERT_NE(pos, std::string::npos);
  json.replace(pos, 9, "\"x\":true");
  EXPECT_TRUE(event_of<candle>(parse_ok(json)).closed);
}

TEST(BinanceParser, DepthDiffIsNotAnEvent) {
  const auto m = parse_ok(read_binance_fixture("depth_diff_update.json"));
  const auto* d = std::get_if<binance_depth_diff>(&m);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->symbol, "BNBBTC");
  EXPECT_EQ(d->instrument, "BNB-BTC");
  EXPECT_EQ(d->event_time_ns, E_ns);
  EXPECT_EQ(d->first_update_id, 157u);
  EXPECT_EQ(d->last_update_id, 160u);
  EXPECT_TRUE(same_levels(d->bids, levels({{"0.0024", "10"}}))) << show(d->bids);
  EXPECT_TRUE(same_levels(d->asks, levels({{"0.0026", "100"}}))) << show(d->asks);

  const book_update u = to_book_update(*d, recv);
  expect_header(u, "BNBBTC", "BNB-BTC", E_ns, 160);
  EXPECT_FALSE(u.snapshot);
  EXPECT_EQ(u.first_sequence, 157u);
}

TEST(BinanceParser, PartialDepthRawHasNoSymbol) {
  const auto b = event_of<book_update>(parse_ok(read_binance_fixture("depth5_partial.json")));
  expect_header(b, "", "", 0, 160);
  EXPECT_TRUE(b.snapshot);
  EXPECT_EQ(b.first_sequence, 160u);
  EXPECT_TRUE(same_levels(b.bids, levels({{"0.0024", "10"}}))) << show(b.bids);
  EXPECT_TRUE(same_levels(b.asks, levels({{"0.0026", "100"}}))) << show(b.asks);
}

TEST(BinanceParser, PartialDepthCombinedTakesSymbolFromStream) {
  const auto b = event_of<book_update>(parse_ok(combined("bnbbtc@depth5@100ms", "depth5_partial.json")));
  expect_header(b, "BNBBTC", "BNB-BTC", 0, 160);
  EXPECT_TRUE(b.snapshot);
  EXPECT_TRUE(same_levels(b.bids, levels({{"0.0024", "10"}})));
  EXPECT_TRUE(same_levels(b.asks, levels({{"0.0026", "100"}})));
}

TEST(BinanceParser, RestDepthSnapshot) {
  binance_parser p;
  binance_depth_snapshot s;
  std::string err;
  ASSERT_TRUE(p.parse_depth_snapshot(read_binance_fixture("rest_depth_snapshot.json"), s, err)) << err;
  EXPECT_EQ(s.last_update_id, 1027024u);
  EXPECT_TRUE(same_levels(s.bids, levels({{"4.00000000", "431.00000000"}}))) << show(s.bids);
  EXPECT_TRUE(same_levels(s.asks, levels({{"4.00000200", "12.00000000"}}))) << show(s.asks);
}

TEST(BinanceParser, RestDepthSnapshotErrors) {
  binance_parser p;
  binance_depth_snapshot s;
  std::string err;
  EXPECT_FALSE(p.parse_depth_snapshot(R"({"code":-1121,"msg":"Invalid symbol."})", s, err));
  EXPECT_NE(err.find("-1121"), std::string::npos) << err;
  EXPECT_FALSE(p.parse_depth_snapshot(R"({"lastUpdateId":5,"bids":[]})", s, err));
  EXPECT_NE(err.find("asks"), std::string::npos) << err;
  EXPECT_FALSE(p.parse_depth_snapshot("<html>502 Bad Gateway</html>", s, err));
  // The legacy REST shape with an ignored third entry per level is accepted.
  ASSERT_TRUE(p.parse_depth_snapshot(R"({"lastUpdateId":9,"bids":[["1.0","2.0",[]]],"asks":[]})", s, err)) << err;
  EXPECT_TRUE(same_levels(s.bids, levels({{"1.0", "2.0"}})));
  EXPECT_TRUE(s.asks.empty());
}

TEST(BinanceParser, ServerShutdownRawAndCombined) {
  for (const char* f : {"serverShutdown_raw.json", "combined_stream_wrapper_serverShutdown.json"}) {
    const auto c = control_of(parse_ok(read_binance_fixture(f)));
    EXPECT_EQ(c.what, binance_control::kind::server_shutdown) << f;
    EXPECT_EQ(c.event_time_ns, 1770123456789LL * 1000000) << f;
  }
}

TEST(BinanceParser, SubscriptionReplies) {
  struct {
    const char* file;
    const char* id;
  } cases[] = {{"subscribe_response.json", "1"},
               {"unsubscribe_response.json", "312"},
               {"list_subscriptions_response.json", "3"}};
  for (const auto& c : cases) {
    const auto ctl = control_of(parse_ok(read_binance_fixture(c.file)));
    EXPECT_EQ(ctl.what, binance_control::kind::result) << c.file;
    EXPECT_EQ(ctl.id, c.id) << c.file;
  }
}

TEST(BinanceParser, ClientRequestsAreControlTraffic) {
  struct {
    const char* file;
    const char* method;
    const char* id;
  } cases[] = {{"subscribe_request.json", "SUBSCRIBE", "1"},
               {"unsubscribe_request.json", "UNSUBSCRIBE", "312"},
               {"list_subscriptions_request.json", "LIST_SUBSCRIPTIONS", "3"},
               {"set_property_combined_request.json", "SET_PROPERTY", "5"}};
  for (const auto& c : cases) {
    const auto ctl = control_of(parse_ok(read_binance_fixture(c.file)));
    EXPECT_EQ(ctl.what, binance_control::kind::request) << c.file;
    EXPECT_EQ(ctl.message, c.method) << c.file;
    EXPECT_EQ(ctl.id, c.id) << c.file;
  }
}

TEST(BinanceParser, ErrorReply) {
  const auto c = control_of(parse_ok(R"({"code": 2, "msg": "Invalid request: property name must be a string"})"));
  EXPECT_EQ(c.what, binance_control::kind::error);
  EXPECT_EQ(c.code, 2);
  EXPECT_EQ(c.message, "Invalid request: property name must be a string");
  const auto neg = control_of(parse_ok(R"({"code":-1121,"msg":"Invalid symbol.","id":"abc"})"));
  EXPECT_EQ(neg.code, -1121);
  EXPECT_EQ(neg.id, "abc");
}

// Every file in tests/fixtures/binance decodes, and each is covered by a field-by-field test above.
TEST(BinanceParser, EveryFixtureFileIsKnownAndDecodes) {
  const std::set<std::string> covered{"aggTrade.json",
                                      "bookTicker.json",
                                      "combined_stream_wrapper_serverShutdown.json",
                                      "depth5_partial.json",
                                      "depth_diff_update.json",
                                      "kline_1m.json",
                                      "list_subscriptions_request.json",
                                      "list_subscriptions_response.json",
                                      "miniTicker.json",
                                      "rest_depth_snapshot.json",
                                      "serverShutdown_raw.json",
                                      "set_property_combined_request.json",
                                      "subscribe_request.json",
                                      "subscribe_response.json",
                                      "ticker_24hr.json",
                                      "trade.json",
                                      "unsubscribe_request.json",
                                      "unsubscribe_response.json"};
  std::set<std::string> found;
  binance_parser p;
  for (const auto& entry : std::filesystem::directory_iterator(test::binance_fixture_dir())) {
    const std::string name = entry.path().filename().string();
    found.insert(name);
    binance_message m;
    binance_parse_error err;
    EXPECT_TRUE(p.parse(read_binance_fixture(name), recv, m, err)) << name << ": " << err.reason;
    EXPECT_TRUE(p.parse(minify(read_binance_fixture(name)), recv, m, err)) << name << ": " << err.reason;
  }
  EXPECT_EQ(found, covered) << "a fixture was added or removed: cover it with a field-by-field test";
}

// The combined form {"stream":..,"data":<raw>} yields exactly what the raw form does.
TEST(BinanceParser, CombinedFormMatchesRaw) {
  struct {
    const char* file;
    const char* stream;
  } cases[] = {{"trade.json", "bnbbtc@trade"},
               {"aggTrade.json", "bnbbtc@aggTrade"},
               {"ticker_24hr.json", "bnbbtc@ticker"},
               {"miniTicker.json", "bnbbtc@miniTicker"},
               {"bookTicker.json", "bnbusdt@bookTicker"},
               {"kline_1m.json", "bnbbtc@kline_1m"}};
  for (const auto& c : cases) {
    const auto raw = parse_ok(read_binance_fixture(c.file));
    const auto comb = parse_ok(combined(c.stream, c.file));
    ASSERT_TRUE(std::holds_alternative<event>(raw)) << c.file;
    ASSERT_TRUE(std::holds_alternative<event>(comb)) << c.file;
    EXPECT_EQ(encode_json(std::get<event>(raw)), encode_json(std::get<event>(comb))) << c.file;
  }
  const auto d = parse_ok(combined("bnbbtc@depth@100ms", "depth_diff_update.json"));
  ASSERT_TRUE(std::holds_alternative<binance_depth_diff>(d));
  EXPECT_EQ(std::get<binance_depth_diff>(d).last_update_id, 160u);
  // "data" before "stream" is fine too.
  const auto rev =
      parse_ok(R"({"data":)" + minify(read_binance_fixture("depth5_partial.json")) + R"(,"stream":"ethusdt@depth10"})");
  EXPECT_EQ(event_of<book_update>(rev).instrument, "ETH-USDT");
}

TEST(BinanceParser, FieldOrderDoesNotMatter) {
  const auto t = event_of<trade>(parse_ok(
      R"({"M":true,"m":false,"T":1672515782136,"q":"100","p":"0.001","t":12345,"s":"BNBBTC","E":1672515782136,"e":"trade"})"));
  expect_header(t, "BNBBTC", "BNB-BTC", E_ns, 12345);
  EXPECT_EQ(t.aggressor, side::buy);
  EXPECT_EQ(t.price.str(), "0.001");
}

TEST(BinanceParser, PaddedInputAndParserReuse) {
  binance_parser p;
  const std::string a = minify(read_binance_fixture("trade.json"));
  const std::string b = minify(read_binance_fixture("bookTicker.json"));
  std::string buf = a;
  buf.resize(a.size() + 64, ' ');
  binance_message m1, m2;
  binance_parse_error err;
  ASSERT_TRUE(p.parse_padded(std::string_view(buf.data(), a.size()), recv, m1, err)) << err.reason;
  ASSERT_TRUE(p.parse(b, recv, m2, err)) << err.reason;
  // m1 owns its strings: reusing the parser does not change it.
  EXPECT_EQ(event_of<trade>(m1).symbol, "BNBBTC");
  EXPECT_EQ(event_of<ticker>(m2).symbol, "BNBUSDT");
}

TEST(BinanceParser, UsesConfiguredSymbolOverrides) {
  binance_symbols symbols;
  symbols.add_override("ABCDEF", "ABC-DEF");
  binance_parser p(symbols);
  binance_message m;
  binance_parse_error err;
  ASSERT_TRUE(p.parse(R"({"u":1,"s":"ABCDEF","b":"1","B":"2","a":"3","A":"4"})", recv, m, err)) << err.reason;
  EXPECT_EQ(event_of<ticker>(m).instrument, "ABC-DEF");
}

// ---- malformed input: an error with a reason, never a throw or a crash ----

TEST(BinanceParser, MalformedInputReturnsReasons) {
  struct {
    std::string json;
    std::string reason;  // a substring of the expected reason
  } cases[] = {
      {"", "not JSON"},
      {"not json", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {"42", "not a JSON object"},
      {R"({"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1,"m":true)", "not JSON"},
      {R"({"e":"trade","E":1,"s":"BNBBTC","t":1,"q":"100","T":1,"m":true})", "trade: missing field 'p'"},
      {R"({"e":"trade","E":1,"s":"BNBBTC","t":1,"p":0.001,"q":"100","T":1,"m":true})", "field 'p' is a number"},
      {R"({"e":"trade","E":1,"s":"BNBBTC","t":1,"p":"1e5","q":"100","T":1,"m":true})", "not a decimal"},
      {R"({"e":"trade","E":1,"s":"BNBBTC","t":1,"p":"1","q":"100","T":1,"m":"yes"})", "field 'm' is a string"},
      {R"({"e":"trade","E":1,"s":"BNBBTC","t":-1,"p":"1","q":"100","T":1,"m":true})", "field 't' is a number"},
      {R"({"e":"trade","E":99999999999999999,"s":"BNBBTC","t":1,"p":"1","q":"1","T":1,"m":true})", "out of range"},
      {R"({"e":"trade","E":1,"s":"","t":1,"p":"1","q":"1","T":1,"m":true})", "field 's' is empty"},
      {R"({"e":"aggTrade","E":1,"s":"BNBBTC","p":"1","q":"1","T":1,"m":true})", "aggTrade: missing field 'a'"},
      {R"({"e":"somethingNew","E":1})", "unsupported event type 'somethingNew'"},
      {R"({"e":5})", "field 'e' is a number"},
      {"{}", "unrecognised message"},
      {R"({"hello":"world"})", "unrecognised message"},
      {R"({"e":"kline","E":1,"s":"BNBBTC"})", "kline: missing field 'k'"},
      {R"({"e":"kline","E":1,"s":"BNBBTC","k":{"t":1,"T":2,"i":"1m"}})", "kline.k: missing field 'o'"},
      {R"({"e":"24hrTicker","E":1,"s":"BNBBTC","c":"1"})", "24hrTicker: missing field 'p'"},
      {R"({"u":1,"s":"BNBUSDT","b":"1","B":"1","a":"x","A":"1"})", "bookTicker: field 'a' is not a decimal"},
      {R"({"e":"depthUpdate","E":1,"s":"BNBBTC","U":1,"u":2,"b":"0.1","a":[]})", "expected an array of levels"},
      {R"({"e":"depthUpdate","E":1,"s":"BNBBTC","U":1,"u":2,"b":[["0.1"]],"a":[]})", "has 1 entries"},
      {R"({"e":"depthUpdate","E":1,"s":"BNBBTC","U":1,"u":2,"b":[[0.1,1]],"a":[]})", "price that is not a string"},
      {R"({"e":"depthUpdate","E":1,"s":"BNBBTC","U":1,"u":2,"b":[],"a":["0.1"]})", "level in 'a' is not an array"},
      {R"({"e":"depthUpdate","E":1,"s":"BNBBTC","U":1,"u":2,"b":[["-1","1"]],"a":[]})", "bad price"},
      {R"({"e":"depthUpdate","E":1,"s":"BNBBTC","U":5,"u":2,"b":[],"a":[]})", "first update id U=5 is after"},
      {R"({"e":"depthUpdate","E":1,"s":"BNBBTC","u":2,"b":[],"a":[]})", "missing field 'U'"},
      {R"({"lastUpdateId":"160","bids":[],"asks":[]})", "lastUpdateId"},
      {R"({"lastUpdateId":160,"bids":[]})", "missing field 'asks'"},
      {R"({"stream":"bnbbtc@trade"})", "'data' is missing"},
      {R"({"stream":"bnbbtc@trade","data":[1]})", "'data' is missing"},
      {R"({"stream":5,"data":{}})", "'stream' is missing"},
      {R"({"result":null,"id":1} x)", "JSON"},  // trailing content (simdjson reports it as broken JSON)
      {R"({"result":null,"id":1} {"result":null,"id":2})", "JSON"},
      {"null", "not a JSON object"},
      {R"({"code":"2","msg":"x"})", "field 'code'"},
      {std::string("{\"e\":\"trade\",\0\"s\":1}", 20), "not JSON"},
  };
  binance_parser p;
  for (const auto& c : cases) {
    binance_message m;
    binance_parse_error err;
    EXPECT_FALSE(p.parse(c.json, recv, m, err)) << c.json;
    EXPECT_NE(err.reason.find(c.reason), std::string::npos)
        << "input: " << c.json << "\nreason: " << err.reason << "\nexpected to contain: " << c.reason;
  }
}

TEST(BinanceParser, MalformedDepthMessagesNameTheirBook) {
  binance_parser p;
  binance_message m;
  binance_parse_error err;
  ASSERT_FALSE(p.parse(
      R"({"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BNBBTC","U":1,"u":2,"b":[["x","1"]],"a":[]}})",
      recv, m, err));
  EXPECT_TRUE(err.depth);
  EXPECT_EQ(err.symbol, "BNBBTC");
  // Truncated: only the stream name was read.
  ASSERT_FALSE(p.parse(R"({"stream":"ethusdt@depth","data":{"e":"depthUp)", recv, m, err));
  EXPECT_TRUE(err.depth);
  EXPECT_EQ(err.symbol, "ETHUSDT");
  // Raw depthUpdate with a bad field.
  ASSERT_FALSE(p.parse(R"({"e":"depthUpdate","E":1,"s":"XRPBTC","U":"1","u":2,"b":[],"a":[]})", recv, m, err));
  EXPECT_TRUE(err.depth);
  EXPECT_EQ(err.symbol, "XRPBTC");
  // A bad trade is not a depth message; a partial depth stream is not a diff stream.
  ASSERT_FALSE(p.parse(R"({"stream":"bnbbtc@trade","data":{"e":"trade"}})", recv, m, err));
  EXPECT_FALSE(err.depth);
  EXPECT_EQ(err.symbol, "BNBBTC");
  ASSERT_FALSE(p.parse(R"({"stream":"bnbbtc@depth5","data":{"lastUpdateId":1}})", recv, m, err));
  EXPECT_FALSE(err.depth);
  // Garbage names nothing.
  ASSERT_FALSE(p.parse("garbage", recv, m, err));
  EXPECT_FALSE(err.depth);
  EXPECT_TRUE(err.symbol.empty());
}

// A field whose value cannot be read shows nothing of the previous message (found by the fuzzer: the
// parser reuses its field table across messages).
TEST(BinanceParser, UnreadableFieldForgetsThePreviousMessage) {
  binance_parser p;
  binance_message m;
  binance_parse_error err;
  std::string first = minify(read_binance_fixture("depth_diff_update.json"));
  first.append(64, ' ');
  ASSERT_TRUE(p.parse_padded(std::string_view(first.data(), first.size() - 64), recv, m, err)) << err.reason;
  std::string second = R"({"e":0270,"s":1})";  // a number with a leading zero is not JSON
  second.append(64, ' ');
  ASSERT_FALSE(p.parse_padded(std::string_view(second.data(), second.size() - 64), recv, m, err));
  EXPECT_FALSE(err.depth);  // "e" of the first message (depthUpdate) must not show through
  EXPECT_TRUE(err.symbol.empty()) << err.symbol;
}

// The same output object reused for message after message holds exactly what a fresh one would.
TEST(BinanceParser, ReusedOutputMatchesAFreshOne) {
  binance_parser p;
  binance_message reused;
  binance_parse_error err;
  for (const char* file : {"ticker_24hr.json", "bookTicker.json", "miniTicker.json", "depth5_partial.json",
                           "kline_1m.json", "trade.json", "aggTrade.json", "ticker_24hr.json"}) {
    ASSERT_TRUE(p.parse(read_binance_fixture(file), recv, reused, err)) << file << ": " << err.reason;
    const auto fresh = parse_ok(read_binance_fixture(file));
    ASSERT_TRUE(std::holds_alternative<event>(reused)) << file;
    EXPECT_EQ(encode_json(std::get<event>(reused)), encode_json(std::get<event>(fresh))) << file;
  }
}

// Every proper prefix of every fixture is rejected, and byte corruptions never crash or throw.
TEST(BinanceParser, TruncatedAndCorruptedFixturesNeverCrash) {
  binance_parser p;
  binance_message m;
  binance_parse_error err;
  const char subs[] = {'"', '{', '}', '[', ']', ',', ':', '0', '-', 'x', '\\', '\0', ' ', 'e'};
  for (const auto& entry : std::filesystem::directory_iterator(test::binance_fixture_dir())) {
    const std::string json = minify(read_binance_fixture(entry.path().filename().string()));
    for (std::size_t n = 0; n < json.size(); ++n) {
      EXPECT_FALSE(p.parse(json.substr(0, n), recv, m, err)) << json.substr(0, n);
      EXPECT_FALSE(err.reason.empty());
    }
    for (std::size_t i = 0; i < json.size(); ++i) {
      for (const char c : subs) {
        std::string bad = json;
        bad[i] = c;
        if (p.parse(bad, recv, m, err)) {
          EXPECT_TRUE(err.reason.empty());
        } else {
          EXPECT_FALSE(err.reason.empty()) << bad;
        }
      }
    }
  }
}

// ---- symbols ----

TEST(BinanceSymbols, SplitsByKnownQuoteLongestFirst) {
  binance_symbols s;
  EXPECT_EQ(s.normalize("BTCUSDT"), "BTC-USDT");
  EXPECT_EQ(s.normalize("ETHBTC"), "ETH-BTC");
  EXPECT_EQ(s.normalize("BNBFDUSD"), "BNB-FDUSD");
  EXPECT_EQ(s.normalize("BTCTUSD"), "BTC-TUSD");
  EXPECT_EQ(s.normalize("USDCUSDT"), "USDC-USDT");
  EXPECT_EQ(s.normalize("FDUSDTRY"), "FDUSD-TRY");
  EXPECT_EQ(s.normalize("ADAEUR"), "ADA-EUR");
  EXPECT_EQ(s.normalize("WBETHETH"), "WBETH-ETH");
  EXPECT_EQ(s.normalize("BNBBTC"), "BNB-BTC");
  EXPECT_EQ(s.normalize("btcusdt"), "BTC-USDT");
  EXPECT_EQ(s.normalize("USDT"), "USDT");      // no base: left alone
  EXPECT_EQ(s.normalize("FOOBAR"), "FOOBAR");  // unknown quote: native form kept
}

TEST(BinanceSymbols, OverridesAndReverseMapping) {
  binance_symbols s;
  s.add_override("FOOBAR", "FOO-BAR");
  EXPECT_EQ(s.normalize("FOOBAR"), "FOO-BAR");
  EXPECT_EQ(s.native("FOO-BAR"), "FOOBAR");
  EXPECT_EQ(s.native("BTC-USDT"), "BTCUSDT");
  EXPECT_EQ(s.add_configured("eth-btc"), "ETHBTC");
  EXPECT_EQ(s.add_configured("xrpusdt"), "XRPUSDT");
  EXPECT_EQ(s.add_configured("AB-CDEF"), "ABCDEF");
  EXPECT_EQ(s.normalize("ABCDEF"), "AB-CDEF");  // the configured dashed form wins
  EXPECT_EQ(binance_symbols::stream_form("BTCUSDT"), "btcusdt");
}

}  // namespace
}  // namespace mdfan::adapters
