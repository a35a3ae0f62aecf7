// The Kraken adapter against the in-process simulator (Kraken venue) on loopback, two symbols on one
// connection: each book fault resyncs exactly that symbol by unsubscribe + subscribe, its next book
// event is a snapshot, the other symbol's stream goes on untouched and the connection stays up;
// dropped connections and a silent feed (idle watchdog) reconnect and resubscribe.
#include <chrono>
#include <future>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/kraken/factory.hpp"
#include "adapters/common/wire_shape.hpp"
#include "adapters/kraken/sim_venue.hpp"
#include "adapters/sim/simulator.hpp"
#include "core/metrics.hpp"
#include "feed/feed_test_util.hpp"
#include "support/exchange_test_util.hpp"

namespace mdfan::adapters {
namespace {

using namespace std::chrono_literals;
using test::wait_until;

constexpr const char* A = "BTC/USD";
constexpr const char* B = "ETH/USD";

// One book event as the sink saw it, with A's resync count at that moment (read on the adapter's
// strand, in order with the session's own counting).
struct seen {
  book_update u;
  std::int64_t resyncs_a = 0;
};

struct harness {
  metrics_registry metrics;
  sim::sim_config cfg;
  std::unique_ptr<sim::simulator> sim;
  test::io_thread io;
  std::unique_ptr<exchange_adapter> adapter;
  std::mutex mu;
  std::vector<seen> books;
  std::string bad_sequence;  // first continuity violation seen, if any
  std::map<std::string, std::uint64_t> last_seq;

  explicit harness(std::chrono::milliseconds idle = 5s, std::chrono::milliseconds ping = 200ms) {
    cfg.exchange = "kraken";
    cfg.symbols = {A, B};
    cfg.rate = 1000;
    cfg.seed = 11;
    sim = std::make_unique<sim::simulator>(cfg, sim::make_kraken_venue(cfg), test::quiet());
    sim->start();
    adapter_options opts;
    opts.exchange = exchange_id::kraken;
    opts.symbols = {A, "eth-usd"};
    opts.types = {event_type::book, event_type::trade};
    opts.ws_url = fmt::format("ws://127.0.0.1:{}", sim->port());
    adapter = make_kraken_adapter(
        io.executor(), opts, [this](event&& e) { on_event(std::move(e)); }, test::quiet(), metrics, idle, ping);
    adapter->start();
  }
  ~harness() {
    test::stop_and_wait(*adapter);
    sim->stop();
  }

  void on_event(event&& e) {
    auto* u = std::get_if<book_update>(&e);
    if (!u) return;
    const auto r = resyncs("BTC-USD");
    std::lock_guard lk(mu);
    auto& last = last_seq[u->symbol];
    if (!u->snapshot && u->first_sequence != last + 1 && bad_sequence.empty())
      bad_sequence = fmt::format("{}: delta {} after {}", u->symbol, u->first_sequence, last);
    last = u->sequence;
    books.push_back({std::move(*u), r});
  }

  std::int64_t resyncs(std::string_view instrument, std::string_view reason) const {
    return metrics.value("mdfan_adapter_resyncs_total",
                         fmt::format(R"(exchange="kraken",instrument="{}",reason="{}")", instrument, reason));
  }
  std::int64_t resyncs(std::string_view instrument) const {
    std::int64_t n = 0;
    for (const char* r : {"gap", "checksum", "crossed", "malformed", "reconnect", "reset"}) n += resyncs(instrument, r);
    return n;
  }
  std::int64_t reconnects() const { return metrics.value("mdfan_adapter_reconnects_total", R"(exchange="kraken")"); }

  std::size_t count(std::string_view symbol, bool snapshots) {
    std::lock_guard lk(mu);
    std::size_t n = 0;
    for (const auto& s : books)
      if (s.u.symbol == symbol && s.u.snapshot == snapshots) ++n;
    return n;
  }
  // Both books synced and flowing.
  bool running() { return count(A, true) >= 1 && count(B, true) >= 1 && count(A, false) >= 5 && count(B, false) >= 5; }
};

void run_fault(sim::fault_kind kind, std::string_view reason) {
  harness h;
  ASSERT_TRUE(wait_until([&] { return h.running(); }, 15s)) << "books never flowed";
  const auto reconnects = h.reconnects();
  const auto b_snapshots = h.count(B, true);
  const auto b_deltas = h.count(B, false);
  ASSERT_EQ(h.sim->inject(kind, A).get(), "");
  ASSERT_TRUE(wait_until([&] { return h.resyncs("BTC-USD") >= 1; }, 10s)) << "no resync of A";
  ASSERT_TRUE(wait_until([&] { return h.count(A, true) >= 2; }, 10s)) << "A never resynced";
  // Let both streams run on a little after the resync.
  const auto a_deltas = h.count(A, false);
  ASSERT_TRUE(wait_until([&] { return h.count(A, false) >= a_deltas + 5 && h.count(B, false) >= b_deltas + 20; }, 10s));

  EXPECT_EQ(h.resyncs("BTC-USD", reason), 1);
  EXPECT_EQ(h.resyncs("BTC-USD"), 1) << "exactly one resync of A";
  EXPECT_EQ(h.resyncs("ETH-USD"), 0) << "B untouched";
  EXPECT_EQ(h.reconnects(), reconnects) << "the connection stayed up";
  EXPECT_EQ(h.count(B, true), b_snapshots) << "no new snapshot of B";
  // The live adapter read the simulator's book traffic on the fast path (and counted it in /metrics):
  // every book update event came from a message it read.
  EXPECT_GE(h.metrics.value(fast_path_metric, R"(exchange="kraken")"),
            static_cast<std::int64_t>(h.count(A, false) + h.count(B, false)));
  std::lock_guard lk(h.mu);
  EXPECT_EQ(h.bad_sequence, "");
  // A's first book event after the fault was counted is the fresh snapshot: nothing unsynced emitted.
  for (const auto& s : h.books) {
    if (s.u.symbol != A || s.resyncs_a == 0) continue;
    EXPECT_TRUE(s.u.snapshot) << "A emitted a delta while out of sync";
    break;
  }
}

TEST(KrakenFault, SkippedUpdateIsACheckSumMismatch) { run_fault(sim::fault_kind::skip_sequence, "checksum"); }
TEST(KrakenFault, BadChecksum) { run_fault(sim::fault_kind::bad_checksum, "checksum"); }
TEST(KrakenFault, MalformedBookMessage) { run_fault(sim::fault_kind::malformed, "malformed"); }

TEST(KrakenFault, DroppedConnectionReconnectsAndResubscribes) {
  harness h;
  ASSERT_TRUE(wait_until([&] { return h.running(); }, 15s));
  const auto reconnects = h.reconnects();
  h.sim->drop_connections();
  ASSERT_TRUE(wait_until([&] { return h.reconnects() > reconnects; }, 10s));
  ASSERT_TRUE(wait_until([&] { return h.count(A, true) >= 2 && h.count(B, true) >= 2; }, 15s)) << "not resubscribed";
  EXPECT_EQ(h.resyncs("BTC-USD", "reconnect"), 1);
  EXPECT_EQ(h.resyncs("ETH-USD", "reconnect"), 1);
  std::lock_guard lk(h.mu);
  EXPECT_EQ(h.bad_sequence, "");
}

TEST(KrakenFault, SilentFeedTripsTheIdleWatchdog) {
  // Pings slower than the idle timeout, so pongs do not keep the silent connection alive.
  harness h(800ms, 10s);
  ASSERT_TRUE(wait_until([&] { return h.running(); }, 15s));
  const auto reconnects = h.reconnects();
  h.sim->set_paused(true);
  ASSERT_TRUE(wait_until([&] { return h.reconnects() > reconnects; }, 10s)) << "watchdog never fired";
  h.sim->set_paused(false);
  ASSERT_TRUE(wait_until([&] { return h.count(A, true) >= 2 && h.count(B, true) >= 2; }, 15s)) << "not resubscribed";
  const auto a = h.count(A, false);
  ASSERT_TRUE(wait_until([&] { return h.count(A, false) > a; }, 10s)) << "no data after resubscribing";
}

}  // namespace
}  // namespace mdfan::adapters
