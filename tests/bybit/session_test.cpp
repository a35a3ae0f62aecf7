// Bybit book, ticker and candle rules on hand-built message sequences, through bybit_session with a
// fake connection: every fault resyncs exactly one book, by unsubscribe + subscribe of its topic on
// the same connection, and nothing is emitted for it until its fresh snapshot.
#include "adapters/bybit/session.hpp"

#include <gtest/gtest.h>

#include "bybit/test_util.hpp"
#include "core/metrics.hpp"
#include "feed/feed_test_util.hpp"

namespace mdfan::test {
namespace {

using namespace mdfan::adapters;

std::int64_t resyncs(const metrics_registry& m, std::string_view instrument, std::string_view reason) {
  return m.value("mdfan_adapter_resyncs_total",
                 fmt::format(R"(exchange="bybit",instrument="{}",reason="{}")", instrument, reason));
}

struct harness {
  explicit harness(adapter_options o) : opts(std::move(o)), cfg(make_bybit_config(opts)) {
    session = std::make_unique<bybit_session>(cfg, cfg.symbols, metrics, quiet());
    session->on_open(io);
  }
  static adapter_options linear_books() {
    adapter_options o;
    o.exchange = exchange_id::bybit;
    o.market = "linear";
    o.symbols = {"BTCUSDT", "ETHUSDT"};
    o.types = {event_type::book};
    return o;
  }
  void feed(const std::string& text) {
    const padded m(text);
    session->on_message(m.view(), 7, io);
  }
  std::vector<book_update> books(std::string_view symbol) const {
    std::vector<book_update> out;
    for (const auto& e : io.events)
      if (const auto* b = std::get_if<book_update>(&e); b && b->symbol == symbol) out.push_back(*b);
    return out;
  }
  std::size_t resubscribes(std::string_view topic) const {
    std::size_t n = 0;
    for (const auto& s : io.sent)
      if (s.find("\"op\":\"subscribe\"") != std::string::npos && s.find(topic) != std::string::npos) ++n;
    return n;
  }
  // Both books synced at u=10 with a one-level book each.
  void sync_both() {
    feed(book_msg("BTCUSDT", "snapshot", 10, R"([["100.0","1"]])", R"([["101.0","1"]])"));
    feed(book_msg("ETHUSDT", "snapshot", 10, R"([["10.0","1"]])", R"([["11.0","1"]])"));
    io.sent.clear();
    io.events.clear();
  }

  adapter_options opts;
  bybit_config cfg;
  metrics_registry metrics;
  fake_io io;
  std::unique_ptr<bybit_session> session;
};

TEST(BybitSession, SubscribesOnOpenWithinTheSpotArgsLimit) {
  adapter_options o;
  o.market = "spot";
  o.symbols = {"BTCUSDT", "ETH-USDT", "SOLUSDT"};
  o.types = {event_type::ticker, event_type::trade, event_type::book, event_type::candle};
  harness h(o);
  // 3 symbols x 4 topics = 12 args: spot takes at most 10 per request.
  ASSERT_EQ(h.io.sent.size(), 2u);
  EXPECT_EQ(
      h.io.sent[0],
      R"({"req_id":"sub","op":"subscribe","args":["tickers.BTCUSDT","publicTrade.BTCUSDT","kline.1.BTCUSDT",)"
      R"("orderbook.50.BTCUSDT","tickers.ETHUSDT","publicTrade.ETHUSDT","kline.1.ETHUSDT","orderbook.50.ETHUSDT",)"
      R"("tickers.SOLUSDT","publicTrade.SOLUSDT"]})");
  EXPECT_EQ(h.io.sent[1], R"({"req_id":"sub","op":"subscribe","args":["kline.1.SOLUSDT","orderbook.50.SOLUSDT"]})");

  o.market = "linear";
  harness l(o);
  ASSERT_EQ(l.io.sent.size(), 1u);  // linear: no per-request limit
}

TEST(BybitSession, SnapshotThenContiguousDeltas) {
  harness h(harness::linear_books());
  h.feed(book_msg("BTCUSDT", "delta", 9, "[]", R"([["101.0","2"]])"));  // before any snapshot: ignored
  EXPECT_TRUE(h.io.events.empty());
  h.feed(book_msg("BTCUSDT", "snapshot", 10, R"([["100.0","1"],["99.0","2"]])", R"([["101.0","1"]])"));
  h.feed(book_msg("BTCUSDT", "delta", 11, R"([["99.0","0"]])", R"([["102.0","3"]])"));
  h.feed(book_msg("BTCUSDT", "delta", 12, R"([["100.5","4"]])", "[]"));
  const auto b = h.books("BTCUSDT");
  ASSERT_EQ(b.size(), 3u);
  EXPECT_TRUE(b[0].snapshot);
  EXPECT_EQ(b[0].sequence, 10u);
  EXPECT_EQ(b[0].instrument, "BTC-USDT");
  EXPECT_TRUE(same_levels(b[0].bids, levels({{"100.0", "1"}, {"99.0", "2"}})));
  EXPECT_FALSE(b[1].snapshot);
  EXPECT_EQ(b[1].sequence, 11u);
  EXPECT_EQ(b[1].first_sequence, 11u);
  EXPECT_EQ(b[2].sequence, 12u);
  const auto* k = h.session->book("BTCUSDT");
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(k->synced());
  EXPECT_EQ(show(k->book().bids()), "[[100.5,4][100.0,1]]");
  EXPECT_EQ(show(k->book().asks()), "[[101.0,1][102.0,3]]");
  EXPECT_EQ(k->counts().resyncs, 0u);
  EXPECT_EQ(h.metrics.value("mdfan_adapter_books_synced", R"(exchange="bybit")"), 1);
}

// A gap, a stale (non-advancing) u, a crossed book and a malformed message each resync exactly the
// book concerned, once, by unsubscribe + subscribe of its topic; the other book is untouched.
TEST(BybitSession, FaultsResyncOneBookOnly) {
  struct fault {
    const char* name;
    std::string message;
    const char* reason;
  };
  const std::vector<fault> faults = {
      {"gap", book_msg("BTCUSDT", "delta", 12, R"([["100.0","2"]])", "[]"), "gap"},
      {"stale u", book_msg("BTCUSDT", "delta", 10, R"([["100.0","2"]])", "[]"), "gap"},
      {"crossed", book_msg("BTCUSDT", "delta", 11, R"([["101.5","2"]])", "[]"), "crossed"},
      {"malformed", R"({"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["oops)", "malformed"},
  };
  for (const auto& f : faults) {
    SCOPED_TRACE(f.name);
    harness h(harness::linear_books());
    h.sync_both();
    h.feed(f.message);
    EXPECT_EQ(resyncs(h.metrics, "BTC-USDT", f.reason), 1);
    EXPECT_FALSE(h.session->book("BTCUSDT")->synced());
    EXPECT_TRUE(h.session->book("ETHUSDT")->synced());
    ASSERT_EQ(h.io.sent.size(), 2u);
    EXPECT_EQ(h.io.sent[0], R"({"req_id":"resync-BTCUSDT","op":"unsubscribe","args":["orderbook.50.BTCUSDT"]})");
    EXPECT_EQ(h.io.sent[1], R"({"req_id":"resync-BTCUSDT","op":"subscribe","args":["orderbook.50.BTCUSDT"]})");
    EXPECT_TRUE(h.io.reconnects.empty());
    EXPECT_TRUE(h.books("BTCUSDT").empty());

    // In-flight deltas of the old subscription, and further faults, change nothing.
    h.feed(book_msg("BTCUSDT", "delta", 13, R"([["100.0","3"]])", "[]"));
    h.feed(book_msg("BTCUSDT", "delta", 20, R"([["100.0","3"]])", "[]"));
    h.feed(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","data":)");
    EXPECT_TRUE(h.books("BTCUSDT").empty());
    EXPECT_EQ(h.io.sent.size(), 2u);  // one resubscribe per fault
    // ETH continues.
    h.feed(book_msg("ETHUSDT", "delta", 11, R"([["10.5","1"]])", "[]"));
    ASSERT_EQ(h.books("ETHUSDT").size(), 1u);
    EXPECT_FALSE(h.books("ETHUSDT")[0].snapshot);

    // The fresh snapshot resyncs BTC; nothing more is counted.
    h.feed(book_msg("BTCUSDT", "snapshot", 500, R"([["100.0","7"]])", R"([["101.0","1"]])"));
    h.feed(book_msg("BTCUSDT", "delta", 501, R"([["100.0","8"]])", "[]"));
    const auto b = h.books("BTCUSDT");
    ASSERT_EQ(b.size(), 2u);
    EXPECT_TRUE(b[0].snapshot);
    EXPECT_EQ(b[1].sequence, 501u);
    EXPECT_EQ(h.session->book("BTCUSDT")->counts().resyncs, 1u);
    EXPECT_EQ(h.session->book("ETHUSDT")->counts().resyncs, 0u);
    EXPECT_EQ(h.metrics.value("mdfan_adapter_books_synced", R"(exchange="bybit")"), 2);
  }
}

TEST(BybitSession, MalformedNonBookMessageResyncsNothing) {
  harness h(harness::linear_books());
  h.sync_both();
  h.feed(R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","data":[{"T":"x"}]})");
  h.feed("garbage");
  EXPECT_TRUE(h.session->book("BTCUSDT")->synced());
  EXPECT_TRUE(h.io.sent.empty());
  EXPECT_EQ(h.session->malformed_messages(), 2u);
}

// Bybit re-sends a snapshot when it has a problem, and u == 1 marks a service restart: both
// replace the book, counted as an exchange `reset`, without a resubscribe.
TEST(BybitSession, UnexpectedSnapshotAndRestartAreResets) {
  harness h(harness::linear_books());
  h.sync_both();
  h.feed(book_msg("BTCUSDT", "snapshot", 30, R"([["99.0","1"]])", R"([["100.0","1"]])"));
  EXPECT_EQ(resyncs(h.metrics, "BTC-USDT", "reset"), 1);
  EXPECT_TRUE(h.session->book("BTCUSDT")->synced());
  EXPECT_EQ(show(h.session->book("BTCUSDT")->book().bids()), "[[99.0,1]]");
  h.feed(book_msg("BTCUSDT", "delta", 31, R"([["98.0","1"]])", "[]"));

  // u == 1 (service restart), even typed as a delta, is a full book.
  h.feed(book_msg("BTCUSDT", "delta", 1, R"([["50.0","1"]])", R"([["51.0","1"]])"));
  EXPECT_EQ(resyncs(h.metrics, "BTC-USDT", "reset"), 2);
  EXPECT_EQ(show(h.session->book("BTCUSDT")->book().bids()), "[[50.0,1]]");
  h.feed(book_msg("BTCUSDT", "delta", 2, R"([["50.5","1"]])", "[]"));
  const auto b = h.books("BTCUSDT");
  ASSERT_EQ(b.size(), 4u);
  EXPECT_TRUE(b[0].snapshot);
  EXPECT_EQ(b[1].sequence, 31u);
  EXPECT_TRUE(b[2].snapshot);
  EXPECT_EQ(b[2].sequence, 1u);
  EXPECT_EQ(b[3].sequence, 2u);
  EXPECT_TRUE(h.io.sent.empty());
  EXPECT_EQ(resyncs(h.metrics, "ETH-USDT", "reset"), 0);
}

// Level 1 is snapshot-only and repeats every 3 s with the same u: neither is a reset, and the
// unchanged repeat emits nothing.
TEST(BybitSession, LevelOneSnapshotsAreTheStream) {
  auto o = harness::linear_books();
  o.book_depth = 1;
  harness h(o);
  h.feed(book_msg("BTCUSDT", "snapshot", 5, R"([["100.0","1"]])", R"([["101.0","1"]])", 1));
  h.feed(book_msg("BTCUSDT", "snapshot", 5, R"([["100.0","1"]])", R"([["101.0","1"]])", 1));
  h.feed(book_msg("BTCUSDT", "snapshot", 6, R"([["100.0","2"]])", R"([["101.0","1"]])", 1));
  h.feed(book_msg("BTCUSDT", "snapshot", 7, R"([["100.0","2"]])", R"([["101.0","1"]])", 50));  // not our depth
  EXPECT_EQ(h.books("BTCUSDT").size(), 2u);
  EXPECT_EQ(h.session->book("BTCUSDT")->counts().resyncs, 0u);
}

TEST(BybitSession, ReconnectResyncsSyncedBooksAndResubscribesAll) {
  harness h(harness::linear_books());
  h.feed(book_msg("BTCUSDT", "snapshot", 10, R"([["100.0","1"]])", R"([["101.0","1"]])"));
  h.session->on_close();
  EXPECT_EQ(resyncs(h.metrics, "BTC-USDT", "reconnect"), 1);
  EXPECT_EQ(resyncs(h.metrics, "ETH-USDT", "reconnect"), 0);  // was not synced
  h.io.sent.clear();
  h.session->on_open(h.io);
  ASSERT_EQ(h.io.sent.size(), 1u);
  EXPECT_EQ(h.io.sent[0],
            R"({"req_id":"sub","op":"subscribe","args":["orderbook.50.BTCUSDT","orderbook.50.ETHUSDT"]})");
  h.feed(book_msg("BTCUSDT", "delta", 11, R"([["100.0","2"]])", "[]"));  // no snapshot yet
  EXPECT_EQ(h.books("BTCUSDT").size(), 1u);
}

TEST(BybitSession, PingsAndRetriesAResyncWhoseSnapshotNeverCame) {
  harness h(harness::linear_books());
  h.sync_both();
  h.session->on_ping(h.io);
  ASSERT_EQ(h.io.sent.size(), 1u);
  EXPECT_EQ(h.io.sent[0], R"({"req_id":"ping","op":"ping"})");
  h.io.sent.clear();
  h.feed(book_msg("BTCUSDT", "delta", 15, "[]", "[]"));
  EXPECT_EQ(h.resubscribes("orderbook.50.BTCUSDT"), 1u);
  h.io.now += 5'000'000'000;  // 5 s: not yet
  h.session->on_ping(h.io);
  EXPECT_EQ(h.resubscribes("orderbook.50.BTCUSDT"), 1u);
  h.io.now += 6'000'000'000;  // 11 s after the resubscribe
  h.session->on_ping(h.io);
  EXPECT_EQ(h.resubscribes("orderbook.50.BTCUSDT"), 2u);
  EXPECT_EQ(resyncs(h.metrics, "BTC-USDT", "gap"), 1);  // still one fault
}

TEST(BybitSession, LinearTickerDeltasAreMergedIntoTheSnapshot) {
  auto o = harness::linear_books();
  o.types = {event_type::ticker};
  harness h(o);
  const std::string delta =
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"66666.50","bid1Size":"1.5"},"cs":9532239430,"ts":1760325052730})";
  h.feed(delta);  // before the snapshot: no full state to merge into
  EXPECT_TRUE(h.io.events.empty());
  h.feed(minify(read_bybit_fixture("tickers_linear_perpetual.json")));
  h.feed(delta);
  ASSERT_EQ(h.io.events.size(), 2u);
  const auto& t = std::get<ticker>(h.io.events[1]);
  EXPECT_EQ(t.bid_price.str(), "66666.50");
  EXPECT_EQ(t.bid_size.str(), "1.5");
  EXPECT_EQ(t.ask_price.str(), "66666.70");  // from the snapshot
  EXPECT_EQ(t.last_price.str(), "66666.60");
  EXPECT_EQ(t.volume_24h.str(), "73191.3870");
  EXPECT_EQ(t.sequence, 9532239430u);
  EXPECT_EQ(t.instrument, "BTC-USDT");
  // After a reconnect the state is gone until the next snapshot.
  h.session->on_close();
  h.session->on_open(h.io);
  h.feed(delta);
  EXPECT_EQ(h.io.events.size(), 2u);
}

TEST(BybitSession, SpotTickersTradesAndKlines) {
  adapter_options o;
  o.market = "spot";
  o.symbols = {"BTC-USDT"};
  o.types = {event_type::ticker, event_type::trade, event_type::candle};
  o.candle_interval = "5m";
  harness h(o);
  EXPECT_NE(h.io.sent[0].find("kline.5.BTCUSDT"), std::string::npos);
  h.feed(minify(read_bybit_fixture("tickers_spot.json")));
  h.feed(minify(read_bybit_fixture("publicTrade_linear.json")));
  h.feed(minify(read_bybit_fixture("kline_5_linear.json")));
  ASSERT_EQ(h.io.events.size(), 3u);
  EXPECT_EQ(std::get<ticker>(h.io.events[0]).last_price.str(), "21109.77");
  EXPECT_EQ(std::get<trade>(h.io.events[1]).trade_id, "20f43950-d8dd-5b31-9112-a178eb6023af");
  EXPECT_EQ(std::get<candle>(h.io.events[2]).interval, "5m");
  EXPECT_EQ(std::get<candle>(h.io.events[2]).instrument, "BTC-USDT");
}

// An interval without a kline channel is built from publicTrade, which is then subscribed even
// though trades themselves were not asked for.
TEST(BybitSession, CandlesAggregatedFromTradesForOtherIntervals) {
  adapter_options o;
  o.market = "linear";
  o.symbols = {"BTCUSDT"};
  o.types = {event_type::candle};
  o.candle_interval = "2m";
  harness h(o);
  ASSERT_EQ(h.io.sent.size(), 1u);
  EXPECT_EQ(h.io.sent[0], R"({"req_id":"sub","op":"subscribe","args":["publicTrade.BTCUSDT"]})");
  auto trade_msg = [](std::int64_t t_ms, const char* price, const char* size) {
    return fmt::format(
        R"({{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":{},"data":[{{"T":{},"s":"BTCUSDT","S":"Buy","v":"{}","p":"{}","i":"{}","BT":false}}]}})",
        t_ms, t_ms, size, price, t_ms);
  };
  const std::int64_t t0 = 1'700'000'040'000;  // a multiple of 2 min
  h.feed(trade_msg(t0 + 1000, "100.5", "0.3"));
  h.feed(trade_msg(t0 + 2000, "101.0", "0.25"));
  h.feed(trade_msg(t0 + 120'000, "99.0", "1"));  // next bar: the first closes
  std::vector<candle> bars;
  for (const auto& e : h.io.events) {
    ASSERT_TRUE(std::holds_alternative<candle>(e)) << "trades were not asked for";
    bars.push_back(std::get<candle>(e));
  }
  ASSERT_GE(bars.size(), 3u);
  const candle* closed = nullptr;
  for (const auto& b : bars)
    if (b.closed) closed = &b;
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->interval, "2m");
  EXPECT_EQ(closed->open.str(), "100.5");
  EXPECT_EQ(closed->high.str(), "101.0");
  EXPECT_EQ(closed->close.str(), "101.0");
  EXPECT_EQ(closed->volume.str(), "0.55");
  EXPECT_EQ(closed->open_time_ns, t0 * 1'000'000);
  EXPECT_EQ(closed->instrument, "BTC-USDT");
}

TEST(BybitSession, ReplaySessionAcceptsEverySymbolWhenNoneIsListed) {
  adapter_options o;
  o.market = "linear";
  o.symbols = {"BTCUSDT"};
  o.types = {event_type::book};
  metrics_registry metrics;
  const auto cfg = make_bybit_config(o);
  bybit_session s(cfg, {}, metrics, quiet());
  fake_io io;
  const padded m(book_msg("XRPUSDT", "snapshot", 3, R"([["1.0","1"]])", R"([["1.1","1"]])"));
  s.on_message(m.view(), 1, io);
  ASSERT_EQ(io.events.size(), 1u);
  EXPECT_EQ(std::get<book_update>(io.events[0]).instrument, "XRP-USDT");
}

}  // namespace
}  // namespace mdfan::test
