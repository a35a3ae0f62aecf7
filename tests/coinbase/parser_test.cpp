// The Coinbase parser on every sample message (field by field), envelope rules, timestamps, key order
// and malformed input.
#include "adapters/coinbase/parser.hpp"

#include <gtest/gtest.h>

#include "adapters/coinbase/config.hpp"
#include "adapters/coinbase/factory.hpp"
#include "coinbase/test_util.hpp"

namespace mdfan::adapters {
namespace {

using test::cb_minify;
using test::read_coinbase_fixture;

constexpr std::int64_t recv = 1700000000123456789;

coinbase_message parse_ok(const std::string& json) {
  coinbase_parser p;
  coinbase_message m;
  coinbase_parse_error err;
  EXPECT_TRUE(p.parse(json, recv, m, err)) << err.reason << "\n" << json;
  return m;
}

coinbase_parse_error parse_bad(const std::string& json) {
  coinbase_parser p;
  coinbase_message m;
  coinbase_parse_error err;
  EXPECT_FALSE(p.parse(json, recv, m, err)) << json;
  EXPECT_FALSE(err.reason.empty());
  return err;
}

std::int64_t ts(const char* text) {
  std::int64_t ns = 0;
  EXPECT_TRUE(parse_rfc3339_ns(text, ns)) << text;
  return ns;
}

void expect_header(const event_header& h, std::string_view product, std::int64_t exchange_ts, std::uint64_t seq) {
  EXPECT_EQ(h.exchange, exchange_id::coinbase);
  EXPECT_EQ(h.symbol, product);
  EXPECT_EQ(h.instrument, product);
  EXPECT_EQ(h.exchange_ts_ns, exchange_ts);
  EXPECT_EQ(h.receive_ts_ns, recv);
  EXPECT_EQ(h.sequence, seq);
}

// ---- timestamps

TEST(CoinbaseTime, Rfc3339) {
  EXPECT_EQ(ts("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ts("2023-02-09T20:32:50.714964855Z"), 1675974770714964855);
  EXPECT_EQ(ts("2019-08-14T20:42:27.265Z"), 1565815347265000000);
  EXPECT_EQ(ts("2023-06-09T20:19:35.39625135Z"), 1686341975396251350);  // 8 digits: tenths of ns padded
  EXPECT_EQ(ts("2023-02-09T21:32:50+01:00"), ts("2023-02-09T20:32:50Z"));
  EXPECT_EQ(ts("2024-02-29T00:00:00Z"), 1709164800000000000);             // leap day
  EXPECT_EQ(ts("2023-02-09T20:32:50.1234567891Z"), 1675974770123456789);  // beyond ns: truncated
  std::int64_t ns = 0;
  for (const char* bad : {"", "2023-02-09", "2023-02-09T20:32:50", "2023-13-09T20:32:50Z", "2023-02-09T20:32:50.Z",
                          "2023-02-09T20:32:50Zjunk", "1969-12-31T23:59:59Z", "2023-02-09X20:32:50Z"})
    EXPECT_FALSE(parse_rfc3339_ns(bad, ns)) << bad;
}

// ---- sample messages, field by field

TEST(CoinbaseParser, Level2Snapshot) {
  const auto m = parse_ok(read_coinbase_fixture("level2_snapshot.json"));
  EXPECT_EQ(m.channel, coinbase_channel::l2_data);
  EXPECT_TRUE(m.has_sequence);
  EXPECT_EQ(m.sequence_num, 0u);
  EXPECT_EQ(m.timestamp_ns, ts("2023-02-09T20:32:50.714964855Z"));
  ASSERT_EQ(m.books.size(), 1u);
  const auto& b = m.books[0];
  EXPECT_EQ(b.product_id, "BTC-USD");
  EXPECT_TRUE(b.snapshot);
  EXPECT_EQ(b.event_time_ns, 0);  // "1970-01-01T00:00:00Z" in snapshots
  ASSERT_EQ(b.bids.size(), 2u);
  EXPECT_EQ(b.bids[0].price.str(), "21921.73");
  EXPECT_EQ(b.bids[0].size.str(), "0.06317902");
  EXPECT_EQ(b.bids[1].price.str(), "21921.3");
  EXPECT_EQ(b.bids[1].size.str(), "0.02");
  EXPECT_TRUE(b.asks.empty());
  EXPECT_TRUE(m.tickers.empty() && m.trades.empty() && m.candles.empty());
}

TEST(CoinbaseParser, Level2UpdateBothSidesAndEventTime) {
  // No published update sample exists (see SOURCES.md): same schema with "type":"update".
  const auto m = parse_ok(
      R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":7,"events":[)"
      R"({"type":"update","product_id":"BTC-USD","updates":[)"
      R"({"side":"offer","event_time":"2023-02-09T20:32:50.5Z","price_level":"21922.00","new_quantity":"1.5"},)"
      R"({"side":"bid","event_time":"2023-02-09T20:32:50.6Z","price_level":"21921.73","new_quantity":"0"}]},)"
      R"({"type":"update","product_id":"ETH-USD","updates":[{"side":"bid","event_time":"2023-02-09T20:32:50Z","price_level":"1500","new_quantity":"2"}]}]})");
  EXPECT_EQ(m.sequence_num, 7u);
  ASSERT_EQ(m.books.size(), 2u);
  EXPECT_FALSE(m.books[0].snapshot);
  EXPECT_EQ(m.books[0].event_time_ns, ts("2023-02-09T20:32:50.6Z"));
  ASSERT_EQ(m.books[0].asks.size(), 1u);
  EXPECT_EQ(m.books[0].asks[0].price.str(), "21922.00");
  EXPECT_EQ(m.books[0].asks[0].size.str(), "1.5");
  ASSERT_EQ(m.books[0].bids.size(), 1u);
  EXPECT_TRUE(m.books[0].bids[0].size.is_zero());
  EXPECT_EQ(m.books[1].product_id, "ETH-USD");
  EXPECT_EQ(m.books[1].bids[0].price.str(), "1500");
}

TEST(CoinbaseParser, Ticker) {
  const auto m = parse_ok(read_coinbase_fixture("ticker_snapshot.json"));
  EXPECT_EQ(m.channel, coinbase_channel::ticker);
  ASSERT_EQ(m.tickers.size(), 1u);
  const auto& t = m.tickers[0];
  expect_header(t, "BTC-USD", ts("2023-02-09T20:30:37.167359596Z"), 0);
  EXPECT_EQ(t.last_price.str(), "21932.98");
  EXPECT_EQ(t.volume_24h.str(), "16038.28770938");
  EXPECT_EQ(t.low_24h.str(), "21835.29");
  EXPECT_EQ(t.high_24h.str(), "23011.18");
  EXPECT_EQ(t.bid_price.str(), "21931.98");
  EXPECT_EQ(t.bid_size.str(), "8000.21");
  EXPECT_EQ(t.ask_price.str(), "21933.98");
  EXPECT_EQ(t.ask_size.str(), "8038.07770938");
  // Not sent by Coinbase (or not the same quantity: price_percent_chg_24_h is a percentage).
  EXPECT_TRUE(t.change_24h.empty());
  EXPECT_TRUE(t.open_24h.empty());
  EXPECT_TRUE(t.last_size.empty());
  EXPECT_TRUE(t.quote_volume_24h.empty());
}

TEST(CoinbaseParser, TickerBatchWithoutBestBidAsk) {
  const auto m = parse_ok(
      R"({"channel":"ticker_batch","client_id":"","timestamp":"2023-02-09T20:30:37Z","sequence_num":3,"events":[{"type":"update","tickers":[)"
      R"({"type":"ticker","product_id":"ETH-USD","price":"1500.5","volume_24_h":"10"}]}]})");
  EXPECT_EQ(m.channel, coinbase_channel::ticker_batch);
  ASSERT_EQ(m.tickers.size(), 1u);
  expect_header(m.tickers[0], "ETH-USD", ts("2023-02-09T20:30:37Z"), 3);
  EXPECT_TRUE(m.tickers[0].bid_price.empty());
  EXPECT_EQ(m.tickers[0].last_price.str(), "1500.5");
}

TEST(CoinbaseParser, MarketTrades) {
  const auto m = parse_ok(read_coinbase_fixture("market_trades_snapshot.json"));
  EXPECT_EQ(m.channel, coinbase_channel::market_trades);
  EXPECT_EQ(m.timestamp_ns, ts("2023-02-09T20:19:35.39625135Z"));
  ASSERT_EQ(m.trades.size(), 1u);
  const auto& t = m.trades[0];
  EXPECT_TRUE(t.snapshot);
  expect_header(t.t, "ETH-USD", ts("2019-08-14T20:42:27.265Z"), 0);  // trade_id "000000000" -> 0
  EXPECT_EQ(t.t.trade_id, "000000000");
  EXPECT_EQ(t.t.price.str(), "1260.01");
  EXPECT_EQ(t.t.size.str(), "0.3");
  EXPECT_EQ(t.t.aggressor, side::sell);  // "side":"BUY" is the maker: the taker sold
}

TEST(CoinbaseParser, MarketTradesUpdateTypeAfterTrades) {
  const auto m = parse_ok(
      R"({"channel":"market_trades","timestamp":"2023-02-09T20:19:35Z","sequence_num":9,"events":[{"trades":[)"
      R"({"trade_id":"12345","product_id":"BTC-USD","price":"21000.5","size":"0.01","side":"SELL","time":"2023-02-09T20:19:34.5Z"}],"type":"update"}]})");
  ASSERT_EQ(m.trades.size(), 1u);
  EXPECT_FALSE(m.trades[0].snapshot);
  EXPECT_EQ(m.trades[0].t.sequence, 12345u);
  EXPECT_EQ(m.trades[0].t.aggressor, side::buy);
}

TEST(CoinbaseParser, Candles) {
  const auto m = parse_ok(read_coinbase_fixture("candles_snapshot.json"));
  EXPECT_EQ(m.channel, coinbase_channel::candles);
  ASSERT_EQ(m.candles.size(), 1u);
  const auto& c = m.candles[0];
  expect_header(c, "ETH-USD", ts("2023-06-09T20:19:35.39625135Z"), 0);
  EXPECT_EQ(c.interval, "5m");
  EXPECT_EQ(c.open_time_ns, 1688998200LL * 1'000'000'000);
  EXPECT_EQ(c.close_time_ns, (1688998200LL + 300) * 1'000'000'000 - 1'000'000);
  EXPECT_EQ(c.open.str(), "1867.38");
  EXPECT_EQ(c.high.str(), "1867.72");
  EXPECT_EQ(c.low.str(), "1865.63");
  EXPECT_EQ(c.close.str(), "1866.81");
  EXPECT_EQ(c.volume.str(), "0.20269406");
  EXPECT_TRUE(c.quote_volume.empty());
  EXPECT_FALSE(c.closed);
}

TEST(CoinbaseParser, HeartbeatCounterStringOrInteger) {
  const auto m = parse_ok(read_coinbase_fixture("heartbeats.json"));
  EXPECT_EQ(m.channel, coinbase_channel::heartbeats);
  EXPECT_EQ(m.heartbeat_counter, 3049u);  // a string in the docs
  EXPECT_EQ(m.timestamp_ns, ts("2023-06-23T20:31:26.122969572Z"));
  const auto live = parse_ok(
      R"({"channel":"heartbeats","timestamp":"2023-06-23T20:31:26Z","sequence_num":3,"events":[{"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105","heartbeat_counter":3050}]})");
  EXPECT_EQ(live.heartbeat_counter, 3050u);  // an integer on the wire
  EXPECT_EQ(live.sequence_num, 3u);
}

TEST(CoinbaseParser, ControlTraffic) {
  const auto status = parse_ok(read_coinbase_fixture("status_snapshot.json"));
  EXPECT_EQ(status.channel, coinbase_channel::status);
  const auto subs = parse_ok(
      R"({"channel":"subscriptions","client_id":"","timestamp":"2023-02-09T20:32:50Z","sequence_num":1,"events":[{"subscriptions":{"level2":["BTC-USD"],"heartbeats":["heartbeats"]}}]})");
  EXPECT_EQ(subs.channel, coinbase_channel::subscriptions);
  EXPECT_EQ(subs.sequence_num, 1u);
  const auto err = parse_ok(R"({"type":"error","message":"Failed to subscribe"})");
  EXPECT_EQ(err.channel, coinbase_channel::error);
  EXPECT_EQ(err.error_message, "Failed to subscribe");
  EXPECT_FALSE(err.has_sequence);
  const auto unknown = parse_ok(R"({"channel":"futures_balance_summary","sequence_num":4,"events":[{"x":1}]})");
  EXPECT_EQ(unknown.channel, coinbase_channel::unknown);
  for (const char* f :
       {"candles_subscribe_request.json", "heartbeats_subscribe_request.json", "level2_subscribe_request.json",
        "market_trades_subscribe_request.json", "status_subscribe_request.json",
        "subscribe_request_level2_no_auth.json", "subscribe_request_level2_with_jwt.json",
        "ticker_batch_subscribe_request.json", "ticker_subscribe_request.json",
        "unsubscribe_request_level2_no_auth.json", "unsubscribe_request_level2_with_jwt.json"}) {
    const auto m = parse_ok(read_coinbase_fixture(f));
    EXPECT_EQ(m.channel, coinbase_channel::request) << f;
  }
}

TEST(CoinbaseParser, DecoderShowsEveryEventAndNothingForControl) {
  auto dec = make_coinbase_decoder();
  auto decode = [&](const std::string& json, std::vector<event>& out) {
    std::string padded = json + std::string(64, '\0');
    std::string error;
    return dec->decode(std::string_view(padded.data(), json.size()), recv, out, error);
  };
  std::vector<event> out;
  ASSERT_TRUE(decode(cb_minify(read_coinbase_fixture("level2_snapshot.json")), out));
  ASSERT_EQ(out.size(), 1u);
  const auto& b = std::get<book_update>(out[0]);
  EXPECT_TRUE(b.snapshot);
  EXPECT_EQ(b.bids.size(), 2u);
  EXPECT_EQ(b.sequence, 0u);
  out.clear();
  ASSERT_TRUE(decode(read_coinbase_fixture("market_trades_snapshot.json"), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<trade>(out[0]).trade_id, "000000000");
  out.clear();
  ASSERT_TRUE(decode(read_coinbase_fixture("ticker_snapshot.json"), out));
  ASSERT_TRUE(decode(read_coinbase_fixture("candles_snapshot.json"), out));
  ASSERT_EQ(out.size(), 2u);
  out.clear();
  for (const char* f : {"heartbeats.json", "status_snapshot.json", "level2_subscribe_request.json"})
    ASSERT_TRUE(decode(read_coinbase_fixture(f), out)) << f;
  EXPECT_TRUE(out.empty());
  std::string error;
  std::string bad = std::string("{\"channel\":") + std::string(64, '\0');
  EXPECT_FALSE(dec->decode(std::string_view(bad.data(), 11), recv, out, error));
  EXPECT_FALSE(error.empty());
}

// ---- envelope rules

TEST(CoinbaseParser, EventsBeforeChannelAreStillRead) {
  const auto m = parse_ok(
      R"({"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2023-02-09T20:32:50Z","price_level":"1","new_quantity":"2"}]}],)"
      R"("sequence_num":5,"timestamp":"2023-02-09T20:32:50Z","channel":"l2_data"})");
  EXPECT_EQ(m.channel, coinbase_channel::l2_data);
  EXPECT_EQ(m.sequence_num, 5u);
  ASSERT_EQ(m.books.size(), 1u);
  EXPECT_EQ(m.books[0].bids.size(), 1u);
}

TEST(CoinbaseParser, ReusedParserForgetsThePreviousMessage) {
  coinbase_parser p;
  coinbase_message m;
  coinbase_parse_error err;
  ASSERT_TRUE(p.parse(read_coinbase_fixture("level2_snapshot.json"), recv, m, err));
  ASSERT_TRUE(p.parse(read_coinbase_fixture("heartbeats.json"), recv, m, err));
  EXPECT_TRUE(m.books.empty());
  EXPECT_EQ(m.channel, coinbase_channel::heartbeats);
}

// One output reused message after message (its vectors keep their entries' capacity) holds exactly
// what a fresh one would.
TEST(CoinbaseParser, ReusedOutputMatchesAFreshOne) {
  coinbase_parser p;
  coinbase_message m;
  coinbase_parse_error err;
  for (const char* file : {"level2_snapshot.json", "market_trades_snapshot.json", "ticker_snapshot.json",
                           "candles_snapshot.json", "level2_snapshot.json", "heartbeats.json"}) {
    ASSERT_TRUE(p.parse(read_coinbase_fixture(file), recv, m, err)) << file << ": " << err.reason;
    const coinbase_message fresh = parse_ok(read_coinbase_fixture(file));
    ASSERT_EQ(m.books.size(), fresh.books.size()) << file;
    for (std::size_t i = 0; i < m.books.size(); ++i) {
      EXPECT_EQ(m.books[i].product_id, fresh.books[i].product_id);
      EXPECT_EQ(m.books[i].bids.size(), fresh.books[i].bids.size());
      EXPECT_EQ(m.books[i].asks.size(), fresh.books[i].asks.size());
      EXPECT_EQ(m.books[i].event_time_ns, fresh.books[i].event_time_ns);
    }
    ASSERT_EQ(m.trades.size(), fresh.trades.size()) << file;
    for (std::size_t i = 0; i < m.trades.size(); ++i) EXPECT_EQ(m.trades[i].t.trade_id, fresh.trades[i].t.trade_id);
    EXPECT_EQ(m.tickers.size(), fresh.tickers.size()) << file;
    EXPECT_EQ(m.candles.size(), fresh.candles.size()) << file;
    EXPECT_EQ(m.heartbeat_counter, fresh.heartbeat_counter) << file;
  }
}

// ---- malformed input: an error, with what could be read before it

TEST(CoinbaseParser, MalformedLevel2NamesItsProductAndSequence) {
  const auto e = parse_bad(
      R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50Z","sequence_num":42,"events":[{"type":"update","product_id":"ETH-USD","updates":[{"side":"bid","price_level":"1.0","new_quantity":"1"]}]})");
  EXPECT_EQ(e.channel, coinbase_channel::l2_data);
  EXPECT_EQ(e.product_id, "ETH-USD");
  EXPECT_TRUE(e.has_sequence);
  EXPECT_EQ(e.sequence_num, 42u);
}

TEST(CoinbaseParser, BadFieldsAreErrors) {
  const std::string head = R"({"channel":"l2_data","timestamp":"2023-02-09T20:32:50Z","sequence_num":1,"events":[)";
  for (
      const std::string& ev : {
          std::string(
              R"({"type":"update","product_id":"A-B","updates":[{"side":"middle","price_level":"1","new_quantity":"1"}]})"),
          std::string(
              R"({"type":"update","product_id":"A-B","updates":[{"side":"bid","price_level":"1e5","new_quantity":"1"}]})"),
          std::string(
              R"({"type":"update","product_id":"A-B","updates":[{"side":"bid","price_level":1.5,"new_quantity":"1"}]})"),
          std::string(
              R"({"type":"update","product_id":"A-B","updates":[{"side":"bid","price_level":"1","new_quantity":"-1"}]})"),
          std::string(R"({"type":"update","product_id":"A-B","updates":[{"side":"bid","new_quantity":"1"}]})"),
          std::string(R"({"type":"weird","product_id":"A-B","updates":[]})"),
          std::string(R"({"type":"update","updates":[]})"),
          std::string(
              R"({"type":"update","product_id":"A-B","updates":[{"side":"bid","event_time":"yesterday","price_level":"1","new_quantity":"1"}]})"),
      })
    parse_bad(head + ev + "]}");
  parse_bad(
      R"({"channel":"market_trades","sequence_num":1,"events":[{"type":"update","trades":[{"trade_id":"1","product_id":"A-B","price":"1","size":"1","side":"BUY"}]}]})");  // no time
  parse_bad(
      R"({"channel":"ticker","sequence_num":1,"events":[{"type":"update","tickers":[{"product_id":"A-B"}]}]})");  // no
                                                                                                                  // price
  parse_bad(
      R"({"channel":"candles","sequence_num":1,"events":[{"type":"update","candles":[{"start":"x","open":"1","high":"1","low":"1","close":"1","volume":"1","product_id":"A-B"}]}]})");
  parse_bad(R"({"channel":"l2_data","sequence_num":-1,"events":[]})");
  parse_bad(R"({"sequence_num":1,"events":[]})");
  parse_bad(R"([1,2])");
  parse_bad(R"(not json)");
  parse_bad(R"({"channel":"heartbeats"} trailing)");
  parse_bad("");
}

// ---- requests the adapter sends match the documented shape

TEST(CoinbaseRequests, MatchTheDocumentedSamples) {
  EXPECT_EQ(coinbase_request("subscribe", "level2", {"ETH-USD", "ETH-EUR"}),
            cb_minify(read_coinbase_fixture("subscribe_request_level2_no_auth.json")));
  EXPECT_EQ(coinbase_request("unsubscribe", "level2", {"ETH-USD", "ETH-EUR"}),
            cb_minify(read_coinbase_fixture("unsubscribe_request_level2_no_auth.json")));
  EXPECT_EQ(coinbase_request("subscribe", "heartbeats", {}), R"({"type":"subscribe","channel":"heartbeats"})");
}

}  // namespace
}  // namespace mdfan::adapters
