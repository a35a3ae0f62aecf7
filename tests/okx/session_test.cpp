// OKX book rules through the protocol session with a fake connection: sequence continuity, keep-alive,
// sequence reset, checksum, crossed books and malformed book messages each resync one instrument only
// (unsubscribe + subscribe of its books channel), counted once, nothing emitted while out of sync.
#include "adapters/okx/session.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/okx/checksum.hpp"
#include "adapters/okx/factory.hpp"
#include "feed/feed_test_util.hpp"
#include "okx/test_util.hpp"

namespace mdfan::adapters {
namespace {

using test::fake_io;
using test::levels;
using test::show;

using lv = std::vector<std::pair<std::string, std::string>>;

std::string level_json(const lv& l) {
  std::string out = "[";
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i) out += ',';
    out += fmt::format(R"(["{}","{}","0","1"])", l[i].first, l[i].second);
  }
  return out + "]";
}

std::string book_msg(std::string_view inst, bool snapshot, std::int64_t prev, std::int64_t seq, const lv& bids,
                     const lv& asks, std::int64_t checksum = 0) {
  return fmt::format(
      R"({{"arg":{{"channel":"books","instId":"{}"}},"action":"{}","data":[{{"asks":{},"bids":{},"ts":"1700000000000","checksum":{},"prevSeqId":{},"seqId":{}}}]}})",
      inst, snapshot ? "snapshot" : "update", level_json(asks), level_json(bids), checksum, prev, seq);
}

std::vector<price_level> to_levels(const lv& l) {
  std::vector<price_level> out;
  for (const auto& [p, s] : l) out.push_back({decimal::from(p), decimal::from(s)});
  return out;
}

const lv bids0{{"100", "1"}, {"99.5", "2"}};
const lv asks0{{"101", "1"}, {"101.5", "3"}};

std::string resyncs_label(std::string_view inst, std::string_view reason) {
  return fmt::format(R"(exchange="okx",instrument="{}",reason="{}")", inst, reason);
}

struct OkxSession : ::testing::Test {
  metrics_registry metrics;
  fake_io io;
  std::unique_ptr<okx_session> session;

  void make(std::vector<std::string> symbols = {"BTC-USDT", "ETH-USDT"}) {
    okx_session_config cfg;
    cfg.channels.symbols = std::move(symbols);
    cfg.channels.trades = true;
    cfg.channels.book = "books";
    session = std::make_unique<okx_session>(cfg, metrics, test::quiet());
    session->on_open(io);
    io.sent.clear();
  }
  void SetUp() override { make(); }

  void feed(const std::string& m) { io.feed(*session, m); }
  std::int64_t resyncs(std::string_view inst, std::string_view reason) {
    return metrics.value("mdfan_adapter_resyncs_total", resyncs_label(inst, reason));
  }
  std::int64_t all_resyncs(std::string_view inst) {
    std::int64_t n = 0;
    for (const char* r : {"gap", "checksum", "crossed", "malformed", "reconnect", "reset"}) n += resyncs(inst, r);
    return n;
  }
  const book_update& last_book() {
    EXPECT_FALSE(io.events.empty());
    return std::get<book_update>(io.events.back());
  }
  std::size_t books_for(std::string_view inst) {
    std::size_t n = 0;
    for (const auto& e : io.events)
      if (const auto* b = std::get_if<book_update>(&e); b && b->symbol == inst) ++n;
    return n;
  }
  void sync_both() {
    feed(book_msg("BTC-USDT", true, -1, 10, bids0, asks0));
    feed(book_msg("ETH-USDT", true, -1, 500, bids0, asks0));
    io.events.clear();
  }
  std::vector<std::string> resubscribe_of(std::string_view inst) {
    return {fmt::format(R"({{"op":"unsubscribe","args":[{{"channel":"books","instId":"{}"}}]}})", inst),
            fmt::format(R"({{"op":"subscribe","args":[{{"channel":"books","instId":"{}"}}]}})", inst)};
  }
};

TEST_F(OkxSession, OpenSubscribesEveryChannel) {
  fake_io fresh;
  session->on_open(fresh);
  ASSERT_EQ(fresh.sent.size(), 1u);
  EXPECT_EQ(
      fresh.sent[0],
      R"({"op":"subscribe","args":[{"channel":"trades","instId":"BTC-USDT"},{"channel":"books","instId":"BTC-USDT"},)"
      R"({"channel":"trades","instId":"ETH-USDT"},{"channel":"books","instId":"ETH-USDT"}]})");
}

TEST_F(OkxSession, SnapshotThenContinuingUpdates) {
  feed(book_msg("BTC-USDT", true, -1, 10, bids0, asks0));
  ASSERT_EQ(io.events.size(), 1u);
  EXPECT_TRUE(last_book().snapshot);
  EXPECT_EQ(last_book().sequence, 10u);
  EXPECT_EQ(show(last_book().bids), show(to_levels(bids0)));
  EXPECT_EQ(show(last_book().asks), show(to_levels(asks0)));
  feed(book_msg("BTC-USDT", false, 10, 15, {{"100", "0"}, {"99.8", "4"}}, {}));
  ASSERT_EQ(io.events.size(), 2u);
  EXPECT_FALSE(last_book().snapshot);
  EXPECT_EQ(last_book().first_sequence, 11u);
  EXPECT_EQ(last_book().sequence, 15u);
  EXPECT_EQ(show(last_book().bids), show(levels({{"100", "0"}, {"99.8", "4"}})));
  EXPECT_EQ(show(session->book("BTC-USDT")->book().bids()), show(levels({{"99.8", "4"}, {"99.5", "2"}})));
  EXPECT_TRUE(io.sent.empty());
  EXPECT_EQ(all_resyncs("BTC-USDT"), 0);
}

TEST_F(OkxSession, GapResyncsThatInstrumentOnly) {
  sync_both();
  feed(book_msg("BTC-USDT", false, 10, 11, {{"99", "1"}}, {}));
  feed(book_msg("BTC-USDT", false, 12, 13, {{"98", "1"}}, {}));  // prevSeqId 12 != 11: a gap
  EXPECT_EQ(resyncs("BTC-USDT", "gap"), 1);
  EXPECT_EQ(io.sent, resubscribe_of("BTC-USDT"));
  EXPECT_FALSE(session->book("BTC-USDT")->synced());
  EXPECT_TRUE(session->book("ETH-USDT")->synced());
  const std::size_t before = io.events.size();
  // Stale updates in flight: ignored, no second resync, nothing emitted.
  feed(book_msg("BTC-USDT", false, 13, 14, {{"97", "1"}}, {}));
  feed(book_msg("BTC-USDT", false, 20, 21, {{"97", "1"}}, {}));
  EXPECT_EQ(io.events.size(), before);
  EXPECT_EQ(all_resyncs("BTC-USDT"), 1);
  EXPECT_EQ(io.sent.size(), 2u);
  // The other instrument continues untouched.
  feed(book_msg("ETH-USDT", false, 500, 501, {{"99", "1"}}, {}));
  EXPECT_EQ(last_book().symbol, "ETH-USDT");
  EXPECT_FALSE(last_book().snapshot);
  EXPECT_EQ(all_resyncs("ETH-USDT"), 0);
  // The new snapshot syncs the book again.
  feed(book_msg("BTC-USDT", true, -1, 30, bids0, asks0));
  EXPECT_TRUE(session->book("BTC-USDT")->synced());
  EXPECT_TRUE(last_book().snapshot);
  EXPECT_EQ(last_book().sequence, 30u);
  feed(book_msg("BTC-USDT", false, 30, 31, {{"99", "1"}}, {}));
  EXPECT_EQ(last_book().sequence, 31u);
  EXPECT_EQ(all_resyncs("BTC-USDT"), 1);
}

TEST_F(OkxSession, KeepAliveUpdateIsValidAndEmitsNothing) {
  sync_both();
  feed(book_msg("BTC-USDT", false, 10, 15, {{"99", "1"}}, {}));
  feed(book_msg("BTC-USDT", false, 15, 15, {}, {}));  // keep-alive
  EXPECT_EQ(io.events.size(), 1u);
  feed(book_msg("BTC-USDT", false, 15, 16, {{"98", "1"}}, {}));
  EXPECT_EQ(io.events.size(), 2u);
  EXPECT_EQ(last_book().first_sequence, 16u);
  EXPECT_EQ(all_resyncs("BTC-USDT"), 0);
  EXPECT_TRUE(io.sent.empty());
}

// The doc's example: snapshot (-1, 10) -> (10, 15) -> (15, 15) keep-alive -> (15, 3) reset -> (3, 5).
TEST_F(OkxSession, SequenceResetAfterMaintenanceIsAccepted) {
  feed(book_msg("BTC-USDT", true, -1, 10, bids0, asks0));
  feed(book_msg("BTC-USDT", false, 10, 15, {{"99", "1"}}, {}));
  feed(book_msg("BTC-USDT", false, 15, 15, {}, {}));
  feed(book_msg("BTC-USDT", false, 15, 3, {{"98", "1"}}, {}));
  // Downstream sees the restarted sequence as a snapshot of the whole book at seqId 3.
  EXPECT_TRUE(last_book().snapshot);
  EXPECT_EQ(last_book().sequence, 3u);
  EXPECT_EQ(show(last_book().bids), show(levels({{"100", "1"}, {"99.5", "2"}, {"99", "1"}, {"98", "1"}})));
  feed(book_msg("BTC-USDT", false, 3, 5, {{"97", "1"}}, {}));
  EXPECT_FALSE(last_book().snapshot);
  EXPECT_EQ(last_book().first_sequence, 4u);
  EXPECT_EQ(last_book().sequence, 5u);
  EXPECT_EQ(all_resyncs("BTC-USDT"), 0);
  EXPECT_TRUE(io.sent.empty());
  // A reset does not excuse a broken chain: prevSeqId must still be the last seqId.
  feed(book_msg("BTC-USDT", false, 4, 2, {{"96", "1"}}, {}));
  EXPECT_EQ(resyncs("BTC-USDT", "gap"), 1);
}

TEST_F(OkxSession, CrossedBookResyncs) {
  sync_both();
  feed(book_msg("BTC-USDT", false, 10, 11, {{"101.2", "1"}}, {}));  // bid above the best ask
  EXPECT_EQ(resyncs("BTC-USDT", "crossed"), 1);
  EXPECT_EQ(io.sent, resubscribe_of("BTC-USDT"));
  EXPECT_TRUE(io.events.empty());
  EXPECT_TRUE(session->book("ETH-USDT")->synced());
}

TEST_F(OkxSession, CrossedSnapshotIsRejectedAndResubscribed) {
  feed(book_msg("BTC-USDT", true, -1, 10, {{"102", "1"}}, asks0));
  EXPECT_TRUE(io.events.empty());
  EXPECT_FALSE(session->book("BTC-USDT")->synced());
  EXPECT_EQ(io.sent, resubscribe_of("BTC-USDT"));
}

TEST_F(OkxSession, ChecksumCheckedOnlyWhenNonZero) {
  const auto good = okx_checksum(to_levels(bids0), to_levels(asks0));
  feed(book_msg("BTC-USDT", true, -1, 10, bids0, asks0, good));
  EXPECT_TRUE(session->book("BTC-USDT")->synced());
  // The update's checksum covers the book after it.
  const lv up{{"99.5", "5"}};
  const auto after = okx_checksum(levels({{"100", "1"}, {"99.5", "5"}}), to_levels(asks0));
  feed(book_msg("BTC-USDT", false, 10, 11, up, {}, after));
  EXPECT_EQ(all_resyncs("BTC-USDT"), 0);
  feed(book_msg("BTC-USDT", false, 11, 12, {{"99", "1"}}, {}, 0));  // 0: deprecated, not checked
  EXPECT_EQ(all_resyncs("BTC-USDT"), 0);
  const std::size_t before = io.events.size();
  feed(book_msg("BTC-USDT", false, 12, 13, {{"98", "1"}}, {}, 12345));  // wrong
  EXPECT_EQ(resyncs("BTC-USDT", "checksum"), 1);
  EXPECT_EQ(io.events.size(), before);
  EXPECT_EQ(io.sent, resubscribe_of("BTC-USDT"));
}

TEST_F(OkxSession, SnapshotWithWrongChecksumIsRejected) {
  feed(book_msg("BTC-USDT", true, -1, 10, bids0, asks0, 777));
  EXPECT_FALSE(session->book("BTC-USDT")->synced());
  EXPECT_TRUE(io.events.empty());
  EXPECT_EQ(io.sent, resubscribe_of("BTC-USDT"));
}

TEST_F(OkxSession, MalformedBookMessageResyncsThatInstrument) {
  sync_both();
  feed(R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["oops)");
  EXPECT_EQ(resyncs("BTC-USDT", "malformed"), 1);
  EXPECT_EQ(metrics.value("mdfan_adapter_malformed_total", R"(exchange="okx")"), 1);
  EXPECT_EQ(io.sent, resubscribe_of("BTC-USDT"));
  EXPECT_TRUE(session->book("ETH-USDT")->synced());
  // A malformed trade touches no book.
  feed(R"({"arg":{"channel":"trades","instId":"ETH-USDT"},"data":[{"px":"x"}]})");
  EXPECT_EQ(metrics.value("mdfan_adapter_malformed_total", R"(exchange="okx")"), 2);
  EXPECT_EQ(all_resyncs("ETH-USDT"), 0);
}

TEST_F(OkxSession, UnexpectedSnapshotCountsAsReset) {
  sync_both();
  feed(book_msg("BTC-USDT", true, -1, 40, bids0, asks0));
  EXPECT_EQ(resyncs("BTC-USDT", "reset"), 1);
  EXPECT_TRUE(session->book("BTC-USDT")->synced());
  EXPECT_TRUE(last_book().snapshot);
}

TEST_F(OkxSession, UpdatesBeforeTheSnapshotAreIgnored) {
  feed(book_msg("BTC-USDT", false, 5, 6, {{"99", "1"}}, {}));
  EXPECT_TRUE(io.events.empty());
  EXPECT_EQ(all_resyncs("BTC-USDT"), 0);
  EXPECT_EQ(session->book("BTC-USDT")->counts().ignored, 1u);
}

TEST_F(OkxSession, CloseCountsSyncedBooksAndOpenResubscribes) {
  feed(book_msg("BTC-USDT", true, -1, 10, bids0, asks0));
  session->on_close();
  EXPECT_EQ(resyncs("BTC-USDT", "reconnect"), 1);
  EXPECT_EQ(resyncs("ETH-USDT", "reconnect"), 0);  // was not synced
  io.events.clear();
  feed(book_msg("BTC-USDT", false, 10, 11, {{"99", "1"}}, {}));
  EXPECT_TRUE(io.events.empty());
  session->on_open(io);
  ASSERT_EQ(io.sent.size(), 1u);
  EXPECT_NE(io.sent[0].find(R"("op":"subscribe")"), std::string::npos);
  feed(book_msg("BTC-USDT", true, -1, 50, bids0, asks0));
  EXPECT_TRUE(last_book().snapshot);
}

TEST_F(OkxSession, PingIsTextAndPongIsNotAnError) {
  session->on_ping(io);
  ASSERT_EQ(io.sent.size(), 1u);
  EXPECT_EQ(io.sent[0], "ping");
  feed("pong");
  EXPECT_EQ(metrics.value("mdfan_adapter_malformed_total", R"(exchange="okx")"), 0);
  EXPECT_TRUE(io.events.empty());
}

TEST_F(OkxSession, OverdueSnapshotIsRequestedAgainWithBackoff) {
  io.now += 9'000'000'000;
  session->on_ping(io);
  EXPECT_EQ(io.sent, std::vector<std::string>{"ping"});
  io.now += 2'000'000'000;  // 11 s after the subscribe
  io.sent.clear();
  session->on_ping(io);
  // ping, then both books resubscribed
  ASSERT_EQ(io.sent.size(), 5u);
  EXPECT_EQ(io.sent[0], "ping");
  io.sent.clear();
  io.now += 11'000'000'000;  // the timeout doubled to 20 s: not yet
  session->on_ping(io);
  EXPECT_EQ(io.sent.size(), 1u);
  io.now += 10'000'000'000;
  io.sent.clear();
  session->on_ping(io);
  EXPECT_EQ(io.sent.size(), 5u);
  EXPECT_EQ(all_resyncs("BTC-USDT"), 0);  // never synced: nothing to count
}

TEST_F(OkxSession, ServiceUpgradeNoticeReconnects) {
  feed(
      R"({"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"})");
  ASSERT_EQ(io.reconnects.size(), 1u);
  feed(R"({"event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"})");
  EXPECT_EQ(io.reconnects.size(), 1u);
  EXPECT_EQ(metrics.value("mdfan_adapter_malformed_total", R"(exchange="okx")"), 0);
}

TEST_F(OkxSession, TradesTickersCandlesPassThrough) {
  feed(test::minify(test::read_okx_fixture("trades.json")));
  feed(test::minify(test::read_okx_fixture("tickers.json")));
  feed(test::minify(test::read_okx_fixture("candle1D.json")));
  ASSERT_EQ(io.events.size(), 3u);
  EXPECT_EQ(type_of(io.events[0]), event_type::trade);
  EXPECT_EQ(type_of(io.events[1]), event_type::ticker);
  EXPECT_EQ(type_of(io.events[2]), event_type::candle);
}

TEST(OkxTopBooks, Books5AndBboAreSnapshotsAndCrossedOnesDropped) {
  metrics_registry metrics;
  fake_io io;
  okx_session_config cfg;
  cfg.channels.symbols = {"BCH-USDT-SWAP"};
  cfg.channels.book = "books5";
  okx_session s(cfg, metrics, test::quiet());
  s.on_open(io);
  EXPECT_EQ(io.sent[0], R"({"op":"subscribe","args":[{"channel":"books5","instId":"BCH-USDT-SWAP"}]})");
  io.feed(s, test::minify(test::read_okx_fixture("books5.json")));
  io.feed(s, test::minify(test::read_okx_fixture("bbo-tbt.json")));
  ASSERT_EQ(io.events.size(), 2u);
  EXPECT_TRUE(std::get<book_update>(io.events[0]).snapshot);
  EXPECT_EQ(std::get<book_update>(io.events[0]).bids.size(), 5u);
  EXPECT_EQ(std::get<book_update>(io.events[1]).bids.size(), 1u);
  io.feed(
      s,
      R"({"arg":{"channel":"books5","instId":"BCH-USDT-SWAP"},"data":[{"asks":[["1","1","0","1"]],"bids":[["2","1","0","1"]],"ts":"1","seqId":3}]})");
  EXPECT_EQ(io.events.size(), 2u);
  EXPECT_EQ(metrics.value("mdfan_adapter_resyncs_total", resyncs_label("BCH-USDT-SWAP", "crossed")), 1);
}

TEST(OkxReplaySession, AcceptsBothEndpointsTraffic) {
  metrics_registry metrics;
  adapter_options opts;
  opts.exchange = exchange_id::okx;
  opts.symbols = {"BTC-USDT"};
  opts.types = {event_type::ticker, event_type::trade, event_type::book, event_type::candle};
  opts.candle_interval = "1d";
  auto s = make_okx_session(opts, metrics, test::quiet());
  fake_io io;
  for (const char* f : {"books_subscribe_response.json", "books_snapshot.json", "books_update.json", "trades.json",
                        "candle1D.json", "tickers.json"})
    io.feed(*s, test::minify(test::read_okx_fixture(f)));
  io.feed(*s, "pong");
  ASSERT_EQ(io.events.size(), 5u);
  EXPECT_TRUE(std::get<book_update>(io.events[0]).snapshot);
  EXPECT_FALSE(std::get<book_update>(io.events[1]).snapshot);
  EXPECT_EQ(metrics.value("mdfan_adapter_malformed_total", R"(exchange="okx")"), 0);
}

}  // namespace
}  // namespace mdfan::adapters

namespace mdfan::adapters {
namespace {

// books is a 400-level channel: the local book keeps 400 levels per side whatever is pushed, so its
// memory is bounded; levels pushed below the 400th, or out of it by a better one, are dropped.
TEST_F(OkxSession, BooksAreTruncatedToTheChannelDepth) {
  EXPECT_EQ(okx_book_depth("books"), 400u);
  EXPECT_EQ(okx_book_depth("books50-l2-tbt"), 50u);
  lv bids, asks;
  for (int i = 0; i < 400; ++i) {
    bids.push_back({fmt::format("{}", 1000 - i), "1"});  // 1000 .. 601
    asks.push_back({fmt::format("{}", 2000 + i), "1"});  // 2000 .. 2399
  }
  feed(book_msg("BTC-USDT", true, -1, 10, bids, asks));
  const order_book& book = session->book("BTC-USDT")->book();
  ASSERT_EQ(book.bid_count(), 400u);
  // Deeper than the 400th: not kept.
  feed(book_msg("BTC-USDT", false, 10, 11, {{"100", "5"}}, {{"3000", "5"}}));
  EXPECT_EQ(book.bid_count(), 400u);
  EXPECT_EQ(book.ask_count(), 400u);
  // Better levels push the 400th out.
  feed(book_msg("BTC-USDT", false, 11, 12, {{"1000.5", "2"}, {"1001", "2"}}, {{"1999", "2"}}));
  EXPECT_EQ(book.bid_count(), 400u);
  EXPECT_EQ(book.ask_count(), 400u);
  EXPECT_EQ(book.bids().back().price.str(), "603");
  EXPECT_EQ(book.asks().back().price.str(), "2398");
  EXPECT_TRUE(session->book("BTC-USDT")->synced());
  EXPECT_EQ(all_resyncs("BTC-USDT"), 0);
}

// Each connection sends at most max_requests subscribe/unsubscribe requests per window (OKX: 480 an
// hour, then it refuses them). Beyond the budget a resubscribe waits, counted, and leaves once due; a
// second resync of the same book while it waits queues nothing more; its snapshot wait starts when sent.
TEST(OkxRequestPacing, ResubscribesWaitForTheBudgetAndAreNeverDropped) {
  metrics_registry metrics;
  fake_io io;
  okx_session_config cfg;
  cfg.channels.symbols = {"BTC-USDT", "ETH-USDT"};
  cfg.channels.book = "books";
  cfg.max_requests = 3;
  cfg.request_window = std::chrono::seconds(3600);
  okx_session s(cfg, metrics, test::quiet());
  s.on_open(io);  // 1 request
  ASSERT_EQ(io.sent.size(), 1u);
  const auto feed = [&](const std::string& m) { io.feed(s, m); };
  feed(book_msg("BTC-USDT", true, -1, 10, bids0, asks0));
  feed(book_msg("ETH-USDT", true, -1, 20, bids0, asks0));
  io.sent.clear();
  feed(book_msg("BTC-USDT", false, 11, 12, {}, {}));  // gap: 2 requests, the budget is spent
  EXPECT_EQ(io.sent.size(), 2u);
  feed(book_msg("BTC-USDT", true, -1, 13, bids0, asks0));
  io.sent.clear();
  feed(book_msg("ETH-USDT", false, 21, 22, {}, {}));  // gap: both requests wait
  EXPECT_TRUE(io.sent.empty());
  EXPECT_EQ(s.pacer().pending(), 2u);
  EXPECT_EQ(metrics.value("mdfan_adapter_requests_delayed_total", R"(exchange="okx")"), 2);
  // ETH's snapshot is long overdue, but its resubscribe has not left yet: nothing more is queued.
  io.now += 3000'000'000'000;
  s.on_ping(io);
  EXPECT_EQ(io.sent, std::vector<std::string>{"ping"});
  EXPECT_EQ(s.pacer().pending(), 2u);
  // An hour after the first request: the queued pair leaves, in order.
  io.sent.clear();
  io.now += 600'000'000'000;
  s.on_ping(io);
  const auto resub =
      std::vector<std::string>{R"({"op":"unsubscribe","args":[{"channel":"books","instId":"ETH-USDT"}]})",
                               R"({"op":"subscribe","args":[{"channel":"books","instId":"ETH-USDT"}]})", "ping"};
  EXPECT_EQ(io.sent, resub);
  EXPECT_EQ(s.pacer().pending(), 0u);
  EXPECT_EQ(metrics.value("mdfan_adapter_requests_delayed_total", R"(exchange="okx")"), 2);
  feed(book_msg("ETH-USDT", true, -1, 30, bids0, asks0));
  EXPECT_TRUE(s.book("ETH-USDT")->synced());
}

}  // namespace
}  // namespace mdfan::adapters
