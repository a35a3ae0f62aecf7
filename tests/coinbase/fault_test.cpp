// The Coinbase adapter against the simulator's Coinbase venue on loopback, in process: two products,
// each product's level2 on a connection of its own and the tickers on a third (the adapter's layout),
// scripted book faults, dropped connections and a silent feed.
//
// What is asserted follows from what Coinbase lets a client know:
// - skip_sequence loses a level2 update of product A in transit. sequence_num is per connection, and
//   A's level2 has a connection of its own: the skip there can only be A's. A resyncs once (reason
//   "gap"); B's connection saw no skip: B is not resynced, its deltas continue, nothing reconnects.
// - bad_checksum (Coinbase has no checksum) makes A's book crossed: A alone resyncs ("crossed").
// - malformed names A before it breaks: A alone resyncs ("malformed").
// In every case the connection stays up, the next book event of a resynced product is a snapshot, and
// the books a client builds from the events equal fresh snapshots taken with the market paused.
#include <chrono>
#include <future>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/coinbase/factory.hpp"
#include "adapters/coinbase/sim_venue.hpp"
#include "adapters/sim/simulator.hpp"
#include "core/order_book.hpp"
#include "feed/feed_test_util.hpp"
#include "support/exchange_test_util.hpp"

namespace mdfan::adapters {
namespace {

using namespace std::chrono_literals;
using test::wait_until;

constexpr const char* A = "BTC-USD";
constexpr const char* B = "ETH-USD";

// What a client sees of one product's book events.
struct client_book {
  order_book book;
  bool live = false;
  std::uint64_t last_seq = 0;
  std::uint64_t snapshots = 0, deltas = 0;
  std::uint64_t discontinuities = 0;           // a delta that did not continue the last event
  std::uint64_t crossed = 0;                   // the client's book crossed after an event
  std::uint64_t compared = 0, mismatched = 0;  // snapshots checked against the book built so far
  std::vector<bool> kinds;                     // true: snapshot, in arrival order
};

bool same(const std::vector<price_level>& a, const std::vector<price_level>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i].price == b[i].price) || !(a[i].size == b[i].size)) return false;
  return true;
}

class harness {
 public:
  harness() : sim_(make_cfg(), sim::make_coinbase_venue(make_cfg()), test::quiet()) {
    sim_.start();
    adapter_options o;
    o.exchange = exchange_id::coinbase;
    o.symbols = {A, B};
    o.types = {event_type::book, event_type::ticker};
    o.ws_url = fmt::format("ws://127.0.0.1:{}", sim_.port());
    auto cfg = coinbase_config_from(o);
    cfg.idle_timeout = 1500ms;
    adapter_ = make_coinbase_adapter(
        io_.executor(), std::move(cfg), [this](event&& ev) { on_event(std::move(ev)); }, test::quiet(), metrics_);
    adapter_->start();
  }
  ~harness() {
    test::stop_and_wait(*adapter_);
    sim_.stop();
  }

  static sim::sim_config make_cfg() {
    sim::sim_config c;
    c.exchange = "coinbase";
    c.symbols = {A, B};
    c.rate = 2000;
    c.seed = 11;
    c.start_time_ms = 1'700'000'000'000;
    return c;
  }

  client_book view(const char* p) {
    std::lock_guard lock(mu_);
    return books_[p];
  }
  std::int64_t resyncs(const char* product, const char* reason) const {
    return metrics_.value("mdfan_adapter_resyncs_total",
                          fmt::format(R"(exchange="coinbase",instrument="{}",reason="{}")", product, reason));
  }
  std::int64_t resyncs_any(const char* product) const {
    std::int64_t n = 0;
    for (const char* r : {"gap", "checksum", "crossed", "malformed", "reconnect", "reset"}) n += resyncs(product, r);
    return n;
  }
  std::int64_t reconnects() const { return metrics_.value("mdfan_adapter_reconnects_total", R"(exchange="coinbase")"); }
  std::int64_t gaps() const { return metrics_.value("mdfan_adapter_sequence_gaps_total", R"(exchange="coinbase")"); }

  // Both books synced and moving.
  bool warm(std::uint64_t deltas = 20) {
    return wait_until([&] { return view(A).deltas >= deltas && view(B).deltas >= deltas; }, 15s);
  }
  // Pauses the market; the idle watchdog then reconnects and the fresh snapshots must equal the
  // books built from the events (nothing wrong was emitted). Resumes afterwards.
  void verify_books_by_fresh_snapshots() {
    const auto before = reconnects();
    const auto ca = view(A).compared, cb = view(B).compared;
    sim_.set_paused(true);
    {
      std::lock_guard lock(mu_);
      compare_ = true;
    }
    EXPECT_TRUE(wait_until([&] { return reconnects() > before; }, 10s)) << "watchdog did not reconnect";
    EXPECT_TRUE(wait_until([&] { return view(A).compared > ca && view(B).compared > cb; }, 10s));
    {
      std::lock_guard lock(mu_);
      compare_ = false;
    }
    EXPECT_EQ(view(A).mismatched, 0u);
    EXPECT_EQ(view(B).mismatched, 0u);
    sim_.set_paused(false);
  }

  // Injects a fault for A and checks the common outcome: A resynced once for `reason`, its next book
  // event after the fault a snapshot, the connection kept.
  void fault(sim::fault_kind kind, const char* reason) {
    ASSERT_TRUE(warm());
    const auto reconnects0 = reconnects();
    const auto a0 = view(A);
    const auto resync_a0 = resyncs_any(A);
    ASSERT_EQ(sim_.inject(kind, A).get(), "");
    ASSERT_TRUE(wait_until([&] { return resyncs(A, reason) == 1; }, 10s)) << reason;
    ASSERT_TRUE(
        wait_until([&] { return view(A).snapshots == a0.snapshots + 1 && view(A).deltas > a0.deltas + 5; }, 10s));
    const auto a1 = view(A);
    EXPECT_EQ(resyncs_any(A), resync_a0 + 1);  // one fault, one resync
    // After the fault: deltas that came before it, one snapshot, deltas. Never a delta emitted between
    // the fault and the snapshot (the client book would have shown it: crossed or different below).
    std::size_t snaps = 0;
    for (std::size_t i = a0.kinds.size(); i < a1.kinds.size(); ++i) snaps += a1.kinds[i];
    EXPECT_EQ(snaps, 1u);
    EXPECT_EQ(a1.discontinuities, 0u);
    EXPECT_EQ(a1.crossed, 0u);
    EXPECT_EQ(reconnects(), reconnects0);  // the connection was not dropped
  }

  sim::simulator& sim() { return sim_; }
  metrics_registry& metrics() { return metrics_; }

 private:
  void on_event(event&& ev) {
    const auto* u = std::get_if<book_update>(&ev);
    if (!u) return;
    std::lock_guard lock(mu_);
    auto& c = books_[u->symbol];
    if (u->snapshot) {
      if (compare_ && c.live) {
        ++c.compared;
        if (!same(c.book.bids(), u->bids) || !same(c.book.asks(), u->asks)) ++c.mismatched;
      }
      ++c.snapshots;
      c.live = true;
    } else {
      if (!c.live || u->first_sequence != c.last_seq + 1) ++c.discontinuities;
      ++c.deltas;
    }
    c.kinds.push_back(u->snapshot);
    c.last_seq = u->sequence;
    c.book.apply(*u);
    if (c.book.crossed()) ++c.crossed;
  }

  sim::simulator sim_;
  test::io_thread io_;
  metrics_registry metrics_;
  std::unique_ptr<exchange_adapter> adapter_;
  std::mutex mu_;
  std::map<std::string, client_book> books_;
  bool compare_ = false;
};

TEST(CoinbaseFault, SkipSequenceResyncsThatProductOnly) {
  harness h;
  const auto b0 = (h.warm(), h.view(B));
  h.fault(sim::fault_kind::skip_sequence, "gap");  // A: one gap resync, then a snapshot; no reconnect at all
  EXPECT_EQ(h.gaps(), 1);
  EXPECT_EQ(h.resyncs_any(A), 1);
  // B's connection lost nothing: no resync, no new snapshot, its deltas go on continuing its book.
  EXPECT_TRUE(wait_until([&] { return h.view(B).deltas > b0.deltas + 20; }, 10s));
  const auto b1 = h.view(B);
  EXPECT_EQ(b1.snapshots, b0.snapshots);
  EXPECT_EQ(b1.discontinuities, 0u);
  EXPECT_EQ(h.resyncs_any(B), 0);
  h.verify_books_by_fresh_snapshots();
}

TEST(CoinbaseFault, CrossedBookResyncsThatProductOnly) {
  harness h;
  const auto b0 = (h.warm(), h.view(B));
  h.fault(sim::fault_kind::bad_checksum, "crossed");
  EXPECT_TRUE(wait_until([&] { return h.view(B).deltas > b0.deltas + 20; }, 10s));
  const auto b1 = h.view(B);
  EXPECT_EQ(b1.snapshots, b0.snapshots);  // B untouched: no new snapshot, its sequence continues
  EXPECT_EQ(b1.discontinuities, 0u);
  EXPECT_EQ(h.resyncs_any(B), 0);
  EXPECT_EQ(h.gaps(), 0);
  h.verify_books_by_fresh_snapshots();
}

TEST(CoinbaseFault, MalformedResyncsThatProductOnly) {
  harness h;
  const auto b0 = (h.warm(), h.view(B));
  h.fault(sim::fault_kind::malformed, "malformed");
  EXPECT_EQ(h.metrics().value("mdfan_adapter_malformed_total", R"(exchange="coinbase")"), 1);
  EXPECT_TRUE(wait_until([&] { return h.view(B).deltas > b0.deltas + 20; }, 10s));
  const auto b1 = h.view(B);
  EXPECT_EQ(b1.snapshots, b0.snapshots);
  EXPECT_EQ(b1.discontinuities, 0u);
  EXPECT_EQ(h.resyncs_any(B), 0);
  EXPECT_EQ(h.gaps(), 0);  // the malformed message's sequence_num was read
  h.verify_books_by_fresh_snapshots();
}

TEST(CoinbaseFault, DroppedConnectionReconnectsAndResubscribes) {
  harness h;
  ASSERT_TRUE(h.warm());
  const auto r0 = h.reconnects();
  const auto a0 = h.view(A), b0 = h.view(B);
  h.sim().drop_connections();
  // Three connections: the tickers', and A's and B's level2.
  ASSERT_TRUE(wait_until([&] { return h.reconnects() == r0 + 3; }, 10s));
  ASSERT_TRUE(wait_until(
      [&] {
        return h.view(A).snapshots == a0.snapshots + 1 && h.view(B).snapshots == b0.snapshots + 1 &&
               h.view(A).deltas > a0.deltas + 10 && h.view(B).deltas > b0.deltas + 10;
      },
      15s));
  EXPECT_EQ(h.resyncs(A, "reconnect"), 1);
  EXPECT_EQ(h.resyncs(B, "reconnect"), 1);
  EXPECT_EQ(h.gaps(), 0);  // the new connection's sequence_num starts afresh: no gap
  EXPECT_EQ(h.view(A).discontinuities, 0u);
}

TEST(CoinbaseFault, SilentFeedTripsTheWatchdog) {
  harness h;
  ASSERT_TRUE(h.warm());
  h.verify_books_by_fresh_snapshots();  // pause > idle_timeout: reconnect, fresh snapshots equal the books
  EXPECT_EQ(h.resyncs(A, "reconnect"), 1);
  EXPECT_EQ(h.resyncs(B, "reconnect"), 1);
  const auto d = h.view(A).deltas;
  EXPECT_TRUE(wait_until([&] { return h.view(A).deltas > d + 10; }, 10s));  // flowing again after resume
}

}  // namespace
}  // namespace mdfan::adapters
