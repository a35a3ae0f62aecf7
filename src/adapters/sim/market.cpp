#include "adapters/sim/market.hpp"

#include <algorithm>
#include <cctype>

#include "adapters/sim/json_out.hpp"

namespace mdfan::sim {
namespace {

// Starting prices for well-known symbols; others get a price derived from their name.
struct preset {
  std::string_view symbol;
  std::int64_t price, tick, qty_step;
};
constexpr preset presets[] = {
    {"BTCUSDT", 43000 * units_per_one, 1'000'000, 1'000},  // tick 0.01, step 0.00001
    {"ETHUSDT", 2300 * units_per_one, 1'000'000, 10'000},  // tick 0.01, step 0.0001
    {"BNBUSDT", 310 * units_per_one, 1'000'000, 100'000},
    {"SOLUSDT", 98 * units_per_one, 1'000'000, 100'000},
    {"XRPUSDT", 62'000'000, 10'000, 10'000'000},  // 0.62, tick 0.0001, step 0.1
};

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

template <class Map>
std::pair<std::int64_t, std::int64_t> best(const Map& m) {
  if (m.empty()) return {0, 0};
  return {m.begin()->first, m.begin()->second};
}

}  // namespace

market::market(const std::vector<std::string>& names, std::uint64_t seed) : rng_(seed) {
  std::vector<std::string> list = names;
  if (list.empty()) list.emplace_back("BTCUSDT");
  for (const auto& name : list) {
    symbol_state s;
    s.name = name;
    s.lower = name;
    std::transform(s.lower.begin(), s.lower.end(), s.lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::int64_t price = 0;
    for (const auto& p : presets)
      if (p.symbol == name) {
        price = p.price;
        s.tick = p.tick;
        s.qty_step = p.qty_step;
      }
    if (price == 0) {
      price = static_cast<std::int64_t>(10 + fnv1a(name) % 990) * units_per_one;
      s.tick = 100'000;      // 0.001
      s.qty_step = 100'000;  // 0.001
    }
    // Largest level about 100k quote units.
    const auto max_qty = static_cast<std::int64_t>(static_cast<__int128>(100'000) * units_per_one * units_per_one / price);
    s.max_level_steps = std::max<std::int64_t>(10, max_qty / s.qty_step);
    for (std::int64_t i = 1; i <= 100; ++i) {
      s.bids[price - i * s.tick] = static_cast<std::int64_t>(uniform(1, static_cast<std::uint64_t>(s.max_level_steps))) * s.qty_step;
      s.asks[price + i * s.tick] = static_cast<std::int64_t>(uniform(1, static_cast<std::uint64_t>(s.max_level_steps))) * s.qty_step;
    }
    s.update_id = 100;
    s.stats.open = s.stats.high = s.stats.low = s.stats.last = price;
    symbols_.push_back(std::move(s));
  }
  step_.changes.reserve(8);
  step_.fills.reserve(4);
}

std::ptrdiff_t market::find(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < symbols_.size(); ++i)
    if (symbols_[i].name == name) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

std::uint64_t market::uniform(std::uint64_t lo, std::uint64_t hi) { return lo + rng_() % (hi - lo + 1); }

const market_step& market::step() {
  step_.symbol = static_cast<std::size_t>(uniform(0, symbols_.size() - 1));
  step_.update_id = 0;
  step_.changes.clear();
  step_.top_changed = false;
  step_.traded = false;
  step_.fills.clear();
  auto& s = symbols_[step_.symbol];
  const auto bid_before = best(s.bids), ask_before = best(s.asks);
  if (uniform(0, 99) < 35)
    trade_event(s);
  else
    book_event(s, uniform(0, 1) ? book_side::bid : book_side::ask);
  if (!step_.changes.empty()) step_.update_id = ++s.update_id;
  step_.top_changed = best(s.bids) != bid_before || best(s.asks) != ask_before;
  return step_;
}

void market::set_level(symbol_state& s, book_side side, std::int64_t price, std::int64_t qty) {
  if (side == book_side::bid) {
    if (qty == 0)
      s.bids.erase(price);
    else
      s.bids[price] = qty;
  } else {
    if (qty == 0)
      s.asks.erase(price);
    else
      s.asks[price] = qty;
  }
  step_.changes.push_back({side, price, qty});
}

// Adds, resizes or removes a level near the top of one side; never crosses the book.
void market::book_event(symbol_state& s, book_side side) {
  const bool bid = side == book_side::bid;
  const std::size_t size = bid ? s.bids.size() : s.asks.size();
  const std::int64_t own_best = bid ? s.bids.begin()->first : s.asks.begin()->first;
  const std::int64_t best_bid = s.bids.begin()->first, best_ask = s.asks.begin()->first;
  // Mostly behind the top, sometimes improving it by a tick or two.
  const auto offset = static_cast<std::int64_t>(uniform(0, 40)) - 2;
  std::int64_t price = bid ? own_best - offset * s.tick : own_best + offset * s.tick;
  if (bid && price >= best_ask) price = best_ask - s.tick;
  if (!bid && price <= best_bid) price = best_bid + s.tick;
  if (price <= 0) return;
  const bool exists = bid ? s.bids.count(price) != 0 : s.asks.count(price) != 0;
  const auto roll = uniform(0, 99);
  if (exists && size > min_levels && roll < 35) {
    set_level(s, side, price, 0);
  } else {
    set_level(s, side, price,
              static_cast<std::int64_t>(uniform(1, static_cast<std::uint64_t>(s.max_level_steps))) * s.qty_step);
  }
  if (bid && s.bids.size() > max_levels) set_level(s, side, std::prev(s.bids.end())->first, 0);
  if (!bid && s.asks.size() > max_levels) set_level(s, side, std::prev(s.asks.end())->first, 0);
}

// A taker order against the best level of one side: one to three fills at that price.
void market::trade_event(symbol_state& s) {
  const bool taker_buy = uniform(0, 1) != 0;
  const book_side hit = taker_buy ? book_side::ask : book_side::bid;
  const std::size_t size = taker_buy ? s.asks.size() : s.bids.size();
  const auto [price, qty] = taker_buy ? *s.asks.begin() : *s.bids.begin();
  const std::int64_t level_steps = qty / s.qty_step;
  const bool can_sweep = size > min_levels;
  if (level_steps <= 1 && !can_sweep) return book_event(s, hit);  // too thin to trade: add liquidity instead
  const bool sweep = can_sweep && (level_steps <= 1 || uniform(0, 99) < 30);
  const std::int64_t take =
      sweep ? level_steps : static_cast<std::int64_t>(uniform(1, static_cast<std::uint64_t>(level_steps - 1)));
  const std::int64_t n = std::min<std::int64_t>(static_cast<std::int64_t>(uniform(1, 3)), take);

  step_.traded = true;
  step_.taker_buy = taker_buy;
  step_.trade_price = price;
  auto& st = s.stats;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t steps = i + 1 < n ? take / n : take - (take / n) * (n - 1);
    const std::int64_t q = steps * s.qty_step;
    const std::uint64_t id = s.next_trade_id++;
    step_.fills.push_back({id, q});
    if (st.count == 0) st.first_trade_id = id;
    st.last_trade_id = id;
    ++st.count;
    st.last = price;
    st.last_qty = q;
    st.high = std::max(st.high, price);
    st.low = std::min(st.low, price);
    st.volume += q;
    st.quote_volume += static_cast<std::int64_t>(static_cast<__int128>(price) * q / units_per_one);
  }
  set_level(s, hit, price, qty - take * s.qty_step);
}

}  // namespace mdfan::sim
