// The Bybit adapter against the simulator's Bybit venue on loopback, in process: two symbols on one
// connection (linear, and spot for the ordinary flow), scripted book faults, dropped connections and
// a silent feed.
//
// Every book fault concerns symbol A only: skip_sequence (a delta lost in transit: the next u skips),
// bad_checksum (Bybit has no checksum: a delta whose u does not advance) and malformed (a truncated
// message on A's orderbook topic). Each must resync A exactly once, by unsubscribe + subscribe on the
// same connection, with A's next book event a snapshot and B's stream untouched.
#include <chrono>
#include <future>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/bybit/factory.hpp"
#include "adapters/bybit/sim_venue.hpp"
#include "adapters/sim/simulator.hpp"
#include "core/order_book.hpp"
#include "feed/feed_test_util.hpp"
#include "support/exchange_test_util.hpp"

namespace mdfan::adapters {
namespace {

using namespace std::chrono_literals;
using test::wait_until;

constexpr const char* A = "BTCUSDT";
constexpr const char* B = "ETHUSDT";

// What a client sees of one symbol's book events.
struct client_book {
  order_book book;
  bool live = false;
  std::uint64_t last_seq = 0;
  std::uint64_t snapshots = 0, deltas = 0;
  std::uint64_t discontinuities = 0;  // a delta that did not continue the last event (u + 1)
  std::uint64_t crossed = 0;          // the client's book crossed after an event
  std::vector<bool> kinds;            // true: snapshot, in arrival order
};

class harness {
 public:
  explicit harness(std::string market = "linear", std::vector<event_type> types = {event_type::book})
      : sim_(make_cfg(), sim::make_bybit_venue(make_cfg()), test::quiet()) {
    sim_.start();
    adapter_options o;
    o.exchange = exchange_id::bybit;
    o.market = std::move(market);
    o.symbols = {A, B};
    o.types = std::move(types);
    o.ws_url = fmt::format("ws://127.0.0.1:{}", sim_.port());
    auto cfg = make_bybit_config(o);
    cfg.idle_timeout = 1500ms;
    adapter_ = make_bybit_adapter(
        io_.executor(), cfg, [this](event&& ev) { on_event(std::move(ev)); }, test::quiet(), metrics_);
    adapter_->start();
  }
  ~harness() {
    test::stop_and_wait(*adapter_);
    sim_.stop();
  }

  static sim::sim_config make_cfg() {
    sim::sim_config c;
    c.exchange = "bybit";
    c.symbols = {A, B};
    c.rate = 2000;
    c.seed = 11;
    return c;
  }

  void on_event(event&& ev) {
    std::lock_guard lock(mu_);
    ++counts_[type_of(ev)];
    auto* u = std::get_if<book_update>(&ev);
    if (!u) return;
    auto& c = books_[u->symbol];
    c.kinds.push_back(u->snapshot);
    if (u->snapshot) {
      ++c.snapshots;
      c.live = true;
    } else {
      ++c.deltas;
      if (!c.live || u->first_sequence != c.last_seq + 1) ++c.discontinuities;
    }
    c.last_seq = u->sequence;
    c.book.apply(*u);
    c.book.truncate(50);
    if (c.book.crossed()) ++c.crossed;
  }

  client_book book(const std::string& symbol) {
    std::lock_guard lock(mu_);
    return books_[symbol];
  }
  std::uint64_t count(event_type t) {
    std::lock_guard lock(mu_);
    return counts_[t];
  }
  std::int64_t resyncs(const char* symbol, const char* reason) const {
    const std::string instrument = std::string(symbol).substr(0, 3) + "-USDT";
    return metrics_.value("mdfan_adapter_resyncs_total",
                          fmt::format(R"(exchange="bybit",instrument="{}",reason="{}")", instrument, reason));
  }
  std::int64_t reconnects() const { return metrics_.value("mdfan_adapter_reconnects_total", R"(exchange="bybit")"); }

  // Both books synced with some deltas flowing.
  void wait_flowing() {
    ASSERT_TRUE(wait_until([&] { return book(A).deltas > 20 && book(B).deltas > 20; }, 15s))
        << "A deltas " << book(A).deltas << ", B deltas " << book(B).deltas;
  }

  sim::simulator sim_;
  metrics_registry metrics_;
  test::io_thread io_;
  std::unique_ptr<exchange_adapter> adapter_;
  std::mutex mu_;
  std::map<std::string, client_book> books_;
  std::map<event_type, std::uint64_t> counts_;
};

void run_fault(sim::fault_kind kind, const char* reason) {
  harness h;
  h.wait_flowing();
  const auto reconnects = h.reconnects();
  const auto b_before = h.book(B);
  const auto a_before = h.book(A);
  ASSERT_EQ(h.sim_.inject(kind, A).get(), "");
  ASSERT_TRUE(wait_until([&] { return h.resyncs(A, reason) >= 1; }, 10s)) << "no " << reason << " resync of A";
  // A resynced: a fresh snapshot, then deltas again.
  ASSERT_TRUE(wait_until([&] { return h.book(A).snapshots >= 2 && h.book(A).kinds.back() == false; }, 10s));
  const auto b_mid = h.book(B);
  ASSERT_TRUE(wait_until([&] { return h.book(B).deltas > b_mid.deltas + 20; }, 10s));

  const auto a = h.book(A);
  const auto b = h.book(B);
  EXPECT_EQ(h.resyncs(A, reason), 1);
  for (const char* r : {"gap", "checksum", "crossed", "malformed", "reconnect", "reset"}) {
    if (std::string(r) != reason) {
      EXPECT_EQ(h.resyncs(A, r), 0) << r;
    }
    EXPECT_EQ(h.resyncs(B, r), 0) << r;
  }
  EXPECT_EQ(a.snapshots, 2u);  // the first, and the one after the fault
  // The first A event after the fault's resync is the snapshot: no delta was emitted unsynced.
  EXPECT_EQ(a.discontinuities, 0u);
  EXPECT_EQ(a.crossed, 0u);
  EXPECT_GT(a.deltas, a_before.deltas);
  EXPECT_EQ(b.snapshots, b_before.snapshots);  // B untouched: no new snapshot, sequence continues
  EXPECT_EQ(b.discontinuities, 0u);
  EXPECT_EQ(b.crossed, 0u);
  EXPECT_EQ(h.reconnects(), reconnects);  // the connection stayed up
}

TEST(BybitFault, SkipSequenceResyncsOneBook) { run_fault(sim::fault_kind::skip_sequence, "gap"); }
TEST(BybitFault, BadSequenceFieldResyncsOneBook) { run_fault(sim::fault_kind::bad_checksum, "gap"); }
TEST(BybitFault, MalformedResyncsOneBook) { run_fault(sim::fault_kind::malformed, "malformed"); }

TEST(BybitFault, DroppedConnectionReconnectsAndResubscribes) {
  harness h;
  h.wait_flowing();
  const auto reconnects = h.reconnects();
  h.sim_.drop_connections();
  ASSERT_TRUE(wait_until([&] { return h.reconnects() > reconnects; }, 10s));
  ASSERT_TRUE(wait_until([&] { return h.book(A).snapshots >= 2 && h.book(B).snapshots >= 2; }, 15s));
  ASSERT_TRUE(wait_until([&] { return h.book(A).kinds.back() == false && h.book(B).kinds.back() == false; }, 10s));
  EXPECT_EQ(h.resyncs(A, "reconnect"), 1);
  EXPECT_EQ(h.resyncs(B, "reconnect"), 1);
  EXPECT_EQ(h.book(A).discontinuities, 0u);
  EXPECT_EQ(h.book(B).discontinuities, 0u);
}

TEST(BybitFault, SilentFeedTripsTheIdleWatchdog) {
  harness h;
  h.wait_flowing();
  const auto reconnects = h.reconnects();
  h.sim_.set_paused(true);
  ASSERT_TRUE(wait_until([&] { return h.reconnects() > reconnects; }, 10s)) << "idle watchdog did not fire";
  h.sim_.set_paused(false);
  const auto a = h.book(A).snapshots;
  ASSERT_TRUE(wait_until([&] { return h.book(A).snapshots > a - 1 && h.book(A).kinds.back() == false; }, 15s));
  ASSERT_TRUE(wait_until([&] { return h.book(A).deltas > 50; }, 15s));
  EXPECT_GE(h.resyncs(A, "reconnect"), 1);
  EXPECT_EQ(h.book(A).discontinuities, 0u);
}

// Spot and the other channels over the same venue: tickers, trades and candles flow, books stay whole.
TEST(BybitFault, SpotFlowsEveryChannel) {
  harness h("spot", {event_type::ticker, event_type::trade, event_type::book, event_type::candle});
  ASSERT_TRUE(wait_until(
      [&] {
        return h.count(event_type::ticker) > 5 && h.count(event_type::trade) > 5 && h.count(event_type::candle) > 1 &&
               h.book(A).deltas > 20 && h.book(B).deltas > 20;
      },
      15s))
      << "tickers " << h.count(event_type::ticker) << " trades " << h.count(event_type::trade) << " candles "
      << h.count(event_type::candle);
  EXPECT_EQ(h.book(A).discontinuities, 0u);
  EXPECT_EQ(h.book(A).crossed, 0u);
  EXPECT_EQ(h.book(A).snapshots, 1u);
  EXPECT_EQ(h.resyncs(A, "reset"), 0);
}

}  // namespace
}  // namespace mdfan::adapters
