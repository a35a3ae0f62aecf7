#pragma once
// The verified local book of one symbol on a WebSocket-snapshot exchange (Coinbase, Kraken, Bybit,
// OKX): the state machine every such exchange shares. The exchange's session decides what a gap or a
// bad checksum is (its own sequence and checksum rules); the keeper applies snapshots and deltas,
// treats a crossed book as corruption, emits book_update events only while synced, and counts every
// resync by reason in /metrics.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.hpp"
#include "core/order_book.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

enum class resync_reason : std::uint8_t {
  gap,        // a sequence number did not continue the book
  checksum,   // the exchange's checksum disagreed with the local book
  crossed,    // best bid >= best ask after an update
  malformed,  // a book message for this symbol could not be parsed or ordered
  reconnect,  // the connection carrying the book was lost
  reset,      // the exchange announced a reset (e.g. OKX after maintenance) or sent an unexpected snapshot
  overflow,   // updates buffered while waiting for a snapshot overflowed (Binance)
};
std::string_view to_string(resync_reason r) noexcept;

// Counters shared by the books of one exchange. Registered in the registry on first use:
//   mdfan_adapter_resyncs_total{exchange,instrument,reason}  every resync
//   mdfan_adapter_books_synced{exchange}                      books synced now
class book_metrics {
 public:
  book_metrics(metrics_registry& registry, exchange_id exchange);
  void resynced(std::string_view instrument, resync_reason why);
  gauge& synced() noexcept { return synced_; }

 private:
  metrics_registry& registry_;
  std::string exchange_;
  gauge& synced_;
};

using verify_fn = std::function<bool(const order_book&)>;
using emit_fn = std::function<void(event&&)>;

class book_keeper {
 public:
  struct stats {
    std::uint64_t syncs = 0;    // snapshots that made the book synced
    std::uint64_t resyncs = 0;  // times a synced book was discarded (any reason)
    std::uint64_t gaps = 0, checksum_failures = 0, crossed = 0, malformed = 0, reconnects = 0, resets = 0;
    std::uint64_t deltas = 0;         // deltas applied and emitted
    std::uint64_t ignored = 0;        // deltas received while unsynced (not applied, not emitted)
  };

  // `max_depth`: levels kept per side (0: all). Exchanges that send a fixed-depth book (Kraken,
  // Bybit) expect levels pushed beyond the depth to be dropped. `metrics` may be null.
  book_keeper(exchange_id exchange, std::string symbol, std::string instrument, std::size_t max_depth,
              book_metrics* metrics);

  bool synced() const noexcept { return synced_; }
  const order_book& book() const noexcept { return book_; }
  const stats& counts() const noexcept { return stats_; }
  const std::string& symbol() const noexcept { return symbol_; }
  const std::string& instrument() const noexcept { return instrument_; }

  // A full book. Replaces whatever was there; when synced already this is a `reset` resync first
  // unless `expected` (the exchange sends snapshots on its own, e.g. Bybit). Validates the book
  // (orderable prices, not crossed, `verify` when given); on success the book is synced and one
  // snapshot book_update is emitted (sequence = `sequence`). On failure: unsynced, counted, false.
  bool on_snapshot(const std::vector<price_level>& bids, const std::vector<price_level>& asks, std::uint64_t sequence,
                   std::int64_t exchange_ts_ns, std::int64_t receive_ns, const emit_fn& emit,
                   const verify_fn& verify = {}, bool expected = true);

  // A delta whose sequence the session has already checked. Ignored (false) while unsynced. Applies
  // the levels, truncates to max_depth, then: crossed -> resync(crossed); `verify` false ->
  // resync(checksum); else emits one delta book_update (first_sequence, sequence) and returns true.
  bool on_delta(const std::vector<price_level>& bids, const std::vector<price_level>& asks,
                std::uint64_t first_sequence, std::uint64_t sequence, std::int64_t exchange_ts_ns,
                std::int64_t receive_ns, const emit_fn& emit, const verify_fn& verify = {});

  // The book can no longer be trusted: clear it, mark it unsynced and count it. A book that is not
  // synced is not counted again (one fault, one resync). Returns whether it counted.
  bool resync(resync_reason why);

 private:
  bool fail(resync_reason why);
  // An event for this book with the header filled in and no levels.
  book_update make_update(bool snapshot, std::uint64_t first_sequence, std::uint64_t sequence,
                          std::int64_t exchange_ts_ns, std::int64_t receive_ns) const;

  exchange_id exchange_;
  std::string symbol_, instrument_;
  std::size_t max_depth_;
  book_metrics* metrics_;
  order_book book_;
  bool synced_ = false;
  stats stats_;
};

}  // namespace mdfan::adapters
