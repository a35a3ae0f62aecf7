// The Kraken parser on every fixture (field by field, pretty-printed and minified), JSON numbers
// taken as text, exponent forms, RFC 3339 times, control traffic and malformed input.
#include "adapters/kraken/parser.hpp"

#include <gtest/gtest.h>

#include "kraken/test_util.hpp"

namespace mdfan::adapters {
namespace {

using test::lv;
using test::minify_json;
using test::read_kraken_fixture;
using test::show;

constexpr std::int64_t recv = 1700000000123456789;

struct parsed {
  bool ok = false;
  kraken_message m;
  kraken_parse_error err;
};

// Parses both the fixture as stored (pretty-printed) and its one-line wire form; they must agree.
parsed parse_fixture(const std::string& name) {
  parsed out;
  kraken_parser p;
  const std::string text = read_kraken_fixture(name);
  kraken_message pretty;
  kraken_parse_error e1;
  EXPECT_TRUE(p.parse(text, recv, pretty, e1)) << name << ": " << e1.reason;
  out.ok = p.parse(minify_json(text), recv, out.m, out.err);
  EXPECT_TRUE(out.ok) << name << " (minified): " << out.err.reason;
  EXPECT_EQ(pretty.what, out.m.what);
  EXPECT_EQ(pretty.events.size(), out.m.events.size());
  EXPECT_EQ(pretty.book_count, out.m.book_count);
  return out;
}

void expect_header(const event_header& h, std::string_view symbol, std::string_view instrument, std::int64_t ts) {
  EXPECT_EQ(h.exchange, exchange_id::kraken);
  EXPECT_EQ(h.symbol, symbol);
  EXPECT_EQ(h.instrument, instrument);
  EXPECT_EQ(h.exchange_ts_ns, ts);
  EXPECT_EQ(h.receive_ts_ns, recv);
}

bool same(const std::vector<price_level>& a, const std::vector<price_level>& b) { return show(a) == show(b); }

// ---- fixtures

TEST(KrakenParser, BookSnapshot) {
  const auto r = parse_fixture("book_snapshot.json");
  ASSERT_EQ(r.m.what, kraken_message::kind::book);
  EXPECT_TRUE(r.m.snapshot);
  ASSERT_EQ(r.m.book_count, 1u);
  const auto& b = r.m.books[0];
  EXPECT_EQ(b.symbol, "MATIC/USD");
  EXPECT_EQ(b.instrument, "MATIC-USD");
  EXPECT_EQ(b.checksum, 2439117997u);
  EXPECT_EQ(b.exchange_ts_ns, 1696613755440295000);
  // The numbers' text exactly as sent: 0.566, not 0.5660 or 0.56599999.
  EXPECT_TRUE(same(b.bids, lv({{"0.5666", "4831.75496356"},
                               {"0.5665", "6658.22734739"},
                               {"0.5664", "18724.91513344"},
                               {"0.5663", "11563.92544914"},
                               {"0.5662", "14006.65365711"},
                               {"0.5661", "17454.85679807"},
                               {"0.566", "18097.1547"},
                               {"0.5659", "33644.89175666"},
                               {"0.5658", "148.3464"},
                               {"0.5657", "606.70854372"}})))
      << show(b.bids);
  EXPECT_TRUE(same(b.asks, lv({{"0.5668", "4410.79769741"},
                               {"0.5669", "4655.40412487"},
                               {"0.567", "49844.89424998"},
                               {"0.5671", "24306.41678"},
                               {"0.5672", "29783.25223475"},
                               {"0.5673", "57234.71239278"},
                               {"0.5674", "45065.04744"},
                               {"0.5675", "5912.76380354"},
                               {"0.5676", "42514.92434778"},
                               {"0.5677", "36304.0847022"}})))
      << show(b.asks);
}

TEST(KrakenParser, BookUpdate) {
  const auto r = parse_fixture("book_update.json");
  ASSERT_EQ(r.m.what, kraken_message::kind::book);
  EXPECT_FALSE(r.m.snapshot);
  ASSERT_EQ(r.m.book_count, 1u);
  const auto& b = r.m.books[0];
  EXPECT_EQ(b.symbol, "MATIC/USD");
  EXPECT_EQ(b.instrument, "MATIC-USD");
  EXPECT_EQ(b.checksum, 2114181697u);
  EXPECT_EQ(b.exchange_ts_ns, 1696613755440295000);
  EXPECT_TRUE(same(b.bids, lv({{"0.5657", "1098.3947558"}}))) << show(b.bids);
  EXPECT_TRUE(b.asks.empty());
}

void expect_algo_ticker(const ticker& t, std::string_view ask, std::string_view ask_qty) {
  expect_header(t, "ALGO/USD", "ALGO-USD", 1695632671742648000);
  EXPECT_EQ(t.sequence, 0u);
  EXPECT_EQ(t.bid_price.str(), "0.10025");
  EXPECT_EQ(t.bid_size.str(), "740.0");  // the trailing zero as sent
  EXPECT_EQ(t.ask_price.str(), ask);
  EXPECT_EQ(t.ask_size.str(), ask_qty);
  EXPECT_EQ(t.last_price.str(), "0.10035");
  EXPECT_TRUE(t.last_size.empty());
  EXPECT_EQ(t.volume_24h.str(), "997038.98383185");
  EXPECT_EQ(t.low_24h.str(), "0.09979");
  EXPECT_EQ(t.high_24h.str(), "0.10285");
  EXPECT_EQ(t.change_24h.str(), "-0.00017");
  EXPECT_TRUE(t.open_24h.empty());
  EXPECT_TRUE(t.quote_volume_24h.empty());
}

TEST(KrakenParser, TickerSnapshot) {
  const auto r = parse_fixture("ticker_snapshot.json");
  ASSERT_EQ(r.m.what, kraken_message::kind::events);
  EXPECT_TRUE(r.m.snapshot);
  ASSERT_EQ(r.m.events.size(), 1u);
  expect_algo_ticker(std::get<ticker>(r.m.events[0]), "0.10036", "1361.44813783");
}

TEST(KrakenParser, TickerUpdate) {
  const auto r = parse_fixture("ticker_update.json");
  ASSERT_EQ(r.m.what, kraken_message::kind::events);
  EXPECT_FALSE(r.m.snapshot);
  ASSERT_EQ(r.m.events.size(), 1u);
  expect_algo_ticker(std::get<ticker>(r.m.events[0]), "0.10035", "740.0");
}

TEST(KrakenParser, TradeSnapshot) {
  const auto r = parse_fixture("trade_snapshot.json");
  ASSERT_EQ(r.m.what, kraken_message::kind::events);
  ASSERT_EQ(r.m.events.size(), 2u);
  const auto& a = std::get<trade>(r.m.events[0]);
  expect_header(a, "MATIC/USD", "MATIC-USD", 1695628116925533000);
  EXPECT_EQ(a.trade_id, "4665846");
  EXPECT_EQ(a.sequence, 4665846u);
  EXPECT_EQ(a.price.str(), "0.5147");
  EXPECT_EQ(a.size.str(), "6423.46326");
  EXPECT_EQ(a.aggressor, side::buy);
  const auto& b = std::get<trade>(r.m.events[1]);
  expect_header(b, "MATIC/USD", "MATIC-USD", 1695628176925603000);
  EXPECT_EQ(b.trade_id, "4665847");
  EXPECT_EQ(b.price.str(), "0.5147");
  EXPECT_EQ(b.size.str(), "1136.19677815");
  EXPECT_EQ(b.aggressor, side::buy);
}

TEST(KrakenParser, TradeUpdate) {
  const auto r = parse_fixture("trade_update.json");
  ASSERT_EQ(r.m.events.size(), 1u);
  const auto& t = std::get<trade>(r.m.events[0]);
  expect_header(t, "MATIC/USD", "MATIC-USD", 1695628177708706000);
  EXPECT_EQ(t.trade_id, "4665906");
  EXPECT_EQ(t.sequence, 4665906u);
  EXPECT_EQ(t.price.str(), "0.5117");
  EXPECT_EQ(t.size.str(), "40.0");
  EXPECT_EQ(t.aggressor, side::sell);  // side is the taker's
}

TEST(KrakenParser, OhlcSnapshot) {
  const auto r = parse_fixture("ohlc_snapshot.json");
  ASSERT_EQ(r.m.what, kraken_message::kind::events);
  ASSERT_EQ(r.m.events.size(), 2u);
  const std::int64_t msg_ts = 1696436761000000000 + 806315597;  // message-level timestamp, ns precision
  const auto& a = std::get<candle>(r.m.events[0]);
  expect_header(a, "ALGO/USD", "ALGO-USD", msg_ts);
  EXPECT_EQ(a.interval, "5m");
  EXPECT_EQ(a.open_time_ns, 1696433100000000000);
  EXPECT_EQ(a.close_time_ns, 1696433400000000000 - 1000000);
  EXPECT_EQ(a.open.str(), "0.09875");
  EXPECT_EQ(a.high.str(), "0.09875");
  EXPECT_EQ(a.low.str(), "0.09875");
  EXPECT_EQ(a.close.str(), "0.09875");
  EXPECT_EQ(a.volume.str(), "201.86015");
  EXPECT_TRUE(a.quote_volume.empty());
  EXPECT_EQ(a.trades, 1u);
  EXPECT_TRUE(a.closed);  // a later bar of the same symbol follows in the snapshot
  const auto& b = std::get<candle>(r.m.events[1]);
  expect_header(b, "ALGO/USD", "ALGO-USD", msg_ts);
  EXPECT_EQ(b.open_time_ns, 1696433400000000000);
  EXPECT_EQ(b.open.str(), "0.09875");
  EXPECT_EQ(b.high.str(), "0.0988");
  EXPECT_EQ(b.low.str(), "0.09875");
  EXPECT_EQ(b.close.str(), "0.09875");
  EXPECT_EQ(b.volume.str(), "16255.46368");
  EXPECT_EQ(b.trades, 13u);
  EXPECT_FALSE(b.closed);
}

TEST(KrakenParser, OhlcUpdate) {
  const auto r = parse_fixture("ohlc_update.json");
  ASSERT_EQ(r.m.events.size(), 1u);
  const auto& c = std::get<candle>(r.m.events[0]);
  expect_header(c, "MATIC/USD", "MATIC-USD", 1696436790000000000 + 524394914);
  EXPECT_EQ(c.interval, "5m");
  EXPECT_EQ(c.open_time_ns, 1696436700000000000);
  EXPECT_EQ(c.open.str(), "0.5624");
  EXPECT_EQ(c.high.str(), "0.5628");
  EXPECT_EQ(c.low.str(), "0.5622");
  EXPECT_EQ(c.close.str(), "0.5627");
  EXPECT_EQ(c.volume.str(), "30927.68066226");
  EXPECT_EQ(c.trades, 12u);
  EXPECT_FALSE(c.closed);
}

kraken_control control_fixture(const std::string& name) {
  const auto r = parse_fixture(name);
  EXPECT_EQ(r.m.what, kraken_message::kind::control) << name;
  EXPECT_TRUE(r.m.events.empty());
  return r.m.control;
}

TEST(KrakenParser, SubscribeAcks) {
  auto c = control_fixture("book_subscribe_ack_algo.json");
  EXPECT_EQ(c.what, kraken_control::kind::subscribe);
  EXPECT_TRUE(c.success);
  EXPECT_EQ(c.channel, "book");
  EXPECT_EQ(c.symbol, "ALGO/USD");
  c = control_fixture("book_subscribe_ack_matic.json");
  EXPECT_EQ(c.what, kraken_control::kind::subscribe);
  EXPECT_EQ(c.symbol, "MATIC/USD");
  c = control_fixture("ohlc_subscribe_ack.json");  // carries result.warnings
  EXPECT_EQ(c.what, kraken_control::kind::subscribe);
  EXPECT_EQ(c.channel, "ohlc");
  EXPECT_EQ(c.symbol, "ALGO/USD");
  EXPECT_TRUE(c.success);
  c = control_fixture("ticker_subscribe_ack.json");
  EXPECT_EQ(c.channel, "ticker");
  EXPECT_EQ(c.symbol, "ALGO/USD");
}

TEST(KrakenParser, ClientRequestsAreControl) {
  for (const char* f : {"book_subscribe_request.json", "book_unsubscribe_request.json", "ohlc_subscribe_request.json",
                        "ticker_subscribe_request.json", "trade_subscribe_request.json", "ping_request.json"}) {
    const auto c = control_fixture(f);
    EXPECT_EQ(c.what, kraken_control::kind::request) << f;
  }
}

TEST(KrakenParser, PongHeartbeatStatus) {
  auto c = control_fixture("pong_response.json");
  EXPECT_EQ(c.what, kraken_control::kind::pong);
  c = control_fixture("heartbeat.json");
  EXPECT_EQ(c.what, kraken_control::kind::heartbeat);
  c = control_fixture("status_on_connect.json");  // connection_id > INT64_MAX, "type" after "data"
  EXPECT_EQ(c.what, kraken_control::kind::status);
  EXPECT_EQ(c.system, "online");
}

TEST(KrakenParser, FailedAckAndRateLimitError) {
  kraken_parser p;
  kraken_message m;
  kraken_parse_error e;
  ASSERT_TRUE(p.parse(R"({"error":"Currency pair not supported FOO/BAR","method":"subscribe","req_id":3,)"
                      R"("success":false,"symbol":"FOO/BAR","time_in":"x","time_out":"y"})",
                      recv, m, e))
      << e.reason;
  EXPECT_EQ(m.control.what, kraken_control::kind::subscribe);
  EXPECT_FALSE(m.control.success);
  EXPECT_EQ(m.control.error, "Currency pair not supported FOO/BAR");
  ASSERT_TRUE(p.parse(R"({"Error":"Exceeded msg rate"})", recv, m, e)) << e.reason;
  EXPECT_EQ(m.what, kraken_message::kind::control);
  EXPECT_EQ(m.control.what, kraken_control::kind::error);
  EXPECT_EQ(m.control.error, "Exceeded msg rate");
}

TEST(KrakenParser, InstrumentSnapshot) {
  kraken_parser p;
  kraken_message m;
  kraken_parse_error e;
  ASSERT_TRUE(p.parse(R"({"channel":"instrument","type":"snapshot","data":{"assets":[{"id":"BTC","status":"enabled",)"
                      R"("precision":10}],"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online",)"
                      R"("qty_precision":8,"qty_increment":1e-08,"price_precision":1,"price_increment":0.1},)"
                      R"({"symbol":"MATIC/USD","price_precision":4,"qty_precision":8}]}})",
                      recv, m, e))
      << e.reason;
  ASSERT_EQ(m.what, kraken_message::kind::instrument);
  EXPECT_TRUE(m.snapshot);
  ASSERT_EQ(m.pairs.size(), 2u);
  EXPECT_EQ(m.pairs[0].symbol, "BTC/USD");
  EXPECT_EQ(m.pairs[0].precision.price, 1);
  EXPECT_EQ(m.pairs[0].precision.qty, 8);
  EXPECT_EQ(m.pairs[1].symbol, "MATIC/USD");
  EXPECT_EQ(m.pairs[1].precision.price, 4);
}

// ---- numbers and times

TEST(KrakenNumber, PlainTextKeptExactly) {
  decimal d;
  for (const char* s : {"0", "0.566", "740.0", "0.10000000", "-0.00017", "43012.10", "18097.1547"}) {
    ASSERT_TRUE(kraken_number_text(s, d)) << s;
    EXPECT_EQ(d.str(), s);
  }
}

TEST(KrakenNumber, ExponentsRewrittenExactly) {
  const std::pair<const char*, const char*> cases[] = {
      {"1e-05", "0.00001"},
      {"1.5e-05", "0.000015"},
      {"1E-8", "0.00000001"},
      {"2e3", "2000"},
      {"2E+3", "2000"},
      {"1.25e2", "125"},
      {"1.2345e2", "123.45"},
      {"-3.5e-2", "-0.035"},
      {"1.50e1", "15.0"},
      {"0e0", "0"},
      {"0.5e1", "5"},
      {"12e-1", "1.2"},
      {"0.001e2", "0.1"},
      {"5e0", "5"},
      {"1.0E-10", "0.00000000010"},
  };
  for (const auto& [in, want] : cases) {
    decimal d;
    ASSERT_TRUE(kraken_number_text(in, d)) << in;
    EXPECT_EQ(d.str(), want) << in;
  }
}

TEST(KrakenNumber, RejectsNonNumbers) {
  decimal d;
  for (const char* s : {"", "-", "1.", ".5", "1e", "1e+", "0x10", "1.2.3", "NaN", "1e-400", "1e400", "12a", "+1", "040.0",
                        "00", "-01.5", "007", "01e2", "-00.1"})
    EXPECT_FALSE(kraken_number_text(s, d)) << s;
}

TEST(KrakenTime, Rfc3339) {
  std::int64_t ns = 0;
  ASSERT_TRUE(kraken_parse_time("2023-10-06T17:35:55.440295Z", ns));
  EXPECT_EQ(ns, 1696613755440295000);
  ASSERT_TRUE(kraken_parse_time("2023-10-04T16:26:01.806315597Z", ns));
  EXPECT_EQ(ns, 1696436761806315597);
  ASSERT_TRUE(kraken_parse_time("1970-01-01T00:00:00Z", ns));
  EXPECT_EQ(ns, 0);
  ASSERT_TRUE(kraken_parse_time("2024-02-29T23:59:59.5+00:00", ns));
  EXPECT_EQ(ns, 1709251199500000000);
  for (const char* s : {"", "2023-10-06", "2023-10-06T17:35:55", "2023-13-06T17:35:55Z", "2023-10-06T17:35:55.Z",
                        "2023-10-06T17:35:55+02:00", "x023-10-06T17:35:55Z"})
    EXPECT_FALSE(kraken_parse_time(s, ns)) << s;
}

TEST(KrakenInterval, Names) {
  EXPECT_EQ(kraken_interval_minutes("1m"), 1u);
  EXPECT_EQ(kraken_interval_minutes("4h"), 240u);
  EXPECT_EQ(kraken_interval_minutes("1w"), 10080u);
  EXPECT_EQ(kraken_interval_minutes("15d"), 21600u);
  EXPECT_EQ(kraken_interval_minutes("2m"), 0u);
  EXPECT_EQ(kraken_interval_name(1440), "1d");
  EXPECT_EQ(kraken_interval_name(2), "");
}

// ---- malformed input

TEST(KrakenParser, ExponentPricesInABook) {
  kraken_parser p;
  kraken_message m;
  kraken_parse_error e;
  ASSERT_TRUE(p.parse(R"({"channel":"book","type":"update","data":[{"symbol":"SHIB/USD","bids":[{"price":1.234e-05,)"
                      R"("qty":5E+6}],"asks":[],"checksum":1,"timestamp":"2023-10-06T17:35:55.440295Z"}]})",
                      recv, m, e))
      << e.reason;
  ASSERT_EQ(m.book_count, 1u);
  EXPECT_TRUE(same(m.books[0].bids, lv({{"0.00001234", "5000000"}}))) << show(m.books[0].bids);
}

TEST(KrakenParser, MalformedBookNamesItsSymbol) {
  kraken_parser p;
  kraken_message m;
  kraken_parse_error e;
  // Truncated mid-message: not JSON, but still recognisably the BTC/USD book.
  EXPECT_FALSE(
      p.parse(R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":1)", recv, m, e));
  EXPECT_TRUE(e.book);
  EXPECT_EQ(e.symbol, "BTC/USD");
  EXPECT_EQ(m.book_count, 0u);
  // Well-formed JSON, bad content: a price given as a string.
  EXPECT_FALSE(p.parse(R"({"channel":"book","type":"update","data":[{"symbol":"ETH/USD","bids":[{"price":"1",)"
                       R"("qty":1}],"asks":[],"checksum":1}]})",
                       recv, m, e));
  EXPECT_TRUE(e.book);
  EXPECT_EQ(e.symbol, "ETH/USD");
  EXPECT_NE(e.reason.find("price"), std::string::npos) << e.reason;
  // Negative quantity, missing checksum, missing type.
  EXPECT_FALSE(p.parse(R"({"channel":"book","type":"update","data":[{"symbol":"ETH/USD","bids":[{"price":1,"qty":-1}],)"
                       R"("asks":[],"checksum":1}]})",
                       recv, m, e));
  EXPECT_FALSE(
      p.parse(R"({"channel":"book","type":"update","data":[{"symbol":"ETH/USD","bids":[],"asks":[]}]})", recv, m, e));
  EXPECT_NE(e.reason.find("checksum"), std::string::npos) << e.reason;
  EXPECT_FALSE(
      p.parse(R"({"channel":"book","data":[{"symbol":"ETH/USD","bids":[],"asks":[],"checksum":1}]})", recv, m, e));
  EXPECT_NE(e.reason.find("type"), std::string::npos) << e.reason;
}

TEST(KrakenParser, MalformedOther) {
  kraken_parser p;
  kraken_message m;
  kraken_parse_error e;
  for (const char* s : {"", "x", "[]", "42", "{}",
                        R"({"channel":"trade","data":[{"symbol":"A/B","side":"up",)"
                        R"("price":1,"qty":1,"trade_id":1}]})",
                        R"({"channel":"trade","data":[{"symbol":"A/B","side":"buy","price":1,"qty":1}]})",
                        R"({"channel":"ticker","data":[{"symbol":"A/B","bid":1e999999}]})",
                        R"({"channel":"ohlc","data":[{"symbol":"A/B","open":1,"high":1,"low":1,"close":1,"volume":1,)"
                        R"("interval":7,"interval_begin":"2023-10-04T15:25:00.000000000Z"}]})",
                        R"({"channel":"heartbeat"} trailing)", R"({"channel":"ticker","data":[1]})"}) {
    EXPECT_FALSE(p.parse(s, recv, m, e)) << s;
    EXPECT_FALSE(e.reason.empty()) << s;
    EXPECT_FALSE(e.book) << s;
    EXPECT_TRUE(m.events.empty()) << s;
  }
  // The parser is reusable after an error.
  EXPECT_TRUE(p.parse(read_kraken_fixture("trade_update.json"), recv, m, e)) << e.reason;
  EXPECT_EQ(m.events.size(), 1u);
}

TEST(KrakenParser, DataBeforeChannelIsReadInASecondPass) {
  kraken_parser p;
  kraken_message m;
  kraken_parse_error e;
  ASSERT_TRUE(
      p.parse(R"({"data":[{"symbol":"MATIC/USD","side":"sell","price":0.5117,"qty":40.0,"ord_type":"market",)"
              R"("trade_id":4665906,"timestamp":"2023-09-25T07:49:37.708706Z"}],"type":"update","channel":"trade"})",
              recv, m, e))
      << e.reason;
  ASSERT_EQ(m.events.size(), 1u);
  EXPECT_EQ(std::get<trade>(m.events[0]).size.str(), "40.0");
}

}  // namespace
}  // namespace mdfan::adapters
