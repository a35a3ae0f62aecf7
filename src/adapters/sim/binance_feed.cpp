#include "adapters/sim/binance_feed.hpp"

#include <algorithm>

#include "adapters/sim/json_out.hpp"

namespace mdfan::sim {
namespace {

constexpr std::string_view kind_suffix[stream_kinds] = {"@trade", "@aggTrade", "@ticker", "@bookTicker",
                                                        "@depth", "@depth@100ms", "@kline_1m"};
constexpr std::int64_t minute_ms = 60'000;

std::int64_t quote_of(std::int64_t price, std::int64_t qty) {
  return static_cast<std::int64_t>(static_cast<__int128>(price) * qty / units_per_one);
}

template <class Map>
void append_levels(std::string& out, const Map& levels, std::size_t limit = static_cast<std::size_t>(-1)) {
  out.push_back('[');
  std::size_t n = 0;
  for (const auto& [price, qty] : levels) {
    if (n == limit) break;
    if (n++) out.push_back(',');
    out.push_back('[');
    append_dec(out, price);
    out.push_back(',');
    append_dec(out, qty);
    out.push_back(']');
  }
  out.push_back(']');
}

// The best bid/ask fields shared by bookTicker and 24hrTicker: ,"b":..,"B":..,"a":..,"A":..
void append_top_of_book(std::string& o, std::int64_t bp, std::int64_t bq, std::int64_t ap, std::int64_t aq) {
  o.append(R"(,"b":)");
  append_dec(o, bp);
  o.append(R"(,"B":)");
  append_dec(o, bq);
  o.append(R"(,"a":)");
  append_dec(o, ap);
  o.append(R"(,"A":)");
  append_dec(o, aq);
}

}  // namespace

// --- stream_catalog

stream_catalog::stream_catalog(const std::vector<symbol_state>& symbols) {
  names_.reserve(symbols.size() * stream_kinds);
  for (const auto& s : symbols)
    for (const auto suffix : kind_suffix) names_.push_back(s.lower + std::string(suffix));
  for (std::uint32_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], i);
}

std::optional<std::uint32_t> stream_catalog::find(std::string_view name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

// --- binance_feed

binance_feed::binance_feed(const std::vector<std::string>& symbols, std::uint64_t seed, double rate,
                           std::int64_t start_ms)
    : market_(symbols, seed),
      catalog_(market_.symbols()),
      feeds_(market_.symbols().size()),
      rate_(rate > 0 ? rate : 1),
      start_ms_(start_ms) {
  const std::int64_t minute = start_ms - start_ms % minute_ms;
  for (std::size_t i = 0; i < feeds_.size(); ++i) {
    auto& f = feeds_[i];
    f.next_slow = start_ms + depth_period_ms;
    f.next_fast = start_ms + depth_fast_period_ms;
    f.next_ticker = start_ms + ticker_period_ms;
    f.next_kline = start_ms + kline_period_ms;
    f.k.reset(minute, market_.symbols()[i].stats.last);
  }
  next_periodic_ = start_ms + depth_fast_period_ms;
}

std::int64_t binance_feed::now_ms() const noexcept {
  return start_ms_ + static_cast<std::int64_t>(static_cast<double>(count_) * 1000.0 / rate_);
}

void binance_feed::generate(std::uint64_t n, message_sink& sink) {
  const std::uint64_t target = count_ + n;
  while (count_ < target) {
    const std::int64_t now = now_ms();
    if (now >= next_periodic_) run_periodic(now, sink);
    on_step(market_.step(), now, sink);
  }
}

template <class Fill>
void binance_feed::emit(std::uint32_t stream, message_sink& sink, Fill&& fill) {
  ++count_;
  if (!sink.wanted(stream)) return;
  auto text = std::make_shared<std::string>();
  text->reserve(320);
  text->append(R"({"stream":")");
  text->append(catalog_.name(stream));
  text->append(R"(","data":)");
  const auto offset = static_cast<std::uint32_t>(text->size());
  fill(*text);
  text->push_back('}');
  sink.push(sim_message{stream, std::move(text), offset});
}

void binance_feed::on_step(const market_step& step, std::int64_t now, message_sink& sink) {
  const std::size_t si = step.symbol;
  const auto& s = market_.symbols()[si];
  auto& f = feeds_[si];
  if (!step.changes.empty()) {
    f.slow.add(step);
    f.fast.add(step);
  }
  if (step.traded) {
    for (const auto& fl : step.fills) {
      emit(stream_catalog::id(si, stream_kind::trade), sink, [&](std::string& o) {
        o.append(R"({"e":"trade","E":)");
        append_int(o, now);
        o.append(R"(,"s":)");
        append_str(o, s.name);
        o.append(R"(,"t":)");
        append_uint(o, fl.trade_id);
        o.append(R"(,"p":)");
        append_dec(o, step.trade_price);
        o.append(R"(,"q":)");
        append_dec(o, fl.qty);
        o.append(R"(,"T":)");
        append_int(o, now);
        o.append(step.taker_buy ? R"(,"m":false,"M":true})" : R"(,"m":true,"M":true})");
      });
      auto& k = f.k;
      k.c = step.trade_price;
      k.h = std::max(k.h, step.trade_price);
      k.l = std::min(k.l, step.trade_price);
      k.volume += fl.qty;
      k.quote += quote_of(step.trade_price, fl.qty);
      if (step.taker_buy) {
        k.taker_base += fl.qty;
        k.taker_quote += quote_of(step.trade_price, fl.qty);
      }
      if (k.first_id < 0) k.first_id = static_cast<std::int64_t>(fl.trade_id);
      k.last_id = static_cast<std::int64_t>(fl.trade_id);
      ++k.trades;
    }
    std::int64_t total = 0;
    for (const auto& fl : step.fills) total += fl.qty;
    const std::uint64_t agg_id = f.next_agg_id++;
    emit(stream_catalog::id(si, stream_kind::agg_trade), sink, [&](std::string& o) {
      o.append(R"({"e":"aggTrade","E":)");
      append_int(o, now);
      o.append(R"(,"s":)");
      append_str(o, s.name);
      o.append(R"(,"a":)");
      append_uint(o, agg_id);
      o.append(R"(,"p":)");
      append_dec(o, step.trade_price);
      o.append(R"(,"q":)");
      append_dec(o, total);
      o.append(R"(,"f":)");
      append_uint(o, step.fills.front().trade_id);
      o.append(R"(,"l":)");
      append_uint(o, step.fills.back().trade_id);
      o.append(R"(,"T":)");
      append_int(o, now);
      o.append(step.taker_buy ? R"(,"m":false,"M":true})" : R"(,"m":true,"M":true})");
    });
  }
  if (step.top_changed) {
    emit(stream_catalog::id(si, stream_kind::book_ticker), sink, [&](std::string& o) {
      const auto& [bp, bq] = *s.bids.begin();
      const auto& [ap, aq] = *s.asks.begin();
      o.append(R"({"u":)");
      append_uint(o, s.update_id);
      o.append(R"(,"s":)");
      append_str(o, s.name);
      append_top_of_book(o, bp, bq, ap, aq);
      o.push_back('}');
    });
  }
}

void binance_feed::run_periodic(std::int64_t now, message_sink& sink) {
  std::int64_t next = INT64_MAX;
  for (std::size_t i = 0; i < feeds_.size(); ++i) {
    auto& f = feeds_[i];
    if (now >= f.k.open_ms + minute_ms) {  // the minute ended: its final candle, then a fresh one
      emit_kline(i, true, now, sink);
      f.k.reset(now - now % minute_ms, market_.symbols()[i].stats.last);
    }
    if (now >= f.next_fast) {
      emit_depth(i, f.fast, stream_kind::depth_100ms, now, sink);
      f.next_fast = now - (now - f.next_fast) % depth_fast_period_ms + depth_fast_period_ms;
    }
    if (now >= f.next_slow) {
      emit_depth(i, f.slow, stream_kind::depth, now, sink);
      f.next_slow = now - (now - f.next_slow) % depth_period_ms + depth_period_ms;
    }
    if (now >= f.next_ticker) {
      emit_ticker(i, now, sink);
      f.next_ticker = now - (now - f.next_ticker) % ticker_period_ms + ticker_period_ms;
    }
    if (now >= f.next_kline) {
      emit_kline(i, false, now, sink);
      f.next_kline = now - (now - f.next_kline) % kline_period_ms + kline_period_ms;
    }
    next = std::min({next, f.k.open_ms + minute_ms, f.next_fast, f.next_slow, f.next_ticker, f.next_kline});
  }
  next_periodic_ = next;
}

void binance_feed::depth_window::add(const market_step& step) {
  if (first == 0) first = step.update_id;
  last = step.update_id;
  for (const auto& c : step.changes) {
    if (c.side == book_side::bid)
      bids[c.price] = c.qty;
    else
      asks[c.price] = c.qty;
  }
}

void binance_feed::emit_depth(std::size_t si, depth_window& w, stream_kind kind, std::int64_t now,
                              message_sink& sink) {
  if (w.first == 0) return;  // nothing changed in this window: Binance sends nothing
  emit(stream_catalog::id(si, kind), sink, [&](std::string& o) {
    o.append(R"({"e":"depthUpdate","E":)");
    append_int(o, now);
    o.append(R"(,"s":)");
    append_str(o, market_.symbols()[si].name);
    o.append(R"(,"U":)");
    append_uint(o, w.first);
    o.append(R"(,"u":)");
    append_uint(o, w.last);
    o.append(R"(,"b":)");
    append_levels(o, w.bids);
    o.append(R"(,"a":)");
    append_levels(o, w.asks);
    o.push_back('}');
  });
  w.first = w.last = 0;
  w.bids.clear();
  w.asks.clear();
}

void binance_feed::kline::reset(std::int64_t open_time, std::int64_t price) {
  *this = kline{};
  open_ms = open_time;
  o = h = l = c = price;
}

void binance_feed::emit_kline(std::size_t si, bool closed, std::int64_t now, message_sink& sink) {
  const auto& k = feeds_[si].k;
  const auto& name = market_.symbols()[si].name;
  emit(stream_catalog::id(si, stream_kind::kline_1m), sink, [&](std::string& o) {
    o.append(R"({"e":"kline","E":)");
    append_int(o, now);
    o.append(R"(,"s":)");
    append_str(o, name);
    o.append(R"(,"k":{"t":)");
    append_int(o, k.open_ms);
    o.append(R"(,"T":)");
    append_int(o, k.open_ms + minute_ms - 1);
    o.append(R"(,"s":)");
    append_str(o, name);
    o.append(R"(,"i":"1m","f":)");
    append_int(o, k.first_id);
    o.append(R"(,"L":)");
    append_int(o, k.last_id);
    o.append(R"(,"o":)");
    append_dec(o, k.o);
    o.append(R"(,"c":)");
    append_dec(o, k.c);
    o.append(R"(,"h":)");
    append_dec(o, k.h);
    o.append(R"(,"l":)");
    append_dec(o, k.l);
    o.append(R"(,"v":)");
    append_dec(o, k.volume);
    o.append(R"(,"n":)");
    append_uint(o, k.trades);
    o.append(closed ? R"(,"x":true,"q":)" : R"(,"x":false,"q":)");
    append_dec(o, k.quote);
    o.append(R"(,"V":)");
    append_dec(o, k.taker_base);
    o.append(R"(,"Q":)");
    append_dec(o, k.taker_quote);
    o.append(R"(,"B":"0"}})");
  });
}

void binance_feed::emit_ticker(std::size_t si, std::int64_t now, message_sink& sink) {
  const auto& s = market_.symbols()[si];
  const auto& st = s.stats;
  emit(stream_catalog::id(si, stream_kind::ticker), sink, [&](std::string& o) {
    const auto& [bp, bq] = *s.bids.begin();
    const auto& [ap, aq] = *s.asks.begin();
    const std::int64_t change = st.last - st.open;
    const auto vwap = st.volume > 0
                          ? static_cast<std::int64_t>(static_cast<__int128>(st.quote_volume) * units_per_one / st.volume)
                          : st.last;
    o.append(R"({"e":"24hrTicker","E":)");
    append_int(o, now);
    o.append(R"(,"s":)");
    append_str(o, s.name);
    o.append(R"(,"p":)");
    append_dec(o, change);
    o.append(R"(,"P":")");
    append_fixed(o, static_cast<std::int64_t>(static_cast<__int128>(change) * 100'000 / st.open), 3);
    o.append(R"(","w":)");
    append_dec(o, vwap);
    o.append(R"(,"x":)");
    append_dec(o, st.open);
    o.append(R"(,"c":)");
    append_dec(o, st.last);
    o.append(R"(,"Q":)");
    append_dec(o, st.last_qty);
    append_top_of_book(o, bp, bq, ap, aq);
    o.append(R"(,"o":)");
    append_dec(o, st.open);
    o.append(R"(,"h":)");
    append_dec(o, st.high);
    o.append(R"(,"l":)");
    append_dec(o, st.low);
    o.append(R"(,"v":)");
    append_dec(o, st.volume);
    o.append(R"(,"q":)");
    append_dec(o, st.quote_volume);
    o.append(R"(,"O":)");
    append_int(o, now - 86'400'000);
    o.append(R"(,"C":)");
    append_int(o, now);
    o.append(R"(,"F":)");
    append_int(o, st.count ? static_cast<std::int64_t>(st.first_trade_id) : -1);
    o.append(R"(,"L":)");
    append_int(o, st.count ? static_cast<std::int64_t>(st.last_trade_id) : -1);
    o.append(R"(,"n":)");
    append_uint(o, st.count);
    o.push_back('}');
  });
}

std::string binance_feed::depth_snapshot(std::size_t si, std::size_t limit) const {
  const auto& s = market_.symbols()[si];
  std::string o;
  o.reserve(64 + 48 * 2 * std::min(limit, std::max(s.bids.size(), s.asks.size())));
  o.append(R"({"lastUpdateId":)");
  append_uint(o, s.update_id);
  o.append(R"(,"bids":)");
  append_levels(o, s.bids, limit);
  o.append(R"(,"asks":)");
  append_levels(o, s.asks, limit);
  o.push_back('}');
  return o;
}

}  // namespace mdfan::sim
