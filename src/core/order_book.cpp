#include "core/order_book.hpp"

namespace mdfan {

template <typename Map>
bool order_book::apply(Map& side, const price_level& l) {
  __int128 key;
  if (!l.price.scaled(key)) return false;
  if (l.size.is_zero()) {
    side.erase(key);
  } else {
    side.insert_or_assign(key, l);
  }
  return true;
}

template <typename Map>
std::vector<price_level> order_book::levels(const Map& side, std::size_t depth) {
  std::vector<price_level> out;
  const std::size_t n = depth == 0 ? side.size() : std::min(depth, side.size());
  out.reserve(n);
  for (auto it = side.begin(); it != side.end() && out.size() < n; ++it) out.push_back(it->second);
  return out;
}

bool order_book::reset(const std::vector<price_level>& bids, const std::vector<price_level>& asks,
                       std::uint64_t sequence) {
  clear();
  for (const auto& l : bids) {
    if (!apply(bids_, l)) {
      clear();
      return false;
    }
  }
  for (const auto& l : asks) {
    if (!apply(asks_, l)) {
      clear();
      return false;
    }
  }
  sequence_ = sequence;
  return true;
}

bool order_book::apply(const book_update& u) {
  if (u.snapshot) return reset(u.bids, u.asks, u.sequence);
  for (const auto& l : u.bids)
    if (!apply(bids_, l)) return false;
  for (const auto& l : u.asks)
    if (!apply(asks_, l)) return false;
  sequence_ = u.sequence;
  return true;
}

void order_book::truncate(std::size_t depth) {
  if (depth == 0) return;
  while (bids_.size() > depth) bids_.erase(std::prev(bids_.end()));
  while (asks_.size() > depth) asks_.erase(std::prev(asks_.end()));
}

void order_book::clear() noexcept {
  bids_.clear();
  asks_.clear();
  sequence_ = 0;
}

bool order_book::crossed() const noexcept {
  if (bids_.empty() || asks_.empty()) return false;
  return bids_.begin()->first >= asks_.begin()->first;
}

std::vector<price_level> order_book::bids(std::size_t depth) const { return levels(bids_, depth); }
std::vector<price_level> order_book::asks(std::size_t depth) const { return levels(asks_, depth); }

void order_book::snapshot_into(book_update& out, std::size_t depth) const {
  out.snapshot = true;
  out.sequence = sequence_;
  out.first_sequence = sequence_;
  out.bids = bids(depth);
  out.asks = asks(depth);
}

}  // namespace mdfan
