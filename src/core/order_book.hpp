#pragma once
// A price-ordered limit order book built from snapshots and absolute-size deltas.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "mdfan/event.hpp"

namespace mdfan {

// One instrument's book. Levels are ordered by numeric price; each keeps the exchange's text.
class order_book {
 public:
  // Replaces the whole book. Returns false (book left cleared) when a price is not orderable.
  bool reset(const std::vector<price_level>& bids, const std::vector<price_level>& asks, std::uint64_t sequence);
  // Sets the absolute size at a price; a zero size removes the level (removing a missing level is fine).
  bool apply_bid(const price_level& l) { return apply(bids_, l); }
  bool apply_ask(const price_level& l) { return apply(asks_, l); }
  // Applies a snapshot (reset) or a delta; returns false when a price is not orderable.
  bool apply(const book_update& u);

  void clear() noexcept;
  // Keeps the best `depth` levels of each side (exchanges with a fixed book depth drop the rest).
  void truncate(std::size_t depth);
  bool empty() const noexcept { return bids_.empty() && asks_.empty(); }
  std::size_t bid_count() const noexcept { return bids_.size(); }
  std::size_t ask_count() const noexcept { return asks_.size(); }
  // Best bid >= best ask: the book is corrupt.
  bool crossed() const noexcept;

  std::uint64_t sequence() const noexcept { return sequence_; }
  void set_sequence(std::uint64_t s) noexcept { sequence_ = s; }

  // Visits the best `depth` levels of a side (0: all), best first, without copying: f(const price_level&).
  template <typename F>
  void for_each_bid(std::size_t depth, F&& f) const {
    visit(bids_, depth, f);
  }
  template <typename F>
  void for_each_ask(std::size_t depth, F&& f) const {
    visit(asks_, depth, f);
  }

  // The best `depth` levels of each side (0: all), best first.
  std::vector<price_level> bids(std::size_t depth = 0) const;
  std::vector<price_level> asks(std::size_t depth = 0) const;

  // Fills `out` with a snapshot of this book (header fields left to the caller).
  void snapshot_into(book_update& out, std::size_t depth = 0) const;

 private:
  using bid_map = std::map<__int128, price_level, std::greater<>>;
  using ask_map = std::map<__int128, price_level, std::less<>>;
  template <typename Map>
  static bool apply(Map& side, const price_level& l);
  template <typename Map, typename F>
  static void visit(const Map& side, std::size_t depth, F& f) {
    std::size_t n = 0;
    for (const auto& [key, level] : side) {
      if (depth != 0 && n++ == depth) break;
      f(level);
    }
  }
  template <typename Map>
  static std::vector<price_level> levels(const Map& side, std::size_t depth);

  bid_map bids_;
  ask_map asks_;
  std::uint64_t sequence_ = 0;
};

}  // namespace mdfan
