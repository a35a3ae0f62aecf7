// coinbase_session driven with hand-built message sequences through a fake session_io: subscriptions,
// the connection-wide sequence_num, book rules (gap, crossed, malformed, reset, reconnect), trades
// and candles.
#include "adapters/coinbase/session.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "coinbase/test_util.hpp"

namespace mdfan::adapters {
namespace {

using test::cb_fake_io;

constexpr std::int64_t recv = 1700000000000000000;

adapter_options options(std::vector<event_type> types = {event_type::ticker, event_type::trade, event_type::book},
                        std::string interval = "1m") {
  adapter_options o;
  o.exchange = exchange_id::coinbase;
  o.symbols = {"BTC-USD", "eth-usd"};
  o.types = std::move(types);
  o.candle_interval = std::move(interval);
  return o;
}

// One update: side, price, qty.
struct up {
  const char* side;
  const char* price;
  const char* qty;
};

std::string l2(std::uint64_t seq, const char* product, bool snapshot, std::initializer_list<up> updates,
               const char* time = "2023-02-09T20:32:50.5Z") {
  std::string u;
  for (const auto& x : updates) {
    if (!u.empty()) u += ',';
    u += fmt::format(R"({{"side":"{}","event_time":"{}","price_level":"{}","new_quantity":"{}"}})", x.side, time,
                     x.price, x.qty);
  }
  return fmt::format(
      R"({{"channel":"l2_data","client_id":"","timestamp":"{}","sequence_num":{},"events":[{{"type":"{}","product_id":"{}","updates":[{}]}}]}})",
      time, seq, snapshot ? "snapshot" : "update", product, u);
}

std::string heartbeat(std::uint64_t seq, const char* time = "2023-02-09T20:32:51Z") {
  return fmt::format(
      R"({{"channel":"heartbeats","client_id":"","timestamp":"{}","sequence_num":{},"events":[{{"current_time":"x","heartbeat_counter":{}}}]}})",
      time, seq, seq);
}

std::string ticker_msg(std::uint64_t seq, const char* product, const char* price) {
  return fmt::format(
      R"({{"channel":"ticker","client_id":"","timestamp":"2023-02-09T20:32:51Z","sequence_num":{},"events":[{{"type":"update","tickers":[{{"type":"ticker","product_id":"{}","price":"{}","best_bid":"1","best_ask":"2"}}]}}]}})",
      seq, product, price);
}

std::string trades_msg(std::uint64_t seq, const char* type, const char* product,
                       std::initializer_list<std::tuple<const char*, const char*, const char*, const char*>> trades) {
  std::string t;
  for (const auto& [id, price, size, time] : trades) {
    if (!t.empty()) t += ',';
    t += fmt::format(R"({{"trade_id":"{}","product_id":"{}","price":"{}","size":"{}","side":"BUY","time":"{}"}})", id,
                     product, price, size, time);
  }
  return fmt::format(
      R"({{"channel":"market_trades","client_id":"","timestamp":"2023-02-09T20:32:51Z","sequence_num":{},"events":[{{"type":"{}","trades":[{}]}}]}})",
      seq, type, t);
}

// The session, its fake connection and its metrics, with padded message delivery.
struct rig {
  explicit rig(adapter_options o = options()) : session(coinbase_config_from(o), metrics, test::cb_quiet()) {
    session.on_open(io);
  }
  void feed(const std::string& msg) {
    std::string padded = msg + std::string(64, '\0');
    session.on_message(std::string_view(padded.data(), msg.size()), recv, io);
  }
  std::int64_t resyncs(const char* product, const char* reason) const {
    return metrics.value("mdfan_adapter_resyncs_total",
                         fmt::format(R"(exchange="coinbase",instrument="{}",reason="{}")", product, reason));
  }
  std::vector<book_update> books_of(const char* product) const {
    std::vector<book_update> out;
    for (const auto& b : io.of<book_update>())
      if (b.symbol == product) out.push_back(b);
    return out;
  }
  // Both books synced from a subscriptions ack and two snapshots: sequence_num 1..3.
  void sync_both() {
    feed(
        R"({"channel":"subscriptions","client_id":"","timestamp":"2023-02-09T20:32:50Z","sequence_num":1,"events":[{"subscriptions":{}}]})");
    feed(l2(2, "BTC-USD", true, {{"bid", "100.5", "1"}, {"offer", "101", "2"}, {"bid", "100.75", "3"}}));
    feed(l2(3, "ETH-USD", true, {{"bid", "10", "1"}, {"offer", "11", "1"}}));
    ASSERT_TRUE(session.book("BTC-USD")->synced());
    ASSERT_TRUE(session.book("ETH-USD")->synced());
    io.clear();
  }

  metrics_registry metrics;
  cb_fake_io io;
  coinbase_session session;
};

TEST(CoinbaseSession, SubscribesEveryChannelOnOpen) {
  rig r;
  ASSERT_EQ(r.io.sent.size(), 4u);
  EXPECT_EQ(r.io.sent[0], R"({"type":"subscribe","channel":"heartbeats"})");
  EXPECT_EQ(r.io.sent[1], R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"ticker"})");
  EXPECT_EQ(r.io.sent[2], R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"market_trades"})");
  EXPECT_EQ(r.io.sent[3], R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"})");

  rig candles_only(options({event_type::candle}, "5m"));
  ASSERT_EQ(candles_only.io.sent.size(), 2u);
  EXPECT_EQ(candles_only.io.sent[1], R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"candles"})");

  rig built(options({event_type::candle}, "1m"));  // other intervals are built from market_trades
  ASSERT_EQ(built.io.sent.size(), 2u);
  EXPECT_EQ(built.io.sent[1], R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"market_trades"})");
}

TEST(CoinbaseSession, SnapshotThenUpdatesWithPerProductSequence) {
  rig r;
  r.sync_both();
  r.feed(l2(4, "BTC-USD", false, {{"bid", "100.5", "0"}, {"offer", "101.5", "4"}}));
  r.feed(l2(5, "ETH-USD", false, {{"bid", "10.5", "1"}}));
  r.feed(l2(6, "BTC-USD", false, {{"offer", "101", "2.5"}}));
  const auto btc = r.books_of("BTC-USD");
  ASSERT_EQ(btc.size(), 2u);
  EXPECT_FALSE(btc[0].snapshot);
  EXPECT_EQ(btc[0].first_sequence, 2u);  // the snapshot was 1: continuous although ETH messages came between
  EXPECT_EQ(btc[0].sequence, 2u);
  EXPECT_EQ(btc[1].sequence, 3u);
  EXPECT_EQ(btc[0].exchange_ts_ns, 1675974770500000000);
  const auto& book = r.session.book("BTC-USD")->book();
  ASSERT_EQ(book.bid_count(), 1u);
  EXPECT_EQ(book.bids()[0].price.str(), "100.75");
  EXPECT_EQ(book.asks()[0].size.str(), "2.5");
  EXPECT_EQ(r.session.sequence_gaps(), 0u);
  EXPECT_TRUE(r.io.sent.empty());
}

TEST(CoinbaseSession, SnapshotIsSortedAndEmittedOnce) {
  rig r;
  r.feed(
      l2(1, "BTC-USD", true, {{"offer", "102", "1"}, {"bid", "99", "1"}, {"offer", "101", "1"}, {"bid", "100", "2"}}));
  const auto b = r.books_of("BTC-USD");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(b[0].snapshot);
  EXPECT_EQ(b[0].sequence, 1u);
  ASSERT_EQ(b[0].bids.size(), 2u);
  EXPECT_EQ(b[0].bids[0].price.str(), "100");
  EXPECT_EQ(b[0].asks[0].price.str(), "101");
}

TEST(CoinbaseSession, SequenceGapResyncsEveryBookOfTheConnectionOnce) {
  rig r;
  r.sync_both();
  r.feed(l2(4, "BTC-USD", false, {{"bid", "100", "1"}}));
  r.io.clear();
  // sequence_num 5 is lost: the number alone cannot tell whose message it was.
  r.feed(l2(6, "ETH-USD", false, {{"bid", "10.5", "1"}}));
  EXPECT_EQ(r.session.sequence_gaps(), 1u);
  EXPECT_EQ(r.metrics.value("mdfan_adapter_sequence_gaps_total", R"(exchange="coinbase")"), 1);
  EXPECT_EQ(r.resyncs("BTC-USD", "gap"), 1);
  EXPECT_EQ(r.resyncs("ETH-USD", "gap"), 1);
  EXPECT_FALSE(r.session.book("BTC-USD")->synced());
  EXPECT_FALSE(r.session.book("ETH-USD")->synced());
  ASSERT_EQ(r.io.sent.size(), 2u);  // one unsubscribe and one subscribe, for both products
  EXPECT_EQ(r.io.sent[0], R"({"type":"unsubscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"})");
  EXPECT_EQ(r.io.sent[1], R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"})");
  EXPECT_TRUE(r.io.reconnects.empty());         // the connection stays
  EXPECT_TRUE(r.io.of<book_update>().empty());  // the update after the gap is not applied

  // Unsynced: updates are ignored, tickers flow, then the fresh snapshots resync.
  r.feed(l2(7, "BTC-USD", false, {{"bid", "100", "5"}}));
  r.feed(ticker_msg(8, "BTC-USD", "100.9"));
  EXPECT_TRUE(r.io.of<book_update>().empty());
  EXPECT_EQ(r.io.of<ticker>().size(), 1u);
  r.feed(l2(9, "BTC-USD", true, {{"bid", "100", "1"}, {"offer", "101", "1"}}));
  r.feed(l2(10, "ETH-USD", true, {{"bid", "10", "1"}, {"offer", "11", "1"}}));
  const auto books = r.io.of<book_update>();
  ASSERT_EQ(books.size(), 2u);
  EXPECT_TRUE(books[0].snapshot && books[1].snapshot);
  EXPECT_EQ(r.resyncs("BTC-USD", "gap"), 1);
  EXPECT_EQ(r.resyncs("BTC-USD", "reset"), 0);  // an awaited snapshot is no reset
  EXPECT_EQ(r.session.book("BTC-USD")->counts().ignored, 1u);
}

TEST(CoinbaseSession, OutOfOrderSequenceIsAGapToo) {
  rig r;
  r.sync_both();
  r.feed(heartbeat(2));
  EXPECT_EQ(r.session.sequence_gaps(), 1u);
  EXPECT_EQ(r.resyncs("ETH-USD", "gap"), 1);
}

TEST(CoinbaseSession, CrossedUpdateResyncsThatProductOnly) {
  rig r;
  r.sync_both();
  r.feed(l2(4, "BTC-USD", false, {{"bid", "101", "1"}}));  // bid at the best ask: crossed
  EXPECT_EQ(r.resyncs("BTC-USD", "crossed"), 1);
  EXPECT_EQ(r.resyncs("ETH-USD", "crossed"), 0);
  EXPECT_FALSE(r.session.book("BTC-USD")->synced());
  EXPECT_TRUE(r.session.book("ETH-USD")->synced());
  ASSERT_EQ(r.io.sent.size(), 2u);
  EXPECT_EQ(r.io.sent[0], R"({"type":"unsubscribe","product_ids":["BTC-USD"],"channel":"level2"})");
  EXPECT_EQ(r.io.sent[1], R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"})");
  EXPECT_TRUE(r.io.of<book_update>().empty());  // the crossed update is not emitted
  r.feed(l2(5, "ETH-USD", false, {{"bid", "10.5", "1"}}));
  const auto eth = r.books_of("ETH-USD");
  ASSERT_EQ(eth.size(), 1u);
  EXPECT_EQ(eth[0].first_sequence, 2u);  // ETH continues untouched
}

TEST(CoinbaseSession, MalformedLevel2ResyncsTheProductItNames) {
  rig r;
  r.sync_both();
  r.feed(
      R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50Z","sequence_num":4,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"1.0","new_quantity":"1"]}]})");
  EXPECT_EQ(r.session.malformed(), 1u);
  EXPECT_EQ(r.metrics.value("mdfan_adapter_malformed_total", R"(exchange="coinbase")"), 1);
  EXPECT_EQ(r.resyncs("BTC-USD", "malformed"), 1);
  EXPECT_EQ(r.resyncs("ETH-USD", "malformed"), 0);
  EXPECT_TRUE(r.session.book("ETH-USD")->synced());
  EXPECT_EQ(r.io.sent.size(), 2u);
  r.feed(heartbeat(5));  // its sequence_num was read: no gap follows
  EXPECT_EQ(r.session.sequence_gaps(), 0u);
}

TEST(CoinbaseSession, UnreadableMessageResyncsEveryBook) {
  rig r;
  r.sync_both();
  r.feed("\x01garbage{");
  EXPECT_EQ(r.session.malformed(), 1u);
  EXPECT_EQ(r.resyncs("BTC-USD", "malformed"), 1);
  EXPECT_EQ(r.resyncs("ETH-USD", "malformed"), 1);
  // The lost message had taken sequence_num 4: the next one shows the gap, counted, but the books
  // are already unsynced (one fault, one resync each).
  r.feed(heartbeat(5));
  EXPECT_EQ(r.session.sequence_gaps(), 1u);
  EXPECT_EQ(r.resyncs("BTC-USD", "gap"), 0);
}

TEST(CoinbaseSession, MalformedOtherChannelLeavesBooksAlone) {
  rig r;
  r.sync_both();
  r.feed(R"({"channel":"ticker","sequence_num":4,"events":[{"type":"update","tickers":[{"product_id":"BTC-USD"}]}]})");
  EXPECT_EQ(r.session.malformed(), 1u);
  EXPECT_TRUE(r.session.book("BTC-USD")->synced());
  EXPECT_TRUE(r.io.sent.empty());
}

TEST(CoinbaseSession, UnexpectedSnapshotIsAResetAwaitedOneIsNot) {
  rig r;
  r.sync_both();
  r.feed(l2(4, "BTC-USD", true, {{"bid", "100", "1"}, {"offer", "101", "1"}}));
  EXPECT_EQ(r.resyncs("BTC-USD", "reset"), 1);
  EXPECT_TRUE(r.session.book("BTC-USD")->synced());
  ASSERT_EQ(r.books_of("BTC-USD").size(), 1u);
  EXPECT_TRUE(r.books_of("BTC-USD")[0].snapshot);
}

TEST(CoinbaseSession, ReconnectResyncsAndRestartsTheSequence) {
  rig r;
  r.sync_both();
  r.session.on_close();
  EXPECT_EQ(r.resyncs("BTC-USD", "reconnect"), 1);
  EXPECT_EQ(r.resyncs("ETH-USD", "reconnect"), 1);
  r.io.clear();
  r.session.on_open(r.io);
  EXPECT_EQ(r.io.sent.size(), 4u);
  r.feed(heartbeat(1));  // a new connection counts from its own start: no gap
  r.feed(l2(2, "BTC-USD", true, {{"bid", "100", "1"}, {"offer", "101", "1"}}));
  EXPECT_EQ(r.session.sequence_gaps(), 0u);
  EXPECT_TRUE(r.session.book("BTC-USD")->synced());
  EXPECT_EQ(r.resyncs("BTC-USD", "reset"), 0);
  r.session.on_close();
  r.session.on_close();  // an unsynced book is not counted twice
  EXPECT_EQ(r.resyncs("BTC-USD", "reconnect"), 2);
  EXPECT_EQ(r.resyncs("ETH-USD", "reconnect"), 1);
}

TEST(CoinbaseSession, RejectedSnapshotRetriesBoundedly) {
  rig r;
  for (std::uint64_t i = 1; i <= 6; ++i)
    r.feed(l2(i, "BTC-USD", true, {{"bid", "101", "1"}, {"offer", "100", "1"}}));  // crossed
  EXPECT_FALSE(r.session.book("BTC-USD")->synced());
  EXPECT_EQ(r.session.resubscribes(), 3u);
  EXPECT_TRUE(r.io.of<book_update>().empty());
}

TEST(CoinbaseSession, SnapshotThatNeverComesIsAskedForAgain) {
  rig r;
  r.io.clear();
  r.feed(heartbeat(1, "2023-02-09T20:32:50Z"));  // the connection's first exchange time
  r.feed(R"({"type":"error","message":"Failed to subscribe"})");
  r.feed(l2(2, "ETH-USD", true, {{"bid", "10", "1"}, {"offer", "11", "1"}}));
  r.feed(heartbeat(3, "2023-02-09T20:32:59Z"));
  EXPECT_TRUE(r.io.sent.empty());
  r.feed(heartbeat(4, "2023-02-09T20:33:00Z"));  // 10 s without BTC's snapshot
  ASSERT_EQ(r.io.sent.size(), 2u);
  EXPECT_EQ(r.io.sent[0], R"({"type":"unsubscribe","product_ids":["BTC-USD"],"channel":"level2"})");
  EXPECT_EQ(r.io.sent[1], R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"})");
  r.feed(heartbeat(5, "2023-02-09T20:33:05Z"));
  EXPECT_EQ(r.io.sent.size(), 2u);  // waiting again, from the new request
  r.feed(l2(6, "BTC-USD", true, {{"bid", "100", "1"}, {"offer", "101", "1"}}));
  EXPECT_TRUE(r.session.book("BTC-USD")->synced());
  r.feed(heartbeat(7, "2023-02-09T20:34:00Z"));
  EXPECT_EQ(r.io.sent.size(), 2u);
  EXPECT_EQ(r.resyncs("BTC-USD", "reset"), 0);
}

TEST(CoinbaseSession, OtherProductsAndControlTrafficEmitNothing) {
  rig r;
  r.feed(l2(1, "SOL-USD", true, {{"bid", "1", "1"}}));
  r.feed(heartbeat(2));
  r.feed(R"({"type":"error","message":"Failed to subscribe"})");
  r.feed(ticker_msg(3, "SOL-USD", "1"));
  EXPECT_TRUE(r.io.events.empty());
  EXPECT_EQ(r.session.malformed(), 0u);
}

TEST(CoinbaseSession, TradesSkipSnapshotHistoryAndComeOldestFirst) {
  rig r;
  r.feed(trades_msg(1, "snapshot", "BTC-USD", {{"1", "100", "1", "2023-02-09T20:32:40Z"}}));
  EXPECT_TRUE(r.io.events.empty());
  r.feed(trades_msg(2, "update", "BTC-USD",
                    {{"3", "101", "0.5", "2023-02-09T20:32:50.2Z"}, {"2", "100.5", "0.25", "2023-02-09T20:32:50.1Z"}}));
  const auto t = r.io.of<trade>();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].trade_id, "2");
  EXPECT_EQ(t[1].trade_id, "3");
  EXPECT_EQ(t[0].aggressor, side::sell);
}

TEST(CoinbaseSession, CandlesBuiltFromTradesForOneMinute) {
  rig r(options({event_type::candle}, "1m"));
  r.feed(trades_msg(1, "update", "BTC-USD",
                    {{"2", "100.5", "0.25", "2023-02-09T20:32:50.1Z"}, {"3", "101", "0.5", "2023-02-09T20:32:50.2Z"}}));
  EXPECT_TRUE(r.io.of<trade>().empty());  // trades were not asked for
  auto c = r.io.of<candle>();
  ASSERT_EQ(c.size(), 1u);  // one update per batch
  EXPECT_EQ(c[0].interval, "1m");
  EXPECT_EQ(c[0].open.str(), "100.5");
  EXPECT_EQ(c[0].close.str(), "101");
  EXPECT_EQ(c[0].volume.str(), "0.75");
  EXPECT_EQ(c[0].quote_volume.str(), "75.625");
  EXPECT_EQ(c[0].trades, 2u);
  EXPECT_FALSE(c[0].closed);
  // 20:33:00 + 2 s grace: a heartbeat at 20:33:02 closes the bar.
  r.feed(heartbeat(2, "2023-02-09T20:33:01Z"));
  EXPECT_EQ(r.io.of<candle>().size(), 1u);
  r.feed(heartbeat(3, "2023-02-09T20:33:02Z"));
  c = r.io.of<candle>();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_TRUE(c[1].closed);
  EXPECT_EQ(c[1].open_time_ns, 1675974720000000000);
}

TEST(CoinbaseSession, NativeFiveMinuteCandlesCloseWhenTheNextBarStarts) {
  rig r(options({event_type::candle}, "5m"));
  auto bar = [](std::uint64_t seq, const char* start, const char* close) {
    return fmt::format(
        R"({{"channel":"candles","client_id":"","timestamp":"2023-06-09T20:19:35Z","sequence_num":{},"events":[{{"type":"update","candles":[{{"start":"{}","high":"2","low":"1","open":"1.5","close":"{}","volume":"3","product_id":"ETH-USD"}}]}}]}})",
        seq, start, close);
  };
  r.feed(bar(1, "1688998200", "1.6"));
  r.feed(bar(2, "1688998200", "1.7"));
  r.feed(bar(3, "1688998500", "1.8"));
  r.feed(bar(4, "1688998200", "1.9"));  // older than the open bar: ignored
  const auto c = r.io.of<candle>();
  ASSERT_EQ(c.size(), 4u);
  EXPECT_FALSE(c[0].closed);
  EXPECT_EQ(c[1].close.str(), "1.7");
  EXPECT_TRUE(c[2].closed);
  EXPECT_EQ(c[2].close.str(), "1.7");
  EXPECT_EQ(c[2].open_time_ns, 1688998200LL * 1'000'000'000);
  EXPECT_FALSE(c[3].closed);
  EXPECT_EQ(c[3].close.str(), "1.8");
}

TEST(CoinbaseSession, FailedSendReconnects) {
  metrics_registry metrics;
  cb_fake_io io;
  io.send_ok = false;
  coinbase_session s(coinbase_config_from(options()), metrics, test::cb_quiet());
  s.on_open(io);
  EXPECT_EQ(io.reconnects.size(), 1u);
}

}  // namespace
}  // namespace mdfan::adapters

namespace mdfan::adapters {
namespace {

// One pass through a session of a planned connection, with padded delivery.
void feed_to(coinbase_session& s, cb_fake_io& io, const std::string& msg) {
  std::string padded = msg + std::string(64, '\0');
  s.on_message(std::string_view(padded.data(), msg.size()), recv, io);
}

// The adapter's layout: each product's level2 on a connection of its own. A gap on A's connection
// resyncs A alone; B's connection, with its own sequence_num, never sees it.
TEST(CoinbaseSession, GapOnAProductsLevel2ConnectionResyncsThatProductOnly) {
  metrics_registry metrics;
  auto plans = plan_coinbase_connections(coinbase_config_from(options({event_type::book})));
  ASSERT_EQ(plans.size(), 2u);
  coinbase_session a(plans[0].cfg, metrics, test::cb_quiet()), b(plans[1].cfg, metrics, test::cb_quiet());
  cb_fake_io ia, ib;
  a.on_open(ia);
  b.on_open(ib);
  EXPECT_EQ(ia.sent.back(), R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"})");
  EXPECT_EQ(ib.sent.back(), R"({"type":"subscribe","product_ids":["ETH-USD"],"channel":"level2"})");
  feed_to(a, ia, l2(1, "BTC-USD", true, {{"bid", "100", "1"}, {"offer", "101", "1"}}));
  feed_to(b, ib, l2(1, "ETH-USD", true, {{"bid", "10", "1"}, {"offer", "11", "1"}}));
  feed_to(a, ia, l2(2, "BTC-USD", false, {{"bid", "100", "2"}}));
  feed_to(b, ib, l2(2, "ETH-USD", false, {{"bid", "10", "2"}}));
  ia.clear();
  ib.clear();
  feed_to(a, ia, l2(4, "BTC-USD", false, {{"bid", "100", "3"}}));  // 3 lost on A's connection
  feed_to(b, ib, l2(3, "ETH-USD", false, {{"bid", "10", "3"}}));
  EXPECT_EQ(metrics.value("mdfan_adapter_resyncs_total", R"(exchange="coinbase",instrument="BTC-USD",reason="gap")"),
            1);
  EXPECT_EQ(metrics.value("mdfan_adapter_resyncs_total", R"(exchange="coinbase",instrument="ETH-USD",reason="gap")"),
            0);
  EXPECT_FALSE(a.book("BTC-USD")->synced());
  EXPECT_TRUE(b.book("ETH-USD")->synced());
  EXPECT_EQ(ia.sent,
            (std::vector<std::string>{R"({"type":"unsubscribe","product_ids":["BTC-USD"],"channel":"level2"})",
                                      R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"})"}));
  EXPECT_TRUE(ib.sent.empty());
  ASSERT_EQ(ib.of<book_update>().size(), 1u);  // B's update applied and emitted as usual
  EXPECT_FALSE(ib.of<book_update>()[0].snapshot);
  EXPECT_TRUE(ia.reconnects.empty() && ib.reconnects.empty());
}

// Subscribes of every connection share one window (8 messages per 1.1 s per IP): beyond it they wait
// in order, are counted, and leave on the pace tick once due. Nothing is dropped.
TEST(CoinbaseSession, SubscribesArePacedAcrossConnections) {
  metrics_registry metrics;
  adapter_options o = options({event_type::book});
  o.symbols = {"A1-USD", "A2-USD", "A3-USD", "A4-USD", "A5-USD"};
  auto plans = plan_coinbase_connections(coinbase_config_from(o));
  ASSERT_EQ(plans.size(), 5u);
  auto window = std::make_shared<request_window>(8, std::chrono::milliseconds(1100));
  std::vector<std::unique_ptr<coinbase_session>> sessions;
  std::vector<cb_fake_io> ios(plans.size());
  for (auto& p : plans) {
    p.cfg.subscribe_window = window;
    sessions.push_back(std::make_unique<coinbase_session>(p.cfg, metrics, test::cb_quiet()));
  }
  const std::int64_t t0 = 1'700'000'000'000'000'000;
  std::size_t sent = 0;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    ios[i].now = t0;
    sessions[i]->on_open(ios[i]);
    sent += ios[i].sent.size();
  }
  EXPECT_EQ(sent, 8u);  // 10 messages asked for, 8 within the budget
  EXPECT_EQ(metrics.value("mdfan_adapter_requests_delayed_total", R"(exchange="coinbase")"), 2);
  EXPECT_EQ(sessions[4]->pacer().pending(), 2u);
  ios[4].now = t0 + 1'000'000'000;  // still inside the window: nothing leaves
  sessions[4]->on_ping(ios[4]);
  EXPECT_TRUE(ios[4].sent.empty());
  ios[4].now = t0 + 1'100'000'000;
  sessions[4]->on_ping(ios[4]);
  EXPECT_EQ(ios[4].sent,
            (std::vector<std::string>{R"({"type":"subscribe","channel":"heartbeats"})",
                                      R"({"type":"subscribe","product_ids":["A5-USD"],"channel":"level2"})"}));
  EXPECT_EQ(sessions[4]->pacer().pending(), 0u);
}

TEST(CoinbaseRequestWindow, SlidingWindowNeverRefuses) {
  request_window w(3, std::chrono::nanoseconds(1000));
  EXPECT_EQ(w.reserve(0), 0);
  EXPECT_EQ(w.reserve(10), 10);
  EXPECT_EQ(w.reserve(20), 20);
  EXPECT_EQ(w.reserve(30), 1000);  // the 4th must wait until the 1st leaves the window
  EXPECT_EQ(w.reserve(40), 1010);
  EXPECT_EQ(w.reserve(5000), 5000);
  EXPECT_EQ(w.reserve(0), 5000);  // FIFO: never before an earlier reservation
}

}  // namespace
}  // namespace mdfan::adapters
