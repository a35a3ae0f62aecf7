// binance_book_sync: the documented Binance Spot local-book algorithm, driven without sockets.
#include "adapters/binance/book_sync.hpp"

#include <map>
#include <random>

#include <gtest/gtest.h>

#include "adapters/binance/parser.hpp"
#include "binance/test_util.hpp"

namespace mdfan::adapters {
namespace {

using test::levels;
using test::same_levels;
using test::show;
using action = binance_sync_action;

using lv = std::initializer_list<std::pair<const char*, const char*>>;

binance_depth_diff diff(std::uint64_t U, std::uint64_t u, lv bids = {}, lv asks = {}, const char* sym = "BTCUSDT") {
  binance_depth_diff d;
  d.symbol = sym;
  d.instrument = binance_symbols{}.normalize(sym);
  d.event_time_ns = static_cast<std::int64_t>(u) * 1000;
  d.first_update_id = U;
  d.last_update_id = u;
  d.bids = levels(bids);
  d.asks = levels(asks);
  return d;
}

binance_depth_snapshot snapshot(std::uint64_t last_update_id, lv bids, lv asks) {
  binance_depth_snapshot s;
  s.last_update_id = last_update_id;
  s.bids = levels(bids);
  s.asks = levels(asks);
  return s;
}

// A book sync that records what it emits.
struct fixture {
  explicit fixture(binance_book_sync_config cfg = {}, const char* sym = "BTCUSDT")
      : sync(sym, binance_symbols{}.normalize(sym), cfg, [this](event&& e) { events.push_back(std::move(e)); }) {}

  const book_update& book_event(std::size_t i) const { return std::get<book_update>(events.at(i)); }

  // Buffers [100,105], gets snapshot 100 and syncs: book id 105, bids 10/9, asks 11/12.
  void sync_at_105() {
    EXPECT_EQ(sync.on_diff(diff(100, 105, {{"9", "1"}}, {{"12", "1"}}), 1), action::fetch_snapshot);
    EXPECT_EQ(sync.on_snapshot(snapshot(100, {{"10", "1"}}, {{"11", "1"}}), 2), action::none);
    ASSERT_TRUE(sync.synced());
    ASSERT_EQ(sync.book().sequence(), 105u);
    events.clear();
  }

  std::vector<event> events;
  binance_book_sync sync;
};

TEST(BinanceBookSync, NoBookEventWhileUnsynced) {
  fixture f;
  EXPECT_EQ(f.sync.on_diff(diff(100, 105), 1), action::fetch_snapshot);  // first diff: ask for a snapshot
  EXPECT_EQ(f.sync.on_diff(diff(106, 110), 2), action::none);            // already asked
  EXPECT_EQ(f.sync.on_diff(diff(111, 115), 3), action::none);
  EXPECT_TRUE(f.sync.fetch_pending());
  EXPECT_FALSE(f.sync.synced());
  EXPECT_EQ(f.sync.buffered(), 3u);
  EXPECT_TRUE(f.events.empty());
}

TEST(BinanceBookSync, BufferedDiffsBeforeSnapshotAreDiscardedAndBridgingOneApplied) {
  fixture f;
  f.sync.on_diff(diff(100, 105, {{"5", "5"}}), 1);                   // u <= lastUpdateId: discarded
  f.sync.on_diff(diff(106, 110, {{"10", "2"}, {"8", "0"}}), 2);      // bridges 107: applied
  f.sync.on_diff(diff(111, 115, {{"9.5", "3"}}, {{"11", "0"}}), 3);  // continues: applied
  EXPECT_TRUE(f.events.empty());

  const auto a =
      f.sync.on_snapshot(snapshot(107, {{"10", "1"}, {"9", "1"}, {"8", "1"}}, {{"11", "1"}, {"12", "1"}}), 4);
  EXPECT_EQ(a, action::none);
  ASSERT_TRUE(f.sync.synced());
  EXPECT_EQ(f.sync.stats().stale_dropped, 1u);
  EXPECT_FALSE(f.sync.fetch_pending());

  // Exactly one event: the snapshot, with the buffered diffs already applied.
  ASSERT_EQ(f.events.size(), 1u);
  const auto& s = f.book_event(0);
  EXPECT_TRUE(s.snapshot);
  EXPECT_EQ(s.sequence, 115u);
  EXPECT_EQ(s.first_sequence, 115u);
  EXPECT_EQ(s.exchange, exchange_id::binance);
  EXPECT_EQ(s.symbol, "BTCUSDT");
  EXPECT_EQ(s.instrument, "BTC-USDT");
  EXPECT_EQ(s.exchange_ts_ns, 115000);  // E of the last applied diff
  EXPECT_EQ(s.receive_ts_ns, 4);
  EXPECT_TRUE(same_levels(s.bids, levels({{"10", "2"}, {"9.5", "3"}, {"9", "1"}}))) << show(s.bids);
  EXPECT_TRUE(same_levels(s.asks, levels({{"12", "1"}}))) << show(s.asks);

  // Live diffs then come out as deltas, levels as sent.
  EXPECT_EQ(f.sync.on_diff(diff(116, 118, {{"10", "0"}}, {{"11.5", "4"}}), 5), action::none);
  ASSERT_EQ(f.events.size(), 2u);
  const auto& d = f.book_event(1);
  EXPECT_FALSE(d.snapshot);
  EXPECT_EQ(d.first_sequence, 116u);
  EXPECT_EQ(d.sequence, 118u);
  EXPECT_EQ(d.exchange_ts_ns, 118000);
  EXPECT_EQ(d.receive_ts_ns, 5);
  EXPECT_EQ(d.instrument, "BTC-USDT");
  EXPECT_TRUE(same_levels(d.bids, levels({{"10", "0"}}))) << show(d.bids);
  EXPECT_TRUE(same_levels(d.asks, levels({{"11.5", "4"}}))) << show(d.asks);
  EXPECT_TRUE(same_levels(f.sync.book().bids(), levels({{"9.5", "3"}, {"9", "1"}})));
  EXPECT_TRUE(same_levels(f.sync.book().asks(), levels({{"11.5", "4"}, {"12", "1"}})));
}

TEST(BinanceBookSync, SnapshotOlderThanFirstBufferedUIsFetchedAgain) {
  fixture f;
  f.sync.on_diff(diff(100, 105), 1);
  f.sync.on_diff(diff(106, 110), 2);
  EXPECT_EQ(f.sync.on_snapshot(snapshot(98, {{"1", "1"}}, {{"2", "1"}}), 3), action::fetch_snapshot);
  EXPECT_EQ(f.sync.stats().refetches, 1u);
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.events.empty());
  EXPECT_EQ(f.sync.buffered(), 2u);  // the buffer is kept for the next snapshot
  // lastUpdateId == U - 1 is still "strictly less than U": the documented rule fetches again.
  EXPECT_EQ(f.sync.on_snapshot(snapshot(99, {{"1", "1"}}, {{"2", "1"}}), 4), action::fetch_snapshot);
  EXPECT_EQ(f.sync.stats().refetches, 2u);
  EXPECT_EQ(f.sync.on_snapshot(snapshot(104, {{"1", "1"}}, {{"2", "1"}}), 5), action::none);
  EXPECT_TRUE(f.sync.synced());
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.book_event(0).sequence, 110u);
}

TEST(BinanceBookSync, FirstAppliedDiffMustBridgeElseResync) {
  fixture f;
  f.sync.on_diff(diff(100, 105), 1);
  f.sync.on_diff(diff(110, 115), 2);  // 106..109 never arrived
  // 105 <= 106: dropped; next U=110 > 107: no bridge.
  EXPECT_EQ(f.sync.on_snapshot(snapshot(106, {{"1", "1"}}, {{"2", "1"}}), 3), action::fetch_snapshot);
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.events.empty());
  EXPECT_EQ(f.sync.stats().gaps, 1u);
  EXPECT_EQ(f.sync.stats().resyncs, 1u);
  EXPECT_TRUE(f.sync.book().empty());
  // A newer snapshot inside [110, 115] syncs from the kept diff.
  EXPECT_EQ(f.sync.on_snapshot(snapshot(112, {{"1", "1"}}, {{"2", "1"}}), 4), action::none);
  EXPECT_TRUE(f.sync.synced());
  EXPECT_EQ(f.book_event(0).sequence, 115u);
}

TEST(BinanceBookSync, GapInsideTheBufferResyncs) {
  fixture f;
  f.sync.on_diff(diff(100, 105), 1);
  f.sync.on_diff(diff(106, 110), 2);
  f.sync.on_diff(diff(120, 125), 3);  // hole after 110
  EXPECT_EQ(f.sync.on_snapshot(snapshot(103, {{"1", "1"}}, {{"2", "1"}}), 4), action::fetch_snapshot);
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.events.empty());
  EXPECT_EQ(f.sync.stats().gaps, 1u);
  EXPECT_EQ(f.sync.buffered(), 1u);  // from the hole on
  EXPECT_EQ(f.sync.on_snapshot(snapshot(119, {{"1", "1"}}, {{"2", "1"}}), 5), action::fetch_snapshot);  // < U=120
  EXPECT_EQ(f.sync.on_snapshot(snapshot(121, {{"1", "1"}}, {{"2", "1"}}), 6), action::none);
  EXPECT_TRUE(f.sync.synced());
  EXPECT_EQ(f.book_event(0).sequence, 125u);
}

TEST(BinanceBookSync, SnapshotBeforeAnyBridgingDiffWaitsForIt) {
  fixture f;
  f.sync.on_diff(diff(100, 105), 1);
  // All buffered diffs are older than the snapshot: keep it and wait.
  EXPECT_EQ(f.sync.on_snapshot(snapshot(107, {{"1", "1"}}, {{"2", "1"}}), 2), action::none);
  EXPECT_FALSE(f.sync.synced());
  EXPECT_EQ(f.sync.on_diff(diff(106, 107), 3), action::none);  // still covered by the snapshot
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.events.empty());
  EXPECT_EQ(f.sync.on_diff(diff(108, 109, {{"1.5", "1"}}), 4), action::none);  // U == lastUpdateId + 1: bridges
  ASSERT_TRUE(f.sync.synced());
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.book_event(0).sequence, 109u);
  EXPECT_EQ(f.book_event(0).receive_ts_ns, 4);
  EXPECT_EQ(f.sync.stats().stale_dropped, 2u);
}

TEST(BinanceBookSync, StaleDiffsAfterSyncAreDropped) {
  fixture f;
  f.sync_at_105();
  EXPECT_EQ(f.sync.on_diff(diff(101, 104), 3), action::none);
  EXPECT_EQ(f.sync.on_diff(diff(100, 105), 3), action::none);  // the last applied one again
  EXPECT_TRUE(f.sync.synced());
  EXPECT_TRUE(f.events.empty());
  EXPECT_EQ(f.sync.stats().stale_dropped, 2u);
  EXPECT_EQ(f.sync.book().sequence(), 105u);
  EXPECT_EQ(f.sync.on_diff(diff(106, 106), 4), action::none);
  EXPECT_EQ(f.events.size(), 1u);
}

TEST(BinanceBookSync, GapResyncsThatSymbolOnly) {
  fixture a({}, "BTCUSDT");
  fixture b({}, "ETHUSDT");
  a.sync_at_105();
  b.sync_at_105();
  const auto b_bids = b.sync.book().bids();

  EXPECT_EQ(a.sync.on_diff(diff(110, 112), 3), action::fetch_snapshot);  // missed 106..109
  EXPECT_FALSE(a.sync.synced());
  EXPECT_TRUE(a.sync.book().empty());
  EXPECT_EQ(a.sync.stats().gaps, 1u);
  EXPECT_EQ(a.sync.stats().resyncs, 1u);
  EXPECT_EQ(a.sync.buffered(), 1u);  // the gap diff starts the new buffer
  EXPECT_TRUE(a.events.empty());
  EXPECT_EQ(a.sync.on_diff(diff(113, 114), 4), action::none);
  EXPECT_TRUE(a.events.empty());

  // The other symbol is untouched and keeps going.
  EXPECT_TRUE(b.sync.synced());
  EXPECT_TRUE(same_levels(b.sync.book().bids(), b_bids));
  EXPECT_EQ(b.sync.stats().resyncs, 0u);
  EXPECT_EQ(b.sync.on_diff(diff(106, 108, {{"10", "7"}}), 5), action::none);
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.book_event(0).instrument, "ETH-USDT");

  // A resynced with a new snapshot.
  EXPECT_EQ(a.sync.on_snapshot(snapshot(111, {{"10", "1"}}, {{"11", "1"}}), 6), action::none);
  EXPECT_TRUE(a.sync.synced());
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_TRUE(a.book_event(0).snapshot);
  EXPECT_EQ(a.book_event(0).sequence, 114u);
}

TEST(BinanceBookSync, OverlappingDiffAfterSyncIsAGap) {
  fixture f;
  f.sync_at_105();
  EXPECT_EQ(f.sync.on_diff(diff(104, 108), 3), action::fetch_snapshot);  // U != 106
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.events.empty());
}

TEST(BinanceBookSync, CrossedBookResyncs) {
  fixture f;
  f.sync_at_105();
  EXPECT_EQ(f.sync.on_diff(diff(106, 106, {{"11.5", "1"}}), 3), action::none);  // bid 11.5 >= ask 11
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.sync.book().empty());
  EXPECT_TRUE(f.events.empty());
  EXPECT_EQ(f.sync.stats().crossed, 1u);
  EXPECT_EQ(f.sync.stats().resyncs, 1u);
  EXPECT_EQ(f.sync.on_diff(diff(107, 107), 4), action::fetch_snapshot);  // next diff asks for a snapshot
  EXPECT_TRUE(f.events.empty());
}

TEST(BinanceBookSync, CrossedBookDuringInitialSyncEmitsNothing) {
  fixture f;
  f.sync.on_diff(diff(100, 105, {}, {{"9", "1"}}), 1);  // ask 9 below bid 10
  EXPECT_EQ(f.sync.on_snapshot(snapshot(100, {{"10", "1"}}, {{"11", "1"}}), 2), action::none);
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.events.empty());
  EXPECT_EQ(f.sync.stats().crossed, 1u);
}

TEST(BinanceBookSync, MalformedDepthMessageResyncs) {
  fixture f;
  f.sync_at_105();
  f.sync.on_malformed();
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.sync.book().empty());
  EXPECT_EQ(f.sync.stats().malformed, 1u);
  EXPECT_EQ(f.sync.stats().resyncs, 1u);
  EXPECT_EQ(f.sync.on_diff(diff(107, 108), 3), action::fetch_snapshot);
  EXPECT_TRUE(f.events.empty());
}

TEST(BinanceBookSync, UnorderableLevelResyncsWithoutEmitting) {
  fixture f;
  f.sync_at_105();
  // 19 fractional digits cannot be ordered exactly: treated as corrupt, never applied half-way.
  EXPECT_EQ(f.sync.on_diff(diff(106, 106, {{"0.0000000000000000001", "1"}}), 3), action::none);
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.events.empty());
  EXPECT_EQ(f.sync.stats().malformed, 1u);
}

// What the adapter does with each message: malformed ones never reach or corrupt a book,
// except that a malformed depth message for the book's symbol resyncs it.
TEST(BinanceBookSync, MalformedMessagesDoNotCorruptTheBook) {
  fixture f;
  f.sync_at_105();
  const auto bids = f.sync.book().bids();
  const auto asks = f.sync.book().asks();
  binance_parser p;
  auto feed = [&](const std::string& json) {
    binance_message m;
    binance_parse_error err;
    if (!p.parse(json, 9, m, err)) {
      if (err.depth && err.symbol == f.sync.symbol()) f.sync.on_malformed();
      return false;
    }
    if (auto* d = std::get_if<binance_depth_diff>(&m)) f.sync.on_diff(std::move(*d), 9);
    return true;
  };
  EXPECT_FALSE(feed(R"({"e":"trade","s":"BTCUSDT","p":"oops"})"));
  EXPECT_FALSE(feed("{\"stream\":\"ethusdt@depth\",\"data\":{\"e\":\"depthUpdate\",\"s\":\"ETHUSDT\""));
  EXPECT_FALSE(feed(R"({"e":"depthUpdate","E":1,"s":"XRPUSDT","U":106,"u":107,"b":[["x","1"]],"a":[]})"));
  EXPECT_TRUE(f.sync.synced());  // other books' trouble is not ours
  EXPECT_TRUE(same_levels(f.sync.book().bids(), bids));
  EXPECT_TRUE(same_levels(f.sync.book().asks(), asks));
  EXPECT_TRUE(f.events.empty());

  EXPECT_TRUE(feed(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":106,"u":106,"b":[["10","5"]],"a":[]})"));
  ASSERT_EQ(f.events.size(), 1u);
  // A malformed diff for this book: it resyncs, and the bad levels were never applied.
  EXPECT_FALSE(feed(
      R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":107,"u":107,"b":[["10","bad"]],"a":[]}})"));
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.sync.book().empty());
  EXPECT_EQ(f.events.size(), 1u);
}

TEST(BinanceBookSync, BufferOverflowResyncs) {
  fixture f({0, 3});
  f.sync.on_diff(diff(1, 1), 1);
  f.sync.on_diff(diff(2, 2), 1);
  f.sync.on_diff(diff(3, 3), 1);
  EXPECT_EQ(f.sync.buffered(), 3u);
  f.sync.on_diff(diff(4, 4), 1);
  EXPECT_EQ(f.sync.stats().overflows, 1u);
  EXPECT_EQ(f.sync.stats().resyncs, 1u);
  EXPECT_EQ(f.sync.buffered(), 1u);
  // The new round starts at U=4: a snapshot at 3 is now too old.
  EXPECT_EQ(f.sync.on_snapshot(snapshot(3, {{"1", "1"}}, {{"2", "1"}}), 2), action::fetch_snapshot);
  f.sync.on_diff(diff(5, 6), 3);
  EXPECT_EQ(f.sync.on_snapshot(snapshot(5, {{"1", "1"}}, {{"2", "1"}}), 4), action::none);
  EXPECT_TRUE(f.sync.synced());
  EXPECT_EQ(f.sync.book().sequence(), 6u);
}

TEST(BinanceBookSync, SnapshotDepthLimitsTheEmittedSnapshot) {
  fixture f({1, 10000});
  f.sync.on_diff(diff(10, 11), 1);
  f.sync.on_snapshot(snapshot(10, {{"3", "1"}, {"2", "1"}, {"1", "1"}}, {{"4", "1"}, {"5", "1"}}), 2);
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_TRUE(same_levels(f.book_event(0).bids, levels({{"3", "1"}})));
  EXPECT_TRUE(same_levels(f.book_event(0).asks, levels({{"4", "1"}})));
  EXPECT_EQ(f.sync.book().bid_count(), 3u);  // the local book keeps everything
}

TEST(BinanceBookSync, ResetOnReconnectForgetsTheBook) {
  fixture f;
  f.sync_at_105();
  f.sync.reset();
  EXPECT_FALSE(f.sync.synced());
  EXPECT_TRUE(f.sync.book().empty());
  EXPECT_EQ(f.sync.stats().resyncs, 1u);
  f.sync.reset();  // nothing left to discard: not counted again
  EXPECT_EQ(f.sync.stats().resyncs, 1u);
  EXPECT_EQ(f.sync.on_diff(diff(500, 510), 3), action::fetch_snapshot);
  EXPECT_TRUE(f.events.empty());
}

TEST(BinanceBookSync, FailedFetchIsAskedAgain) {
  fixture f;
  EXPECT_EQ(f.sync.on_diff(diff(100, 105), 1), action::fetch_snapshot);
  EXPECT_EQ(f.sync.on_snapshot_failed(), action::fetch_snapshot);
  EXPECT_TRUE(f.sync.fetch_pending());
  f.sync.reset();
  EXPECT_EQ(f.sync.on_snapshot_failed(), action::none);  // nothing buffered: the next diff asks
  EXPECT_EQ(f.sync.on_diff(diff(106, 107), 2), action::fetch_snapshot);
}

TEST(BinanceBookSync, InFlightSnapshotSurvivesReconnect) {
  fixture f;
  EXPECT_EQ(f.sync.on_diff(diff(100, 105), 1), action::fetch_snapshot);
  f.sync.reset();                                              // connection lost while the fetch is in flight
  EXPECT_EQ(f.sync.on_diff(diff(300, 305), 2), action::none);  // the fetch in flight will be checked
  EXPECT_EQ(f.sync.on_snapshot(snapshot(104, {{"1", "1"}}, {{"2", "1"}}), 3), action::fetch_snapshot);  // too old
  EXPECT_EQ(f.sync.on_snapshot(snapshot(302, {{"1", "1"}}, {{"2", "1"}}), 4), action::none);
  EXPECT_TRUE(f.sync.synced());
}

// A random feed with lost, repeated and late diffs and snapshots of varying age: whatever the sync
// emits, a consumer applying it (snapshot, then deltas that must continue it) always holds exactly
// the true book at the emitted sequence.
TEST(BinanceBookSync, RandomFeedKeepsConsumerBookExact) {
  std::mt19937_64 rng(12345);
  auto chance = [&](double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; };
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  // The true stream: contiguous diffs; bids 1..50, asks 51..100, so the true book never crosses.
  order_book truth;
  truth.reset(levels({{"10", "1"}}), levels({{"60", "1"}}), 1000);
  std::map<std::uint64_t, std::pair<std::vector<price_level>, std::vector<price_level>>> truth_at;
  truth_at[1000] = {truth.bids(), truth.asks()};
  std::vector<binance_depth_diff> stream;
  std::uint64_t id = 1000;
  for (int i = 0; i < 3000; ++i) {
    binance_depth_diff d;
    d.symbol = "BTCUSDT";
    d.instrument = "BTC-USDT";
    d.first_update_id = id + 1;
    id += static_cast<std::uint64_t>(pick(1, 3));
    d.last_update_id = id;
    for (int k = pick(0, 3); k > 0; --k)
      d.bids.push_back({decimal::from(std::to_string(pick(1, 50))), decimal::from(std::to_string(pick(0, 3)))});
    for (int k = pick(0, 3); k > 0; --k)
      d.asks.push_back({decimal::from(std::to_string(pick(51, 100))), decimal::from(std::to_string(pick(0, 3)))});
    for (const auto& l : d.bids) truth.apply_bid(l);
    for (const auto& l : d.asks) truth.apply_ask(l);
    truth_at[id] = {truth.bids(), truth.asks()};
    stream.push_back(std::move(d));
  }

  order_book mirror;
  bool mirror_synced = false;
  std::size_t snapshots = 0, deltas = 0, checks = 0;
  binance_book_sync sync("BTCUSDT", "BTC-USDT", {}, [&](event&& e) {
    const auto& u = std::get<book_update>(e);
    if (u.snapshot) {
      ++snapshots;
      ASSERT_TRUE(mirror.reset(u.bids, u.asks, u.sequence));
      mirror_synced = true;
    } else {
      ++deltas;
      ASSERT_TRUE(mirror_synced) << "delta before any snapshot";
      ASSERT_EQ(u.first_sequence, mirror.sequence() + 1) << "delta does not continue the consumer's book";
      ASSERT_TRUE(mirror.apply(u));
    }
    const auto& t = truth_at.at(u.sequence);
    ASSERT_TRUE(same_levels(mirror.bids(), t.first)) << u.sequence << " " << show(mirror.bids());
    ASSERT_TRUE(same_levels(mirror.asks(), t.second)) << u.sequence << " " << show(mirror.asks());
    ++checks;
  });

  std::uint64_t delivered_up_to = 1000;  // the newest id the "exchange" has published
  int snapshot_in = -1;                  // diffs until the requested snapshot arrives
  auto deliver_snapshot = [&] {
    // Usually the current book; sometimes an older one (REST lagging the stream).
    auto it = truth_at.find(delivered_up_to);
    for (int back = chance(0.3) ? pick(1, 6) : 0; back > 0 && it != truth_at.begin(); --back) --it;
    binance_depth_snapshot s;
    s.last_update_id = it->first;
    s.bids = it->second.first;
    s.asks = it->second.second;
    if (sync.on_snapshot(std::move(s), 0) == action::fetch_snapshot) snapshot_in = pick(0, 4);
  };
  for (std::size_t i = 0; i < stream.size(); ++i) {
    delivered_up_to = stream[i].last_update_id;
    if (chance(0.01)) continue;                                                     // lost
    if (i > 0 && chance(0.02)) sync.on_diff(binance_depth_diff(stream[i - 1]), 0);  // repeated
    if (sync.on_diff(binance_depth_diff(stream[i]), 0) == action::fetch_snapshot) snapshot_in = pick(0, 4);
    if (snapshot_in == 0) {
      snapshot_in = -1;
      deliver_snapshot();
    } else if (snapshot_in > 0) {
      --snapshot_in;
    }
  }
  EXPECT_GT(snapshots, 5u);
  EXPECT_GT(deltas, 1000u);
  EXPECT_EQ(checks, snapshots + deltas);
  EXPECT_GT(sync.stats().gaps, 5u);
  EXPECT_GT(sync.stats().stale_dropped, 5u);
  EXPECT_GT(sync.stats().refetches, 0u);
}

}  // namespace
}  // namespace mdfan::adapters
