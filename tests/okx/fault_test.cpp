// The OKX adapter against the OKX simulator venue on loopback, in-process: each book fault resyncs the
// faulted instrument alone (counted once, next event a snapshot, nothing unsynced emitted, the other
// instrument's stream continuous, the connection kept); dropped and silent connections reconnect and
// resubscribe; the text ping keeps a quiet connection alive; candles come over /ws/v5/business.
#include <future>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/common/ws_adapter.hpp"
#include "adapters/okx/factory.hpp"
#include "adapters/okx/sim_venue.hpp"
#include "adapters/sim/simulator.hpp"
#include "core/metrics.hpp"
#include "core/order_book.hpp"
#include "feed/feed_test_util.hpp"
#include "support/exchange_test_util.hpp"

namespace mdfan::adapters {
namespace {

using namespace std::chrono_literals;
using test::wait_until;

constexpr std::string_view A = "BTC-USDT";
constexpr std::string_view B = "ETH-USDT";

// What the adapter emitted, with a client-side book per instrument that checks every delta continues it.
class recorder {
 public:
  struct book_stats {
    std::size_t snapshots = 0;
    std::size_t deltas = 0;
    std::size_t deltas_since_snapshot = 0;
    std::size_t broken = 0;  // deltas that did not continue the client book (emitted while unsynced)
    std::uint64_t seq = 0;
    bool have = false;
    order_book book;
  };

  void on_event(event&& ev) {
    std::lock_guard lock(mu_);
    if (const auto* c = std::get_if<candle>(&ev)) {
      ++candles_;
      last_candle_ = *c;
      return;
    }
    if (std::holds_alternative<trade>(ev)) {
      ++trades_;
      return;
    }
    const auto* u = std::get_if<book_update>(&ev);
    if (!u) return;
    book_stats& s = books_[u->symbol];
    if (u->snapshot) {
      ++s.snapshots;
      s.deltas_since_snapshot = 0;
      s.have = s.book.apply(*u);
      s.seq = u->sequence;
      if (s.book.crossed()) ++s.broken;
      return;
    }
    ++s.deltas;
    ++s.deltas_since_snapshot;
    if (!s.have || u->first_sequence != s.seq + 1 || !s.book.apply(*u) || s.book.crossed()) {
      ++s.broken;
      return;
    }
    s.seq = u->sequence;
  }

  book_stats stats(std::string_view symbol) {
    std::lock_guard lock(mu_);
    const auto& s = books_[std::string(symbol)];
    book_stats out;
    out.snapshots = s.snapshots;
    out.deltas = s.deltas;
    out.deltas_since_snapshot = s.deltas_since_snapshot;
    out.broken = s.broken;
    out.seq = s.seq;
    out.have = s.have;
    return out;
  }
  std::size_t candles() {
    std::lock_guard lock(mu_);
    return candles_;
  }
  std::size_t trades() {
    std::lock_guard lock(mu_);
    return trades_;
  }
  candle last_candle() {
    std::lock_guard lock(mu_);
    return last_candle_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, book_stats, std::less<>> books_;
  std::size_t candles_ = 0, trades_ = 0;
  candle last_candle_;
};

struct harness {
  explicit harness(std::vector<event_type> types = {event_type::trade, event_type::book},
                   std::chrono::milliseconds idle = 30s, std::chrono::milliseconds ping = 20s) {
    cfg.exchange = "okx";
    cfg.symbols = {std::string(A), std::string(B)};
    cfg.rate = 2000;
    cfg.seed = 42;
    sim = std::make_unique<sim::simulator>(cfg, sim::make_okx_venue(cfg), test::quiet());
    sim->start();
    adapter_options opts;
    opts.exchange = exchange_id::okx;
    opts.symbols = cfg.symbols;
    opts.types = std::move(types);
    opts.ws_url = fmt::format("ws://127.0.0.1:{}", sim->port());
    okx_config oc = okx_config_from(opts);
    oc.idle_timeout = idle;
    oc.ping_interval = ping;
    oc.backoff.initial = 50ms;
    oc.backoff.max = 200ms;
    adapter = make_okx_adapter(
        io.executor(), oc, [this](event&& e) { rec.on_event(std::move(e)); }, test::quiet(), metrics);
    adapter->start();
  }
  ~harness() {
    EXPECT_TRUE(test::stop_and_wait(*adapter));
    sim->stop();
  }

  std::int64_t resyncs(std::string_view inst, std::string_view reason) {
    return metrics.value("mdfan_adapter_resyncs_total",
                         fmt::format(R"(exchange="okx",instrument="{}",reason="{}")", inst, reason));
  }
  std::int64_t all_resyncs(std::string_view inst) {
    std::int64_t n = 0;
    for (const char* r : {"gap", "checksum", "crossed", "malformed", "reconnect", "reset"}) n += resyncs(inst, r);
    return n;
  }
  std::int64_t reconnects() { return metrics.value("mdfan_adapter_reconnects_total", R"(exchange="okx")"); }
  bool flowing(std::string_view inst, std::size_t deltas = 5) {
    const auto s = rec.stats(inst);
    return s.snapshots >= 1 && s.deltas_since_snapshot >= deltas;
  }

  sim::sim_config cfg;
  metrics_registry metrics;
  recorder rec;
  test::io_thread io;  // declared after what its handlers touch, destroyed before them
  std::unique_ptr<sim::simulator> sim;
  std::unique_ptr<exchange_adapter> adapter;
};

void fault_resyncs_one_instrument(sim::fault_kind kind, std::string_view reason) {
  harness h;
  ASSERT_TRUE(wait_until([&] { return h.flowing(A) && h.flowing(B); }, 10s)) << "books never flowed";
  const auto a0 = h.rec.stats(A);
  const auto b0 = h.rec.stats(B);
  const auto reconnects0 = h.reconnects();
  ASSERT_EQ(h.all_resyncs(A), 0);

  ASSERT_EQ(h.sim->inject(kind, std::string(A)).get(), "");
  ASSERT_TRUE(wait_until([&] { return h.resyncs(A, reason) >= 1; }, 10s)) << "no " << reason << " resync";
  // The fresh snapshot after the resubscribe, then the book continues.
  ASSERT_TRUE(wait_until([&] { return h.rec.stats(A).snapshots > a0.snapshots && h.flowing(A); }, 10s));
  ASSERT_TRUE(wait_until([&] { return h.rec.stats(B).deltas >= b0.deltas + 20; }, 10s));

  EXPECT_EQ(h.resyncs(A, reason), 1);
  EXPECT_EQ(h.all_resyncs(A), 1);  // one fault, one resync
  EXPECT_EQ(h.rec.stats(A).snapshots, a0.snapshots + 1);
  EXPECT_EQ(h.rec.stats(A).broken, 0u) << "a book event was emitted while out of sync";
  EXPECT_EQ(h.all_resyncs(B), 0);
  EXPECT_EQ(h.rec.stats(B).snapshots, b0.snapshots) << "the other instrument was resynced";
  EXPECT_EQ(h.rec.stats(B).broken, 0u);
  EXPECT_EQ(h.reconnects(), reconnects0) << "the connection was dropped";
}

TEST(OkxFault, SkippedSequenceResyncsOneInstrument) {
  fault_resyncs_one_instrument(sim::fault_kind::skip_sequence, "gap");
}
TEST(OkxFault, BadChecksumResyncsOneInstrument) {
  fault_resyncs_one_instrument(sim::fault_kind::bad_checksum, "checksum");
}
TEST(OkxFault, MalformedMessageResyncsOneInstrument) {
  fault_resyncs_one_instrument(sim::fault_kind::malformed, "malformed");
}

TEST(OkxFault, DroppedConnectionReconnectsAndResubscribes) {
  harness h;
  ASSERT_TRUE(wait_until([&] { return h.flowing(A) && h.flowing(B); }, 10s));
  const auto a0 = h.rec.stats(A), b0 = h.rec.stats(B);
  const auto reconnects0 = h.reconnects();
  h.sim->drop_connections();
  ASSERT_TRUE(wait_until([&] { return h.reconnects() > reconnects0; }, 10s));
  ASSERT_TRUE(wait_until(
      [&] { return h.rec.stats(A).snapshots > a0.snapshots && h.rec.stats(B).snapshots > b0.snapshots; }, 10s));
  ASSERT_TRUE(wait_until([&] { return h.flowing(A) && h.flowing(B); }, 10s));
  EXPECT_EQ(h.resyncs(A, "reconnect"), 1);
  EXPECT_EQ(h.resyncs(B, "reconnect"), 1);
  EXPECT_EQ(h.rec.stats(A).broken, 0u);
  EXPECT_EQ(h.rec.stats(B).broken, 0u);
}

TEST(OkxFault, SilentVenueTripsTheIdleWatchdog) {
  harness h({event_type::trade, event_type::book}, 800ms, 0ms);  // no pings: nothing answers
  ASSERT_TRUE(wait_until([&] { return h.flowing(A) && h.flowing(B); }, 10s));
  const auto reconnects0 = h.reconnects();
  const auto a0 = h.rec.stats(A);
  h.sim->set_paused(true);
  ASSERT_TRUE(wait_until([&] { return h.reconnects() > reconnects0; }, 5s)) << "the watchdog never fired";
  h.sim->set_paused(false);
  ASSERT_TRUE(wait_until([&] { return h.rec.stats(A).snapshots > a0.snapshots && h.flowing(A); }, 10s));
  EXPECT_EQ(h.rec.stats(A).broken, 0u);
}

TEST(OkxFault, TextPingKeepsAQuietConnectionAlive) {
  harness h({event_type::trade, event_type::book}, 1000ms, 200ms);  // "ping" every 200 ms, "pong" back
  ASSERT_TRUE(wait_until([&] { return h.flowing(A); }, 10s));
  const auto reconnects0 = h.reconnects();
  h.sim->set_paused(true);
  const auto end = std::chrono::steady_clock::now() + 2500ms;
  wait_until([&] { return std::chrono::steady_clock::now() >= end; }, 3s);
  EXPECT_EQ(h.reconnects(), reconnects0);
  EXPECT_EQ(h.metrics.value("mdfan_adapter_malformed_total", R"(exchange="okx")"), 0);  // "pong" is no error
  h.sim->set_paused(false);
}

TEST(OkxFault, CandlesComeOverTheBusinessConnection) {
  harness h({event_type::trade, event_type::candle});
  auto* ws = dynamic_cast<ws_adapter*>(h.adapter.get());
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(ws->connection_count(), 2u);  // /ws/v5/public and /ws/v5/business
  ASSERT_TRUE(wait_until([&] { return h.rec.candles() >= 2 && h.rec.trades() >= 2; }, 10s));
  const candle c = h.rec.last_candle();
  EXPECT_EQ(c.interval, "1m");
  EXPECT_EQ(c.exchange, exchange_id::okx);
  EXPECT_TRUE(c.symbol == A || c.symbol == B);
  EXPECT_EQ(c.close_time_ns - c.open_time_ns, (60'000 - 1) * 1'000'000LL);
  EXPECT_EQ(h.metrics.value("mdfan_adapter_malformed_total", R"(exchange="okx")"), 0);
}

}  // namespace
}  // namespace mdfan::adapters
