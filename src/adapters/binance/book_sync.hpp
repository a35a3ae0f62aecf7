#pragma once
// Binance Spot local order book sync for one symbol: REST snapshot + diff-depth stream.
// Sans-I/O: the owner feeds diffs and snapshots in and fetches a snapshot when asked to.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "adapters/binance/parser.hpp"
#include "core/order_book.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

struct binance_book_sync_config {
  std::size_t snapshot_depth = 0;    // levels per side in the emitted snapshot event (0: all the book has)
  std::size_t max_buffered = 10000;  // diffs held while unsynced; one more resyncs (counted in overflows)
};

// What the owner must do after a call.
enum class binance_sync_action : std::uint8_t {
  none,
  fetch_snapshot,  // GET /api/v3/depth for this symbol, then call on_snapshot() or on_snapshot_failed()
};

struct binance_book_sync_stats {
  std::uint64_t resyncs = 0;        // times the book was discarded (gap, crossed, malformed, overflow, reconnect)
  std::uint64_t gaps = 0;           // diffs that did not continue the book (U != last u + 1, or no bridge)
  std::uint64_t stale_dropped = 0;  // diffs already covered by the book or the snapshot (u <= book id)
  std::uint64_t refetches = 0;      // snapshots too old for the buffered diffs (lastUpdateId < first U)
  std::uint64_t crossed = 0;        // books found crossed after applying a diff
  std::uint64_t malformed = 0;      // malformed depth messages or unorderable levels for this symbol
  std::uint64_t overflows = 0;      // buffer overflows while unsynced
  std::uint64_t syncs = 0;          // times the book became synced
};

// The documented Binance Spot algorithm (web-socket-streams.md, "How to manage a local order book"):
//  1. buffer diffs while unsynced, noting the first U, and ask for a REST snapshot;
//  2. lastUpdateId < the U noted in step 1: the snapshot is too old, fetch again;
//  3. drop buffered diffs with u <= lastUpdateId; the first applied must bridge
//     (U <= lastUpdateId + 1 <= u), else resync;
//  4. afterwards each diff must continue the book: U == last u + 1. Diffs with u <= book id are
//     stale and dropped; anything else is a gap and resyncs this symbol (clear, buffer, new snapshot);
//  5. a crossed book (best bid >= best ask) after applying a diff is corruption: resync.
// Output: when the book becomes synced, one snapshot book_update (sequence = book id, buffered
// diffs already applied); then one delta book_update per applied diff (first_sequence = U,
// sequence = u, levels as sent). Nothing is emitted while unsynced.
class binance_book_sync {
 public:
  using emit_fn = std::function<void(event&&)>;
  enum class state : std::uint8_t { unsynced, synced };

  binance_book_sync(std::string symbol, std::string instrument, binance_book_sync_config cfg, emit_fn emit);

  // A diff for this symbol; receive_ns stamps any event emitted by this call.
  binance_sync_action on_diff(binance_depth_diff&& diff, std::int64_t receive_ns);
  // The REST snapshot the owner fetched (its symbol field is ignored).
  binance_sync_action on_snapshot(binance_depth_snapshot&& snap, std::int64_t receive_ns);
  // The fetch failed (timeout, HTTP error, bad body). Asks again when a snapshot is still needed;
  // the owner decides the delay.
  binance_sync_action on_snapshot_failed();
  // A malformed depth message for this symbol: the book can no longer be trusted.
  void on_malformed();
  // The connection was lost: forget the book and the buffer (an in-flight fetch stays valid).
  void reset();

  state current_state() const noexcept { return state_; }
  bool synced() const noexcept { return state_ == state::synced; }
  bool fetch_pending() const noexcept { return fetch_pending_; }
  std::size_t buffered() const noexcept { return buffer_.size(); }
  const order_book& book() const noexcept { return book_; }
  const binance_book_sync_stats& stats() const noexcept { return stats_; }
  const std::string& symbol() const noexcept { return symbol_; }
  const std::string& instrument() const noexcept { return instrument_; }

 private:
  binance_sync_action buffer(binance_depth_diff&& diff, std::int64_t receive_ns);
  binance_sync_action try_sync(std::int64_t receive_ns);
  binance_sync_action request_fetch();
  bool apply(const binance_depth_diff& diff);  // false: unorderable level (book left as is)
  void resync();
  void emit_snapshot(std::int64_t exchange_ts, std::int64_t receive_ns);

  std::string symbol_, instrument_;
  binance_book_sync_config cfg_;
  emit_fn emit_;
  state state_ = state::unsynced;
  order_book book_;
  std::deque<binance_depth_diff> buffer_;
  std::optional<binance_depth_snapshot> snapshot_;  // fetched, waiting for a bridging diff
  bool round_ = false;                              // buffering since the last resync: first_u_ is valid
  std::uint64_t first_u_ = 0;                       // U of the first diff buffered in this round (the doc's step 1)
  bool fetch_pending_ = false;
  binance_book_sync_stats stats_;
};

}  // namespace mdfan::adapters
