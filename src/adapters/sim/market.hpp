#pragma once
// The exchange-neutral market the simulator moves: an order book and a trade tape per symbol, driven
// by a seeded RNG so that a seed always replays the same market. Exchange formatters (binance_feed,
// later others) turn its steps into wire messages; faults are applied after formatting.
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mdfan::sim {

enum class book_side : std::uint8_t { bid, ask };

// A level after a change: its absolute quantity, 0 when the level was removed. Amounts in 1e-8 units.
struct level_change {
  book_side side = book_side::bid;
  std::int64_t price = 0;
  std::int64_t qty = 0;
};

// One trade of a taker order (all fills of a step share one price).
struct fill {
  std::uint64_t trade_id = 0;
  std::int64_t qty = 0;
};

// What one step did. The market reuses it between steps.
struct market_step {
  std::size_t symbol = 0;
  std::uint64_t update_id = 0;        // book update id of this step's change (0: book unchanged)
  std::vector<level_change> changes;  // levels changed by this step
  bool top_changed = false;           // best bid or best ask (price or size) changed
  bool traded = false;
  bool taker_buy = false;  // the taker bought (lifted the best ask)
  std::int64_t trade_price = 0;
  std::vector<fill> fills;
};

// Statistics since the start (the simulator runs no rolling 24 h window).
struct trade_stats {
  std::int64_t open = 0, high = 0, low = 0, last = 0, last_qty = 0;
  std::int64_t volume = 0;        // base units
  std::int64_t quote_volume = 0;  // quote units
  std::uint64_t first_trade_id = 0, last_trade_id = 0, count = 0;
};

// One simulated instrument.
struct symbol_state {
  std::string name;   // "BTCUSDT"
  std::string lower;  // "btcusdt", as in stream names
  std::int64_t tick = 0;      // price increment
  std::int64_t qty_step = 0;  // size increment
  std::int64_t max_level_steps = 0;
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;  // price -> qty, best first
  std::map<std::int64_t, std::int64_t> asks;                  // price -> qty, best first
  std::uint64_t update_id = 0;  // of the last book change
  std::uint64_t next_trade_id = 1;
  trade_stats stats;
};

class market {
 public:
  // Symbols are upper case ("BTCUSDT"). Never empty: an empty list gets BTCUSDT.
  market(const std::vector<std::string>& symbols, std::uint64_t seed);

  // One random event (a book change or a trade) on one random symbol.
  const market_step& step();

  const std::vector<symbol_state>& symbols() const noexcept { return symbols_; }
  // Index of an upper-case symbol, or -1.
  std::ptrdiff_t find(std::string_view name) const noexcept;

  static constexpr std::size_t min_levels = 5;    // per side: trades never thin a side below this
  static constexpr std::size_t max_levels = 400;  // per side: the worst level goes beyond this

 private:
  void book_event(symbol_state& s, book_side side);
  void trade_event(symbol_state& s);
  void set_level(symbol_state& s, book_side side, std::int64_t price, std::int64_t qty);
  std::uint64_t uniform(std::uint64_t lo, std::uint64_t hi);  // inclusive; portable, unlike <random> distributions

  std::vector<symbol_state> symbols_;
  std::mt19937_64 rng_;
  market_step step_;
};

}  // namespace mdfan::sim
