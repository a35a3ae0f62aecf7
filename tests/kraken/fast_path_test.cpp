// The Kraken fast path (wire_shape.hpp): the channels it reads in Kraken's own field order, and that
// it changes nothing — every message gives the same output (events, book entries with their
// checksums, control traffic) or the same error, with the fast path on and off; anything but the
// exact shape goes to the general path.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/common/wire_shape.hpp"
#include "adapters/kraken/parser.hpp"
#include "core/codec.hpp"
#include "kraken/test_util.hpp"

#ifdef MDFAN_KRAKEN_SIM
#include "adapters/kraken/sim_venue.hpp"
#include "adapters/sim/simulator.hpp"
#include "adapters/sim/venue.hpp"
#include "support/fast_path_check.hpp"
#endif

namespace mdfan::adapters {
namespace {

using test::minify_json;
using test::read_kraken_fixture;
using test::show;

constexpr std::int64_t recv = 1700000000123456789;

// Everything a parse gave, as text: the error (reason, book attribution) or the whole message.
std::string outcome(kraken_parser& p, const std::string& msg) {
  kraken_message m;
  kraken_parse_error err;
  if (!p.parse(msg, recv, m, err)) return "error: " + err.reason + " symbol=" + err.symbol + " book=" + (err.book ? "1" : "0");
  std::string s = "what=" + std::to_string(static_cast<int>(m.what)) + " snapshot=" + (m.snapshot ? "1" : "0");
  for (const auto& e : m.events) s += "\nevent " + encode_json(e);
  s += "\nbooks=" + std::to_string(m.book_count);
  for (std::size_t i = 0; i < m.book_count; ++i) {
    const auto& b = m.books[i];
    s += "\nbook " + b.symbol + " " + b.instrument + " bids=" + show(b.bids) + " asks=" + show(b.asks) +
         " checksum=" + std::to_string(b.checksum) + " ts=" + std::to_string(b.exchange_ts_ns);
  }
  for (const auto& pr : m.pairs)
    s += "\npair " + pr.symbol + " " + std::to_string(pr.precision.price) + " " + std::to_string(pr.precision.qty);
  const auto& c = m.control;
  s += "\ncontrol " + std::to_string(static_cast<int>(c.what)) + " " + (c.success ? "1" : "0") + " " + c.channel +
       " " + c.symbol + " " + c.error + " " + c.system;
  return s;
}

// A fresh parser's outcome for `msg`.
std::string fresh_outcome(const std::string& msg) {
  kraken_parser p;
  return outcome(p, msg);
}
test::fast_path_run parse_with(bool fast, const std::string& msg) { return test::parse_with(fast, msg, fresh_outcome); }
// Same outcome both ways; returns whether the fast path took it.
bool same_both_ways(const std::string& msg) { return test::same_both_ways(msg, fresh_outcome); }

using test::with;

using variant = test::fast_path_variant;
void check_variants(const std::vector<variant>& variants) { test::check_variants(variants, fresh_outcome); }

std::string wire(const char* fixture) { return minify_json(read_kraken_fixture(fixture)); }

TEST(KrakenFastPath, EveryFixtureGivesTheSameOutcomeAndOnlyHotOnesAreFast) {
  const struct {
    const char* file;
    bool hot;
  } fixtures[] = {{"book_snapshot.json", true},
                  {"book_update.json", true},
                  {"heartbeat.json", true},
                  {"ohlc_snapshot.json", true},
                  {"ohlc_update.json", true},
                  {"ticker_snapshot.json", true},
                  {"ticker_update.json", true},
                  {"trade_snapshot.json", true},
                  {"trade_update.json", true},
                  {"book_subscribe_ack_algo.json", false},
                  {"book_subscribe_ack_matic.json", false},
                  {"book_subscribe_request.json", false},
                  {"book_unsubscribe_request.json", false},
                  {"ohlc_subscribe_ack.json", false},
                  {"ohlc_subscribe_request.json", false},
                  {"ping_request.json", false},
                  {"pong_response.json", false},
                  {"status_on_connect.json", false},
                  {"ticker_subscribe_ack.json", false},
                  {"ticker_subscribe_request.json", false},
                  {"trade_subscribe_request.json", false}};
  for (const auto& f : fixtures) {
    EXPECT_EQ(same_both_ways(wire(f.file)), f.hot) << f.file;
    // As stored (pretty-printed): never the wire shape, the same outcome.
    EXPECT_FALSE(same_both_ways(read_kraken_fixture(f.file))) << f.file;
    EXPECT_EQ(parse_with(true, wire(f.file)).result.rfind("error", 0), std::string::npos) << f.file;
  }
}

TEST(KrakenFastPath, TradeVariants) {
  const std::string t = wire("trade_update.json");
  ASSERT_EQ(t,
            R"({"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"sell","price":0.5117,"qty":40.0,)"
            R"("ord_type":"market","trade_id":4665906,"timestamp":"2023-09-25T07:49:37.708706Z"}]})");
  const std::string entry = t.substr(t.find("[{") + 1, t.size() - t.find("[{") - 3);
  check_variants({
      {t, true},
      {with(t, R"("price":0.5117)", R"("price": 0.5117)"), false},                          // white space
      {with(t, R"("side":"sell","price":0.5117)", R"("price":0.5117,"side":"sell")"), false},  // another order
      {with(t, R"("MATIC/USD")", R"("MATIC\/USD")"), false},                                // an escape (same symbol)
      {with(t, R"("MATIC/USD")", R"("")"), false},                                          // empty symbol (error)
      {with(t, R"("sell")", R"("hold")"), false},                                           // unknown side (error)
      {with(t, R"("sell")", R"("Sell")"), false},                                           // case (error)
      {with(t, R"("sell")", R"("buy")"), true},                                             // the other side
      {with(t, "0.5117", R"("0.5117")"), false},                                            // a string (error)
      {with(t, "0.5117", "-0.5117"), false},                                                // negative (error)
      {with(t, "0.5117", "-0"), false},                                                     // negative zero (error)
      {with(t, "40.0", "4e1"), true},                                                       // exponent: "40"
      {with(t, "40.0", "4.0E+1"), true},                                                    // exponent: "40"
      {with(t, "0.5117", "5.117e-1"), true},                                                // exponent: "0.5117"
      {with(t, "40.0", "040.0"), false},                                                    // leading zero (error)
      {with(t, "40.0", "40."), false},                                                      // no fraction digit
      {with(t, "40.0", ".5"), false},                                                       // no integer digit
      {with(t, "40.0", "1e400"), false},                                                    // beyond a decimal (error)
      {with(t, "40.0", "1234567890123456789012345678901"), false},                          // too many digits (error)
      {with(t, "40.0", "40.0e"), false},                                                    // bad exponent
      {with(t, "4665906", "4665906.0"), false},                                             // not an integer (error)
      {with(t, "4665906", "-4665906"), false},                                              // negative id (error)
      {with(t, "4665906", "04665906"), false},                                              // leading zero
      {with(t, "4665906", "123456789012345678901"), false},                                 // out of range (error)
      {with(t, "4665906", "18446744073709551615"), false},                                  // 20 digits: left alone
      {with(t, "4665906", "9999999999999999999"), true},                                    // 19 digits
      {with(t, "4665906", "0"), true},                                                      // zero
      {with(t, "2023-09-25T07:49:37.708706Z", "2023-13-25T07:49:37.708706Z"), false},       // bad month (error)
      {with(t, "2023-09-25T07:49:37.708706Z", "2263-01-01T00:00:00Z"), false},              // out of range (error)
      {with(t, "2023-09-25T07:49:37.708706Z", "1969-12-31T23:59:59Z"), false},              // before 1970 (error)
      {with(t, "2023-09-25T07:49:37.708706Z", "2023-09-25T07:49:37.708706+00:00"), true},   // UTC offset form
      {with(t, "2023-09-25T07:49:37.708706Z", "2023-09-25T07:49:37.708706+01:00"), false},  // not UTC (error)
      {with(t, "2023-09-25T07:49:37.708706Z", "2023-09-25T07:49:37.1234567891234Z"), true},  // > 9 fraction digits
      {with(t, "2023-09-25T07:49:37.708706Z", "2023-09-25T07:49:37.Z"), false},             // empty fraction (error)
      {with(t, R"("2023-09-25T07:49:37.708706Z")", "1695628177"), false},                   // a number (error)
      {with(t, R"("market")", R"("mar\"ket")"), false},                                     // an escape in a skipped field
      {with(t, R"("market")", R"(null)"), false},                                           // another type in a skipped field
      {with(t, R"("market")", "\"mark\xC3\xA9t\""), false},                                 // UTF-8 in a string
      {with(t, R"("market")", "\"mark\xFFt\""), false},                                     // invalid UTF-8 (error)
      {with(t, R"("market")", "\"mark\x01t\""), false},                                     // a control character (error)
      {with(t, R"(,"ord_type":"market")", ""), false},                                      // missing skipped field
      {with(t, R"(,"trade_id":4665906)", ""), false},                                       // missing id (error)
      {with(t, R"("timestamp")", R"("extra":1,"timestamp")"), false},                       // an extra field
      {with(t, R"("side":"sell",)", ""), false},                                            // missing side
      {with(t, "[" + entry + "]", "[]"), false},                                            // empty data
      {with(t, "[" + entry + "]", "[" + entry + "," + entry + "]"), true},                  // two trades
      {with(t, "[" + entry + "]", "[" + entry + ",]"), false},                              // trailing comma (error)
      {with(t, "[" + entry + "]", "[1]"), false},                                           // not an object (error)
      {with(t, "[" + entry + "]", entry), false},                                           // not an array (error)
      {with(t, R"("update")", R"("snapshot")"), true},                                      // a snapshot
      {with(t, R"("update")", R"("other")"), false},                                        // another type
      {with(t, R"("type":"update",)", ""), false},                                          // no type
      {with(t, R"("trade")", R"("trades")"), false},                                        // another channel
      {t + " ", false},                                                                     // trailing white space
      {t + "x", false},                                                                     // trailing garbage (error)
      {t + "}", false},                                                                     // one brace too many (error)
      {t.substr(0, t.size() - 1), false},                                                   // truncated (error)
      {t.substr(0, t.size() - 2), false},                                                   // truncated (error)
      {"\xEF\xBB\xBF" + t, false},                                                          // a byte-order mark
  });
}

TEST(KrakenFastPath, TickerVariants) {
  const std::string t = wire("ticker_update.json");
  ASSERT_EQ(t,
            R"({"channel":"ticker","type":"update","data":[{"symbol":"ALGO/USD","bid":0.10025,"bid_qty":740.0,)"
            R"("ask":0.10035,"ask_qty":740.0,"last":0.10035,"volume":997038.98383185,"vwap":0.10148,"low":0.09979,)"
            R"("high":0.10285,"change":-0.00017,"change_pct":-0.17,"timestamp":"2023-09-25T09:04:31.742648Z"}]})");
  check_variants({
      {t, true},
      {with(t, R"("bid":0.10025,"bid_qty":740.0)", R"("bid_qty":740.0,"bid":0.10025)"), false},  // another order
      {with(t, R"("low")", R"( "low")"), false},                                                // white space
      {with(t, R"("ALGO/USD")", R"("ALGO\u002FUSD")"), false},                                  // an escape
      {with(t, R"("ALGO/USD")", R"("")"), false},                                               // empty symbol (error)
      {with(t, "0.10025", "-0.10025"), false},                                                  // negative bid (error)
      {with(t, "0.10025", R"("0.10025")"), false},                                              // a string (error)
      {with(t, "0.10025", "null"), false},                                                      // null (error)
      {with(t, "0.10025", "00.10025"), false},                                                  // leading zero (error)
      {with(t, "0.10025", "1.0025E-1"), true},                                                  // exponent
      {with(t, "-0.00017", "0.00017"), true},                                                   // a rise
      {with(t, "-0.00017", "-1.7e-4"), true},                                                   // signed exponent
      {with(t, "-0.00017", "-"), false},                                                        // not a number (error)
      {with(t, "-0.17", "17"), true},                                                           // change_pct kept as read
      {with(t, "-0.17", "-0.17e"), false},                                                      // change_pct not a number
      {with(t, "-0.17", R"("x")"), false},                                                      // change_pct of another type
      {with(t, "0.10148", R"("0.10148")"), false},                                              // vwap of another type
      {with(t, "0.10148", "1e9999"), true},                                                     // vwap: any number, unkept
      {with(t, "0.10285", "-0.10285"), false},                                                  // negative high (error)
      {with(t, "997038.98383185", "1e400"), false},                                             // beyond a decimal (error)
      {with(t, R"(,"timestamp":"2023-09-25T09:04:31.742648Z")", ""), true},                     // no time: 0
      {with(t, "2023-09-25T09:04:31.742648Z", "2023-09-25 09:04:31.742648Z"), true},            // ' ' separator
      {with(t, "2023-09-25T09:04:31.742648Z", "2023-09-25T09:04:61Z"), false},                  // bad second (error)
      {with(t, "2023-09-25T09:04:31.742648Z", "yesterday"), false},                             // not a time (error)
      {with(t, R"(,"vwap":0.10148)", ""), false},                                               // missing vwap
      {with(t, R"(,"change_pct":-0.17)", ""), false},                                           // missing change_pct
      {with(t, R"("bid":0.10025,)", ""), false},                                                // missing bid
      {with(t, R"(,"timestamp")", R"(,"x":[],"timestamp")"), false},                            // an extra field
      {with(t, "Z\"}]}", "Z\",\"x\":1}]}"), false},                                             // an extra field last
      {with(t, R"("update")", R"("snapshot")"), true},                                          // a snapshot
      {with(t, R"({"channel":"ticker",)", R"({"type":"update","channel":"ticker",)") , false},  // another envelope order
      {t + "\n", false},                                                                        // trailing new line
      {t.substr(0, t.size() - 3), false},                                                       // truncated (error)
  });
}

TEST(KrakenFastPath, OhlcVariants) {
  const std::string t = wire("ohlc_update.json");
  ASSERT_EQ(t,
            R"({"channel":"ohlc","type":"update","timestamp":"2023-10-04T16:26:30.524394914Z","data":[{"symbol":"MATIC/USD",)"
            R"("open":0.5624,"high":0.5628,"low":0.5622,"close":0.5627,"trades":12,"volume":30927.68066226,"vwap":0.5626,)"
            R"("interval_begin":"2023-10-04T16:25:00.000000000Z","interval":5,"timestamp":"2023-10-04T16:30:00.000000Z"}]})");
  const std::string entry = t.substr(t.find("[{") + 1, t.size() - t.find("[{") - 3);
  const std::string later = with(entry, "16:25:00", "16:30:00");
  check_variants({
      {t, true},
      {with(t, R"(,"timestamp":"2023-10-04T16:30:00.000000Z")", ""), true},                 // no deprecated time
      {with(t, R"("interval":5)", R"("interval":60)"), true},                               // 1h
      {with(t, R"("interval":5)", R"("interval":21600)"), true},                            // 15d
      {with(t, R"("interval":5)", R"("interval":7)"), false},                               // unknown interval (error)
      {with(t, R"("interval":5)", R"("interval":5.0)"), false},                             // not an integer (error)
      {with(t, R"("interval":5)", R"("interval":"5")"), false},                             // a string (error)
      {with(t, R"("trades":12)", R"("trades":-12)"), false},                                // negative count (error)
      {with(t, R"("trades":12)", R"("trades":1e1)"), false},                                // count as exponent (error)
      {with(t, R"("open":0.5624)", R"("open":-0.5624)"), false},                            // negative (error)
      {with(t, R"("open":0.5624)", R"("open":5.624e-1)"), true},                            // exponent
      {with(t, R"("open":0.5624,"high":0.5628)", R"("high":0.5628,"open":0.5624)"), false},  // another order
      {with(t, R"("vwap":0.5626)", R"("vwap":"x")"), false},                                // vwap of another type
      {with(t, R"("vwap":0.5626)", R"("vwap" : 0.5626)"), false},                           // white space
      {with(t, R"("MATIC/USD")", R"("MATIC\/USD")"), false},                                // an escape
      {with(t, R"("MATIC/USD")", R"("")"), false},                                          // empty symbol (error)
      {with(t, "2023-10-04T16:25:00.000000000Z", "2023-10-04T16:25:00Z"), true},            // no fraction
      {with(t, "2023-10-04T16:25:00.000000000Z", "2023-10-04T16:25:00"), false},            // no zone (error)
      {with(t, "2023-10-04T16:26:30.524394914Z", "1970-01-01T00:00:00Z"), true},            // message time 0: the candle's
      {with(t, "2023-10-04T16:26:30.524394914Z", "2023-10-04T16:26:30.524394914"), false},  // bad message time (error)
      {with(t, R"("timestamp":"2023-10-04T16:26:30.524394914Z",)", ""), false},             // no message time
      {with(t, R"(,"interval_begin":"2023-10-04T16:25:00.000000000Z")", ""), false},        // no begin (error)
      {with(t, "[" + entry + "]", "[" + entry + "," + later + "]"), true},                  // two candles
      {with(with(t, R"("update")", R"("snapshot")"), "[" + entry + "]", "[" + entry + "," + later + "]"), true},
      {with(t, "[" + entry + "]", "[]"), false},                                            // empty data
      {with(t, "[" + entry + "]", "[" + entry + ",null]"), false},                          // not an object (error)
      {t + "\t", false},                                                                    // trailing tab
      {t.substr(0, t.size() - 1), false},                                                   // truncated (error)
  });
}

TEST(KrakenFastPath, BookVariants) {
  const std::string t = wire("book_update.json");
  ASSERT_EQ(t, R"({"channel":"book","type":"update","data":[{"symbol":"MATIC/USD","bids":[{"price":0.5657,"qty":1098.3947558}],)"
               R"("asks":[],"checksum":2114181697,"timestamp":"2023-10-06T17:35:55.440295Z"}]})");
  const std::string entry = t.substr(t.find("[{") + 1, t.size() - t.find("[{") - 3);
  const std::string level = R"({"price":0.5657,"qty":1098.3947558})";
  check_variants({
      {t, true},
      {wire("book_snapshot.json"), true},
      {with(t, "2114181697", "4294967295"), true},                                       // the largest checksum
      {with(t, "2114181697", "4294967296"), false},                                      // beyond 32 bits (error)
      {with(t, "2114181697", "0"), true},                                                // zero
      {with(t, "2114181697", "-1"), false},                                              // negative (error)
      {with(t, "2114181697", "2114181697.0"), false},                                    // not an integer (error)
      {with(t, "2114181697", R"("2114181697")"), false},                                 // a string (error)
      {with(t, "2114181697", "02114181697"), false},                                     // leading zero
      {with(t, R"("asks":[])", R"("asks":[)" + level + "]"), true},                      // both sides
      {with(t, level, level + "," + level), true},                                       // one price twice
      {with(t, level, R"({"qty":1098.3947558,"price":0.5657})"), false},                 // another level order
      {with(t, level, R"({"price":0.5657,"qty":1098.3947558,"orders":3})"), false},      // an extra level field
      {with(t, level, R"({"price":0.5657})"), false},                                    // no qty (error)
      {with(t, level, R"([0.5657,1098.3947558])"), false},                               // a level as an array (error)
      {with(t, "1098.3947558", "0"), true},                                              // a deletion
      {with(t, "1098.3947558", "-1098.3947558"), false},                                 // negative qty (error)
      {with(t, "0.5657", "-0.5657"), false},                                             // negative price (error)
      {with(t, "1098.3947558", "1.5e-05"), true},                                        // exponent
      {with(t, "1098.3947558", "1.5e-"), false},                                         // bad exponent (error)
      {with(t, "1098.3947558", "1098.3947558 "), false},                                 // white space
      {with(t, "0.5657", "00.5657"), false},                                             // leading zero (error)
      {with(t, R"("asks":[])", R"("asks":{})"), false},                                  // not an array (error)
      {with(t, R"("asks":[])", R"("asks":null)"), false},                                // null (error)
      {with(t, R"(,"asks":[])", ""), false},                                             // no asks
      {with(t, R"(,"checksum":2114181697)", ""), false},                                 // no checksum (error)
      {with(t, R"(,"timestamp":"2023-10-06T17:35:55.440295Z")", ""), false},             // no time
      {with(t, "2023-10-06T17:35:55.440295Z", "2023-10-06T17:35:55.440295ZZ"), false},   // bad time (error)
      {with(t, R"("MATIC/USD")", R"("MATIC\/USD")"), false},                             // an escape
      {with(t, R"("MATIC/USD")", R"("")"), false},                                       // empty symbol (error)
      {with(t, R"("MATIC/USD")", "3"), false},                                           // not a string (error)
      {with(t, R"("bids")", R"("bid")"), false},                                         // another key
      {with(t, "[" + entry + "]", "[" + entry + "," + with(entry, "MATIC", "ALGO") + "]"), true},  // two books
      {with(t, "[" + entry + "]", "[]"), false},                                         // no books
      {with(t, R"("type":"update",)", ""), false},                                       // no type (error)
      {with(t, R"("update")", R"("snapshot")"), true},                                   // a snapshot
      {t + "  ", false},                                                                 // trailing white space
      {t.substr(0, t.size() - 2), false},                                                // truncated (error)
      {t.substr(0, t.find("\"qty\"")), false},                                           // cut in a level (error)
  });
}

TEST(KrakenFastPath, HeartbeatVariants) {
  const std::string t = wire("heartbeat.json");
  ASSERT_EQ(t, R"({"channel":"heartbeat"})");
  check_variants({
      {t, true},
      {R"({"channel": "heartbeat"})", false},
      {R"({"channel":"heartbeat","x":1})", false},
      {R"({"channel":"heartbeat","type":"update"})", false},
      {R"({"channel":"heart\u0062eat"})", false},
      {R"({"channel":"heartbeats"})", false},
      {t + " ", false},
      {t + "}", false},
      {t + "{}", false},
      {t.substr(0, t.size() - 1), false},
      {R"({"channel":"heartbeat"]})", false},
      {R"({"channel":"status"})", false},
  });
}

// One parser for a sequence of channels and sizes: reused outputs (book entries and their level
// vectors, events, control strings) carry nothing from one message into the next on either path.
TEST(KrakenFastPath, ReusedOutputsMatchAcrossMessages) {
  const std::string book2 =
      R"({"channel":"book","type":"update","data":[{"symbol":"MATIC/USD","bids":[{"price":0.5,"qty":1},{"price":0.4,"qty":2}],)"
      R"("asks":[{"price":0.6,"qty":3}],"checksum":1,"timestamp":"2023-10-06T17:35:55Z"},{"symbol":"ALGO/USD","bids":[],)"
      R"("asks":[{"price":0.1,"qty":0}],"checksum":2,"timestamp":"2023-10-06T17:35:56Z"}]})";
  const std::string msgs[] = {
      wire("book_snapshot.json"),
      wire("trade_snapshot.json"),
      book2,
      wire("status_on_connect.json"),
      wire("book_update.json"),
      with(wire("book_update.json"), "1098.3947558", "-1"),  // an error on both paths
      wire("heartbeat.json"),
      wire("ohlc_snapshot.json"),
      wire("ticker_update.json"),
      wire("book_subscribe_ack_algo.json"),
      with(wire("trade_update.json"), R"("sell")", R"("x")"),  // an error on both paths
      wire("ohlc_update.json"),
      wire("trade_update.json"),
      book2,
      wire("ticker_snapshot.json"),
      wire("heartbeat.json"),
  };
  kraken_parser fast, general;
  int fast_reads = 0;
  for (const auto& m : msgs) fast_reads += test::same_on_kept_parsers(fast, general, m, outcome) ? 1 : 0;
  EXPECT_EQ(fast_reads, 12);  // all but the status, the ack and the two errors
}

#ifdef MDFAN_KRAKEN_SIM
// What the simulator venue sends a subscriber (snapshots on subscribe, then the generated stream) is
// read on the fast path, and reads the same on the general path.
TEST(KrakenFastPath, SimulatorFramesAreReadFast) {
  sim::sim_config cfg;
  cfg.exchange = "kraken";
  cfg.symbols = {"BTC/USD", "ETH/USD"};
  cfg.seed = 7;
  cfg.start_time_ms = 1'700'000'000'000;
  auto venue = sim::make_kraken_venue(cfg);
  sim::venue_reply opened;
  std::string error;
  auto session = venue->open("/v2", opened, error);
  ASSERT_NE(session, nullptr) << error;

  std::vector<std::string> frames;
  for (const char* channel : {"book", "ticker", "trade", "ohlc"}) {
    const auto r = venue->on_message(
        *session, std::string(R"({"method":"subscribe","params":{"channel":")") + channel +
                      R"(","symbol":["BTC/USD","ETH/USD"]}})");
    for (const auto& f : r.frames) frames.push_back(f);
  }
  struct collect final : sim::message_sink {
    bool wanted(std::uint32_t) const override { return true; }
    void push(sim::sim_message&& m) override { out->emplace_back(m.payload()); }
    std::vector<std::string>* out = nullptr;
  } sink;
  std::vector<std::string> stream;
  sink.out = &stream;
  venue->generate(3000, sink);
  ASSERT_GT(stream.size(), 1000u);

  int hot = 0, fast = 0;
  auto check = [&](const std::string& f) {
    bool is_hot = f.starts_with(R"({"channel":"book")") || f.starts_with(R"({"channel":"ticker")") ||
                        f.starts_with(R"({"channel":"trade")") || f.starts_with(R"({"channel":"ohlc")") ||
                        f.starts_with(R"({"channel":"heartbeat")");
    // An ohlc snapshot before the first trade has no candle: "data":[] is left to the general path.
    if (f.find(R"("data":[])") != std::string::npos) is_hot = false;
    const bool took = same_both_ways(f);
    hot += is_hot ? 1 : 0;
    fast += took ? 1 : 0;
    EXPECT_EQ(took, is_hot) << f;
  };
  for (const auto& f : frames) check(f);
  for (const auto& f : stream) check(f);
  EXPECT_GT(hot, 1000);
  EXPECT_EQ(fast, hot);
}
#endif

}  // namespace
}  // namespace mdfan::adapters
