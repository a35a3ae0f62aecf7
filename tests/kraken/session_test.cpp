// The Kraken protocol session on hand-built message sequences through a fake connection: the book
// rules (checksum, crossed, malformed, unexpected snapshot, depth truncation, reconnect), per-symbol
// resync by unsubscribe + subscribe, subscriptions and their splitting, pings, candles.
#include "adapters/kraken/session.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "adapters/kraken/checksum.hpp"
#include "core/order_book.hpp"
#include "kraken/test_util.hpp"

namespace mdfan::adapters {
namespace {

using test::fake_io;
using test::lv;

const kraken_precision btc_p{1, 8};
const kraken_precision eth_p{2, 8};

std::string levels_json(const std::vector<price_level>& l) {
  std::string s = "[";
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i) s += ",";
    s += R"({"price":)" + std::string(l[i].price.str()) + R"(,"qty":)" + std::string(l[i].size.str()) + "}";
  }
  return s + "]";
}

std::string book_msg(std::string_view symbol, bool snapshot, const std::vector<price_level>& bids,
                     const std::vector<price_level>& asks, std::uint32_t checksum) {
  return R"({"channel":"book","type":")" + std::string(snapshot ? "snapshot" : "update") + R"(","data":[{"symbol":")" +
         std::string(symbol) + R"(","bids":)" + levels_json(bids) + R"(,"asks":)" + levels_json(asks) +
         R"(,"checksum":)" + std::to_string(checksum) + R"(,"timestamp":"2023-10-06T17:35:55.440295Z"}]})";
}

const std::string instruments = R"({"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[)"
                                R"({"symbol":"BTC/USD","price_precision":1,"qty_precision":8},)"
                                R"({"symbol":"ETH/USD","price_precision":2,"qty_precision":8},)"
                                R"({"symbol":"MATIC/USD","price_precision":4,"qty_precision":8}]}})";

// The exchange's side of one book at depth 10: applies what it sends and checksums it as Kraken does.
struct venue_book {
  std::string symbol;
  kraken_precision p;
  order_book book;

  std::string snapshot(const std::vector<price_level>& bids, const std::vector<price_level>& asks) {
    book.reset(bids, asks, 0);
    book.truncate(10);
    return book_msg(symbol, true, bids, asks, kraken_checksum(book, p));
  }
  std::string update(const std::vector<price_level>& bids, const std::vector<price_level>& asks) {
    for (const auto& l : bids) book.apply_bid(l);
    for (const auto& l : asks) book.apply_ask(l);
    book.truncate(10);
    return book_msg(symbol, false, bids, asks, kraken_checksum(book, p));
  }
  std::string bad_update(const std::vector<price_level>& bids, const std::vector<price_level>& asks) {
    for (const auto& l : bids) book.apply_bid(l);
    for (const auto& l : asks) book.apply_ask(l);
    book.truncate(10);
    return book_msg(symbol, false, bids, asks, kraken_checksum(book, p) ^ 1u);
  }
};

std::vector<price_level> ladder(double start, double step, int n, const char* qty) {
  std::vector<price_level> out;
  for (int i = 0; i < n; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", start + step * i);
    out.push_back({decimal::from(buf), decimal::from(qty)});
  }
  return out;
}

simdjson::dom::element parse_json(simdjson::dom::parser& p, const std::string& s) {
  simdjson::dom::element e;
  EXPECT_EQ(p.parse(s).get(e), simdjson::SUCCESS) << s;
  return e;
}

// "subscribe"/"unsubscribe" requests on `channel` sent so far, with their symbols.
std::vector<std::vector<std::string>> requests(const fake_io& io, std::string_view method, std::string_view channel,
                                               std::size_t from = 0) {
  std::vector<std::vector<std::string>> out;
  simdjson::dom::parser p;
  for (std::size_t i = from; i < io.sent.size(); ++i) {
    auto e = parse_json(p, io.sent[i]);
    std::string_view m, ch;
    if (e["method"].get(m) || m != method) continue;
    if (e["params"]["channel"].get(ch) || ch != channel) continue;
    std::vector<std::string> syms;
    simdjson::dom::array arr;
    if (!e["params"]["symbol"].get(arr))
      for (auto s : arr) syms.emplace_back(std::string_view(s));
    out.push_back(std::move(syms));
  }
  return out;
}

struct fixture {
  metrics_registry metrics;
  adapter_options opts;
  std::unique_ptr<protocol_session> s;
  fake_io io;
  venue_book btc{"BTC/USD", btc_p, {}}, eth{"ETH/USD", eth_p, {}};

  explicit fixture(std::vector<event_type> types = {event_type::book},
                   std::vector<std::string> syms = {"BTC/USD", "ETH-USD"}) {
    opts.exchange = exchange_id::kraken;
    opts.symbols = std::move(syms);
    opts.types = std::move(types);
    s = make_kraken_session(opts, metrics, test::quiet_logger());
  }
  std::int64_t resyncs(std::string_view instrument, std::string_view reason) const {
    return metrics.value("mdfan_adapter_resyncs_total",
                         fmt::format(R"(exchange="kraken",instrument="{}",reason="{}")", instrument, reason));
  }
  // Open, instrument snapshot, both books synced.
  void sync_both() {
    s->on_open(io);
    io.deliver(*s, instruments);
    io.deliver(*s, btc.snapshot(ladder(100.0, -0.5, 10, "1.5"), ladder(100.5, 0.5, 10, "2")));
    io.deliver(*s, eth.snapshot(ladder(50.0, -0.1, 10, "3"), ladder(50.1, 0.1, 10, "0.25")));
  }
};

TEST(KrakenSession, SubscribesInstrumentsFirstThenBooks) {
  fixture f({event_type::book, event_type::ticker, event_type::trade});
  f.s->on_open(f.io);
  EXPECT_EQ(requests(f.io, "subscribe", "ticker"), (std::vector<std::vector<std::string>>{{"BTC/USD", "ETH/USD"}}));
  EXPECT_EQ(requests(f.io, "subscribe", "trade").size(), 1u);
  EXPECT_EQ(requests(f.io, "subscribe", "instrument").size(), 1u);
  EXPECT_TRUE(requests(f.io, "subscribe", "book").empty());  // the checksum needs the precisions first
  EXPECT_NE(f.io.sent[1].find(R"("snapshot":false)"), std::string::npos) << f.io.sent[1];  // no old trades
  f.io.deliver(*f.s, instruments);
  const auto books = requests(f.io, "subscribe", "book");
  ASSERT_EQ(books.size(), 1u);
  EXPECT_EQ(books[0], (std::vector<std::string>{"BTC/USD", "ETH/USD"}));
  EXPECT_NE(f.io.sent.back().find(R"("depth":10,"snapshot":true)"), std::string::npos) << f.io.sent.back();
}

TEST(KrakenSession, PublishedFixturesSyncAndContinue) {
  fixture f({event_type::book}, {"MATIC/USD"});
  f.s->on_open(f.io);
  f.io.deliver(*f.s, instruments);
  f.io.deliver(*f.s, test::minify_json(test::read_kraken_fixture("book_snapshot.json")));
  f.io.deliver(*f.s, test::minify_json(test::read_kraken_fixture("book_update.json")));
  const auto books = f.io.books_of("MATIC/USD");
  ASSERT_EQ(books.size(), 2u);
  EXPECT_TRUE(books[0].snapshot);
  EXPECT_EQ(books[0].bids.size(), 10u);
  EXPECT_EQ(books[0].instrument, "MATIC-USD");
  EXPECT_FALSE(books[1].snapshot);
  EXPECT_EQ(books[1].first_sequence, books[0].sequence + 1);
  EXPECT_EQ(books[1].sequence, books[0].sequence + 1);
  EXPECT_EQ(test::show(books[1].bids), "[[0.5657,1098.3947558]]");
  EXPECT_EQ(f.metrics.value("mdfan_adapter_checksum_failures_total", R"(exchange="kraken")"), 0);
  EXPECT_EQ(f.metrics.value("mdfan_adapter_books_synced", R"(exchange="kraken")"), 1);
}

TEST(KrakenSession, ChecksumMismatchResyncsThatSymbolOnly) {
  fixture f;
  f.sync_both();
  ASSERT_EQ(f.io.of<book_update>().size(), 2u);
  f.io.deliver(*f.s, f.btc.update(lv({{"99.9", "0.1"}}), {}));
  f.io.deliver(*f.s, f.eth.update({}, lv({{"50.1", "0.5"}})));
  const std::size_t sent_before = f.io.sent.size();
  const std::size_t events_before = f.io.events.size();

  f.io.deliver(*f.s, f.btc.bad_update(lv({{"100", "2.5"}}), {}));
  EXPECT_EQ(f.resyncs("BTC-USD", "checksum"), 1);
  EXPECT_EQ(f.io.events.size(), events_before);  // nothing emitted for the bad update
  // Exactly: unsubscribe + subscribe BTC/USD's book, nothing else.
  ASSERT_EQ(f.io.sent.size(), sent_before + 2);
  EXPECT_EQ(requests(f.io, "unsubscribe", "book", sent_before), (std::vector<std::vector<std::string>>{{"BTC/USD"}}));
  EXPECT_EQ(requests(f.io, "subscribe", "book", sent_before), (std::vector<std::vector<std::string>>{{"BTC/USD"}}));
  EXPECT_TRUE(f.io.reconnects.empty());

  // While BTC is unsynced its updates are dropped; ETH flows on with continuous sequences.
  f.io.deliver(*f.s, f.btc.update(lv({{"99", "7"}}), {}));
  f.io.deliver(*f.s, f.eth.update(lv({{"49.9", "1"}}), {}));
  EXPECT_TRUE(f.io.books_of("BTC/USD").size() == 2u);
  const auto eth = f.io.books_of("ETH/USD");
  ASSERT_EQ(eth.size(), 3u);
  EXPECT_EQ(eth[2].first_sequence, eth[1].sequence + 1);
  EXPECT_EQ(f.resyncs("ETH-USD", "checksum"), 0);
  EXPECT_EQ(f.io.sent.size(), sent_before + 2);  // one fault, one resync

  // The fresh snapshot resyncs BTC; its next event is that snapshot.
  f.io.deliver(*f.s, f.btc.snapshot(ladder(100.0, -0.5, 10, "1"), ladder(100.5, 0.5, 10, "1")));
  const auto btc = f.io.books_of("BTC/USD");
  ASSERT_EQ(btc.size(), 3u);
  EXPECT_TRUE(btc[2].snapshot);
  f.io.deliver(*f.s, f.btc.update(lv({{"99.5", "0"}}), {}));
  EXPECT_EQ(f.io.books_of("BTC/USD").size(), 4u);
  EXPECT_EQ(f.resyncs("BTC-USD", "checksum"), 1);
  EXPECT_EQ(f.metrics.value("mdfan_adapter_checksum_failures_total", R"(exchange="kraken")"), 1);
}

TEST(KrakenSession, CrossedBookResyncs) {
  fixture f;
  f.sync_both();
  const std::size_t sent_before = f.io.sent.size();
  // A bid at the best ask, with a checksum that matches the crossed book: corruption all the same.
  f.io.deliver(*f.s, f.btc.update(lv({{"100.5", "1"}}), {}));
  EXPECT_EQ(f.resyncs("BTC-USD", "crossed"), 1);
  EXPECT_EQ(f.io.books_of("BTC/USD").size(), 1u);
  EXPECT_EQ(requests(f.io, "subscribe", "book", sent_before), (std::vector<std::vector<std::string>>{{"BTC/USD"}}));
  EXPECT_EQ(f.resyncs("ETH-USD", "crossed"), 0);
}

TEST(KrakenSession, MalformedBookMessageResyncsItsSymbol) {
  fixture f;
  f.sync_both();
  const std::size_t sent_before = f.io.sent.size();
  f.io.deliver(*f.s, R"({"channel":"book","type":"update","data":[{"symbol":"ETH/USD","bids":[{"price":50.0,"qty":)");
  EXPECT_EQ(f.resyncs("ETH-USD", "malformed"), 1);
  EXPECT_EQ(f.metrics.value("mdfan_adapter_malformed_total", R"(exchange="kraken")"), 1);
  EXPECT_EQ(requests(f.io, "unsubscribe", "book", sent_before), (std::vector<std::vector<std::string>>{{"ETH/USD"}}));
  EXPECT_EQ(requests(f.io, "subscribe", "book", sent_before), (std::vector<std::vector<std::string>>{{"ETH/USD"}}));
  // Another malformed message for the same, already unsynced book: not a second resync count.
  f.io.deliver(*f.s, R"({"channel":"book","type":"update","data":[{"symbol":"ETH/USD","bids":[{"price":"x"}]}]})");
  EXPECT_EQ(f.resyncs("ETH-USD", "malformed"), 1);
  // A malformed message of no book resyncs nothing.
  f.io.deliver(*f.s, R"({"channel":"trade","data":[{"symbol":"BTC/USD"}]})");
  EXPECT_EQ(f.resyncs("BTC-USD", "malformed"), 0);
  EXPECT_EQ(f.io.books_of("BTC/USD").size(), 1u);
}

TEST(KrakenSession, UnexpectedSnapshotIsAReset) {
  fixture f;
  f.sync_both();
  f.io.deliver(*f.s, f.btc.snapshot(ladder(101.0, -0.5, 10, "1"), ladder(101.5, 0.5, 10, "1")));
  EXPECT_EQ(f.resyncs("BTC-USD", "reset"), 1);
  const auto btc = f.io.books_of("BTC/USD");
  ASSERT_EQ(btc.size(), 2u);
  EXPECT_TRUE(btc[1].snapshot);
  EXPECT_EQ(btc[1].bids.front().price.str(), "101.0");
}

TEST(KrakenSession, BookIsTruncatedToTheSubscribedDepthBeforeTheChecksum) {
  fixture f;
  f.sync_both();
  // A new best bid pushes the 10th bid out of scope; Kraken sends no delete for it.
  f.io.deliver(*f.s, f.btc.update(lv({{"100.2", "4"}}), {}));
  f.io.deliver(*f.s, f.btc.update({}, lv({{"100.3", "4"}})));
  // And a level deleted inside the top 10 lets the venue's 11th level... not exist: it was dropped.
  f.io.deliver(*f.s, f.btc.update(lv({{"100.2", "0"}}), {}));
  EXPECT_EQ(f.resyncs("BTC-USD", "checksum"), 0);
  EXPECT_EQ(f.io.books_of("BTC/USD").size(), 4u);
}

TEST(KrakenSession, ReconnectResyncsAndResubscribesWithKnownPrecision) {
  fixture f;
  f.sync_both();
  f.s->on_close();
  EXPECT_EQ(f.resyncs("BTC-USD", "reconnect"), 1);
  EXPECT_EQ(f.resyncs("ETH-USD", "reconnect"), 1);
  EXPECT_EQ(f.metrics.value("mdfan_adapter_books_synced", R"(exchange="kraken")"), 0);
  f.s->on_close();  // a second close of unsynced books counts nothing
  EXPECT_EQ(f.resyncs("BTC-USD", "reconnect"), 1);
  const std::size_t sent_before = f.io.sent.size();
  f.s->on_open(f.io);
  // Precisions are known from the first connection: the books are subscribed right away.
  EXPECT_TRUE(requests(f.io, "subscribe", "instrument", sent_before).empty());
  EXPECT_EQ(requests(f.io, "subscribe", "book", sent_before),
            (std::vector<std::vector<std::string>>{{"BTC/USD", "ETH/USD"}}));
  // Updates before the snapshot are ignored; the snapshot syncs.
  f.io.deliver(*f.s, f.btc.update(lv({{"99", "1"}}), {}));
  EXPECT_EQ(f.io.books_of("BTC/USD").size(), 1u);
  f.io.deliver(*f.s, f.btc.snapshot(ladder(100.0, -0.5, 10, "1"), ladder(100.5, 0.5, 10, "1")));
  EXPECT_EQ(f.io.books_of("BTC/USD").size(), 2u);
  EXPECT_EQ(f.resyncs("BTC-USD", "reset"), 0);
}

TEST(KrakenSession, PingAndInstrumentFallback) {
  fixture f;
  f.s->on_open(f.io);
  f.s->on_ping(f.io);
  EXPECT_NE(f.io.sent.back().find(R"("method":"ping")"), std::string::npos);
  EXPECT_TRUE(requests(f.io, "subscribe", "book").empty());
  f.s->on_ping(f.io);  // still no instrument snapshot: books are subscribed, precision from their text
  EXPECT_EQ(requests(f.io, "subscribe", "book").size(), 1u);
  // 100.0 / 1.5 in the text: 1 and 1 decimals inferred; the venue's checksum at 1/8 differs in qty...
  venue_book btc{"BTC/USD", {1, 1}, {}};
  f.io.deliver(*f.s, btc.snapshot(ladder(100.0, -0.5, 10, "1.5"), ladder(100.5, 0.5, 10, "2.5")));
  EXPECT_EQ(f.io.books_of("BTC/USD").size(), 1u);
}

TEST(KrakenSession, ControlTrafficEmitsNothing) {
  fixture f;
  f.s->on_open(f.io);
  const std::size_t sent_before = f.io.sent.size();
  for (const char* fx : {"heartbeat.json", "pong_response.json", "status_on_connect.json",
                         "book_subscribe_ack_algo.json", "ohlc_subscribe_ack.json"})
    f.io.deliver(*f.s, test::minify_json(test::read_kraken_fixture(fx)));
  EXPECT_TRUE(f.io.events.empty());
  EXPECT_EQ(f.io.sent.size(), sent_before);
  EXPECT_EQ(f.metrics.value("mdfan_adapter_malformed_total", R"(exchange="kraken")"), 0);
}

TEST(KrakenSession, RepeatedBadSnapshotsBackOffToThePingTimer) {
  fixture f;
  f.s->on_open(f.io);
  f.io.deliver(*f.s, instruments);
  const std::string bad = book_msg("BTC/USD", true, ladder(100.0, -0.5, 10, "1"), ladder(100.5, 0.5, 10, "1"), 12345);
  for (int i = 0; i < 6; ++i) f.io.deliver(*f.s, bad);
  EXPECT_EQ(requests(f.io, "unsubscribe", "book").size(), 3u);  // three quick retries, then wait
  f.s->on_ping(f.io);
  EXPECT_EQ(requests(f.io, "unsubscribe", "book").size(), 4u);
  EXPECT_TRUE(f.io.books_of("BTC/USD").empty());
}

TEST(KrakenSession, SubscriptionsAreSplit) {
  std::vector<std::string> syms;
  for (int i = 0; i < 120; ++i) syms.push_back(fmt::format("A{}/USD", i));
  fixture f({event_type::ticker}, syms);
  f.s->on_open(f.io);
  const auto t = requests(f.io, "subscribe", "ticker");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].size(), 50u);
  EXPECT_EQ(t[1].size(), 50u);
  EXPECT_EQ(t[2].size(), 20u);
  EXPECT_EQ(t[2].back(), "A119/USD");
}

TEST(KrakenSession, NativeCandlesCloseWhenTheNextBarStarts) {
  fixture f({event_type::candle}, {"ALGO/USD"});
  f.opts.candle_interval = "5m";
  f.s = make_kraken_session(f.opts, f.metrics, test::quiet_logger());
  f.s->on_open(f.io);
  const auto o = requests(f.io, "subscribe", "ohlc");
  ASSERT_EQ(o.size(), 1u);
  EXPECT_NE(f.io.sent[0].find(R"("interval":5)"), std::string::npos);
  f.io.deliver(*f.s, test::minify_json(test::read_kraken_fixture("ohlc_snapshot.json")));
  auto c = f.io.of<candle>();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_TRUE(c[0].closed);
  EXPECT_FALSE(c[1].closed);
  std::string next =
      R"({"channel":"ohlc","type":"update","timestamp":"2023-10-04T15:35:01.0Z","data":[{"symbol":"ALGO/USD",)"
      R"("open":0.0988,"high":0.0988,"low":0.0988,"close":0.0988,"trades":1,"volume":5,"vwap":0.0988,)"
      R"("interval_begin":"2023-10-04T15:35:00.000000000Z","interval":5}]})";
  f.io.deliver(*f.s, next);
  c = f.io.of<candle>();
  ASSERT_EQ(c.size(), 4u);
  EXPECT_TRUE(c[2].closed);  // the 15:30 bar, final
  EXPECT_EQ(c[2].open_time_ns, c[1].open_time_ns);
  EXPECT_EQ(c[2].volume.str(), "16255.46368");
  EXPECT_FALSE(c[3].closed);
}

TEST(KrakenSession, CandlesBuiltFromTradesForOtherIntervals) {
  fixture f({event_type::candle}, {"MATIC/USD"});
  f.opts.candle_interval = "2m";
  f.s = make_kraken_session(f.opts, f.metrics, test::quiet_logger());
  f.s->on_open(f.io);
  EXPECT_TRUE(requests(f.io, "subscribe", "ohlc").empty());
  EXPECT_EQ(requests(f.io, "subscribe", "trade").size(), 1u);
  f.io.deliver(*f.s, test::minify_json(test::read_kraken_fixture("trade_snapshot.json")));
  f.io.deliver(*f.s, test::minify_json(test::read_kraken_fixture("trade_update.json")));
  EXPECT_TRUE(f.io.of<trade>().empty());  // trades not asked for: only used for the bars
  const auto c = f.io.of<candle>();
  ASSERT_FALSE(c.empty());
  const auto& last = c.back();
  EXPECT_EQ(last.interval, "2m");
  EXPECT_EQ(last.instrument, "MATIC-USD");
  EXPECT_EQ(last.open.str(), "0.5147");
  EXPECT_EQ(last.low.str(), "0.5117");
  EXPECT_EQ(last.close.str(), "0.5117");
  EXPECT_EQ(last.volume.str(), "7599.66003815");  // 6423.46326 + 1136.19677815 + 40.0
  EXPECT_EQ(last.trades, 3u);
}

TEST(KrakenConfig, BadOptionsRejected) {
  adapter_options o;
  o.exchange = exchange_id::kraken;
  o.symbols = {"BTC/USD"};
  EXPECT_NO_THROW(make_kraken_config(o));
  auto bad = [&](auto change, std::string_view setting) {
    adapter_options x = o;
    change(x);
    try {
      make_kraken_config(x);
      ADD_FAILURE() << "accepted a bad " << setting;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string_view(e.what()).find(setting), std::string_view::npos) << e.what();
    }
  };
  bad([](adapter_options& x) { x.symbols = {"BTCUSD"}; }, "symbols");
  bad([](adapter_options& x) { x.symbols = {}; }, "symbols");
  bad([](adapter_options& x) { x.symbols = {"BTC/USD/EUR"}; }, "symbols");
  bad([](adapter_options& x) { x.book_depth = 20; }, "book_depth");
  bad([](adapter_options& x) { x.types = {event_type::candle}, x.candle_interval = "1y"; }, "candle_interval");
  bad([](adapter_options& x) { x.types = {}; }, "types");
}

TEST(KrakenConfig, SymbolForms) {
  adapter_options o;
  o.exchange = exchange_id::kraken;
  o.symbols = {"BTC/USD", "eth-usd", "ETH/USD", "sol/eur"};
  o.book_depth = 25;
  o.types = {event_type::candle};
  o.candle_interval = "4h";
  const auto c = make_kraken_config(o);
  EXPECT_EQ(c.symbols, (std::vector<std::string>{"BTC/USD", "ETH/USD", "SOL/EUR"}));
  EXPECT_EQ(c.depth, 25u);
  EXPECT_EQ(c.ohlc_minutes, 240u);
  o.candle_interval = "10s";  // no ohlc interval: built from trades
  EXPECT_EQ(make_kraken_config(o).ohlc_minutes, 0u);
}

}  // namespace
}  // namespace mdfan::adapters
