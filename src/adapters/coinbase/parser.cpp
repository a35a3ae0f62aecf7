#include "adapters/coinbase/parser.hpp"

#include <charconv>
#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/common/json_reader.hpp"
#include "adapters/common/wire_shape.hpp"

namespace mdfan::adapters {
namespace {

namespace od = simdjson::ondemand;

constexpr std::int64_t ns_per_s = 1'000'000'000;

coinbase_channel channel_of(std::string_view s) noexcept {
  if (s == "l2_data") return coinbase_channel::l2_data;
  if (s == "market_trades") return coinbase_channel::market_trades;
  if (s == "ticker") return coinbase_channel::ticker;
  if (s == "heartbeats") return coinbase_channel::heartbeats;
  if (s == "ticker_batch") return coinbase_channel::ticker_batch;
  if (s == "candles") return coinbase_channel::candles;
  if (s == "subscriptions") return coinbase_channel::subscriptions;
  if (s == "status") return coinbase_channel::status;
  return coinbase_channel::unknown;
}

// price_percent_chg_24_h is a percentage, not the absolute change_24h: not mapped. 52-week high/low
// have no place in the event.
constexpr auto ticker_keys = index_keys<ticker>({
    {"price", &ticker::last_price},           {"best_bid", &ticker::bid_price},
    {"best_bid_quantity", &ticker::bid_size}, {"best_ask", &ticker::ask_price},
    {"best_ask_quantity", &ticker::ask_size}, {"volume_24_h", &ticker::volume_24h},
    {"high_24_h", &ticker::high_24h},         {"low_24_h", &ticker::low_24h}});
constexpr auto candle_keys = index_keys<candle>({{"open", &candle::open},
                                               {"high", &candle::high},
                                               {"low", &candle::low},
                                               {"close", &candle::close},
                                               {"volume", &candle::volume}});

// Coinbase sends the MAKER side of a trade: a BUY maker means the taker sold. "" and
// UNKNOWN_ORDER_SIDE say nothing. False for any other text.
bool taker_side_of(std::string_view s, side& taker) noexcept {
  if (s == "BUY" || s == "buy") {
    taker = side::sell;
  } else if (s == "SELL" || s == "sell") {
    taker = side::buy;
  } else if (s.empty() || s == "UNKNOWN_ORDER_SIDE") {
    taker = side::none;
  } else {
    return false;
  }
  return true;
}

// An unsigned integer sent as a string: digits only, the whole string, in range.
bool digits_u64(std::string_view s, std::uint64_t& u) noexcept {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), u);
  return !s.empty() && r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

// A candle's "start" (unix seconds) -> ns; false when the bar would end past the int64 ns range.
bool candle_start_ns(std::uint64_t start, std::int64_t& ns) noexcept {
  if (start > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / ns_per_s) - 600) return false;
  ns = static_cast<std::int64_t>(start) * ns_per_s;
  return true;
}

}  // namespace

std::string_view to_string(coinbase_channel c) noexcept {
  switch (c) {
    case coinbase_channel::unknown: return "unknown";
    case coinbase_channel::l2_data: return "l2_data";
    case coinbase_channel::ticker: return "ticker";
    case coinbase_channel::ticker_batch: return "ticker_batch";
    case coinbase_channel::market_trades: return "market_trades";
    case coinbase_channel::candles: return "candles";
    case coinbase_channel::heartbeats: return "heartbeats";
    case coinbase_channel::status: return "status";
    case coinbase_channel::subscriptions: return "subscriptions";
    case coinbase_channel::error: return "error";
    case coinbase_channel::request: return "request";
  }
  return "?";
}

bool parse_rfc3339_ns(std::string_view s, std::int64_t& ns) noexcept { return rfc3339_ns(s, ns, false); }

void coinbase_message::clear() noexcept {
  channel = coinbase_channel::unknown;
  has_sequence = false;
  sequence_num = 0;
  timestamp_ns = 0;
  books.clear();
  tickers.clear();
  trades.clear();
  candles.clear();
  heartbeat_counter = 0;
  error_message.clear();
}

// A book entry reused for the next message (next_slot finds it by argument-dependent lookup): its
// vectors keep their capacity.
void reset_keep_capacity(coinbase_book& b) {
  b.product_id.clear();
  b.snapshot = false;
  b.event_time_ns = 0;
  b.bids.clear();
  b.asks.clear();
}

struct coinbase_parser::impl : json_reader {
  od::parser parser;
  std::string padded;  // copy buffer for unpadded input
  coinbase_message* out = nullptr;
  coinbase_parse_error* err = nullptr;
  std::int64_t recv = 0;
  // Entries of the current message in out's vectors, which keep the previous message's entries (and
  // their capacity) until the end of the parse.
  std::size_t books_used = 0, tickers_used = 0, trades_used = 0, candles_used = 0;

  // Starts a message: out's scalars reset, its vectors kept for reuse.
  void start(coinbase_message& m) {
    out = &m;
    books_used = tickers_used = trades_used = candles_used = 0;
    m.channel = coinbase_channel::unknown;
    m.has_sequence = false;
    m.sequence_num = 0;
    m.timestamp_ns = 0;
    m.heartbeat_counter = 0;
    m.error_message.clear();
  }
  // Ends it: the vectors hold this message's entries only.
  void finish() {
    out->books.resize(books_used);
    out->tickers.resize(tickers_used);
    out->trades.resize(trades_used);
    out->candles.resize(candles_used);
  }

  // ---- values

  bool dec(od::value& v, std::string_view key, decimal& d) { return get_decimal(v, key, d, non_negative); }
  bool time(od::value& v, std::string_view key, std::int64_t& ns) {
    std::string_view s;
    if (auto ec = plain_text_of(v, s)) return bad_value(ec, v, key, "an RFC 3339 time string");
    if (!parse_rfc3339_ns(s, ns))
      return failf("{}: field '{}' is not an RFC 3339 time: '{}'", what, key, s.substr(0, 40));
    return true;
  }
  // An unsigned integer sent as a number or as a string of digits.
  bool uint_any(od::value& v, std::string_view key, std::uint64_t& u) {
    std::string_view s;
    if (plain_text_of(v, s) != simdjson::SUCCESS) return get_uint(v, key, u);
    if (!digits_u64(s, u)) return failf("{}: field '{}' is not an unsigned integer: '{}'", what, key, s.substr(0, 40));
    return true;
  }
  // `v` is an object: f(key, value) for each of its fields, with `name` the object's kind for errors.
  template <class F>
  bool fields_of(od::value& v, std::string_view name, F&& f) {
    what = name;
    od::object obj;
    if (auto ec = v.get_object().get(obj)) {
      if (ec == simdjson::INCORRECT_TYPE) return failf("{} is not an object", name);
      return fail_json(ec);
    }
    return for_fields(obj, f);
  }
  // `v` is an array under `key`: f(value) for each element.
  template <class F>
  bool items_of(od::value& v, std::string_view key, F&& f) {
    od::array arr;
    return get_array(v, key, arr) && for_items(arr, f);
  }

  void header(event_header& h, std::string_view product, std::int64_t ts) {
    // Coinbase's product ids are already BASE-QUOTE: symbol and instrument are the same.
    fill_header(h, exchange_id::coinbase, product, product, ts, recv);
  }

  // ---- l2_data

  bool level2_event(od::value& ev) {
    coinbase_book& b = next_slot(out->books, books_used);
    bool have_type = false, have_product = false, have_updates = false;
    if (!fields_of(ev, "l2_data event", [&](std::string_view k, od::value& v) {
          if (k == "type") {
            std::string_view t;
            if (!get_string(v, k, t)) return false;
            if (t != "snapshot" && t != "update") return failf("l2_data event: unknown type '{}'", t.substr(0, 40));
            b.snapshot = t == "snapshot";
            have_type = true;
          } else if (k == "product_id") {
            std::string_view p;
            if (!get_string(v, k, p)) return false;
            if (p.empty()) return fail("l2_data event: empty product_id");
            b.product_id.assign(p);
            err->product_id.assign(p);  // a failure from here on concerns this product's book
            have_product = true;
          } else if (k == "updates") {
            if (!items_of(v, k, [&](od::value& uv) { return level(uv, b); })) return false;
            have_updates = true;
          }
          return true;
        }))
      return false;
    if (!have_type) return missing("type");
    if (!have_product) return missing("product_id");
    if (!have_updates) return missing("updates");
    return true;
  }

  bool level(od::value& uv, coinbase_book& b) {
    price_level pl;
    int side = 0;  // 1 bid, 2 offer
    bool have_price = false, have_qty = false;
    if (!fields_of(uv, "l2_data update", [&](std::string_view k, od::value& v) {
          if (k == "side") {
            std::string_view s;
            if (!get_string(v, k, s)) return false;
            if (s == "bid") {
              side = 1;
            } else if (s == "offer" || s == "ask") {
              side = 2;
            } else {
              return failf("l2_data update: unknown side '{}'", s.substr(0, 40));
            }
          } else if (k == "price_level") {
            if (!dec(v, k, pl.price)) return false;
            have_price = true;
          } else if (k == "new_quantity") {
            if (!dec(v, k, pl.size)) return false;
            have_qty = true;
          } else if (k == "event_time") {
            std::int64_t t = 0;
            if (!time(v, k, t)) return false;
            if (t > b.event_time_ns) b.event_time_ns = t;
          }
          return true;
        }))
      return false;
    if (side == 0) return missing("side");
    if (!have_price) return missing("price_level");
    if (!have_qty) return missing("new_quantity");
    (side == 1 ? b.bids : b.asks).push_back(pl);
    what = "l2_data event";
    return true;
  }

  // ---- ticker, ticker_batch, candles

  // An event object whose `key` array holds the items (tickers, candles): each goes to `one`.
  template <typename One>
  bool items_event(od::value& ev, std::string_view name, std::string_view key, One one) {
    return fields_of(ev, name, [&](std::string_view k, od::value& v) {
      if (k != key) return true;
      if (!items_of(v, key, [&](od::value& iv) { return (this->*one)(iv); })) return false;
      what = name;
      return true;
    });
  }

  bool ticker_event(od::value& ev) { return items_event(ev, "ticker event", "tickers", &impl::one_ticker); }

  bool one_ticker(od::value& tv) {
    ticker& tk = next_slot(out->tickers, tickers_used);
    std::string_view product;
    if (!fields_of(tv, "ticker", [&](std::string_view k, od::value& v) {
          if (k == "product_id") return get_string(v, k, product);
          decimal* d = ticker_keys.find(k, tk);
          return d == nullptr || dec(v, k, *d);
        }))
      return false;
    if (product.empty()) return missing("product_id");
    if (tk.last_price.empty()) return missing("price");
    header(tk, product, 0);  // time and sequence: the envelope's, set at the end
    return true;
  }

  // ---- market_trades

  bool trades_event(od::value& ev) {
    const std::size_t first = trades_used;
    bool snapshot = false;
    if (!fields_of(ev, "market_trades event", [&](std::string_view k, od::value& v) {
          if (k == "type") {
            std::string_view t;
            if (!get_string(v, k, t)) return false;
            snapshot = t == "snapshot";
          } else if (k == "trades") {
            if (!items_of(v, k, [&](od::value& tv) { return one_trade(tv); })) return false;
            what = "market_trades event";
          }
          return true;
        }))
      return false;
    for (std::size_t i = first; i < trades_used; ++i) out->trades[i].snapshot = snapshot;
    return true;
  }

  // A trade's id as sent; a numeric one doubles as the sequence.
  static void set_trade_id(trade& tr, std::string_view id) {
    tr.trade_id.assign(id);
    std::uint64_t n = 0;
    tr.sequence = digits_u64(id, n) ? n : 0;
  }

  bool one_trade(od::value& tv) {
    coinbase_trade& ct = next_slot(out->trades, trades_used);
    trade& tr = ct.t;
    std::string_view product;
    std::int64_t ts = -1;
    bool have_id = false, have_side = false;
    if (!fields_of(tv, "trade", [&](std::string_view k, od::value& v) {
          if (k == "trade_id") {
            std::string_view id;
            if (!get_nonempty_string(v, k, id)) return false;
            set_trade_id(tr, id);
            have_id = true;
          } else if (k == "product_id") {
            return get_string(v, k, product);
          } else if (k == "price") {
            return dec(v, k, tr.price);
          } else if (k == "size") {
            return dec(v, k, tr.size);
          } else if (k == "side") {
            std::string_view s;
            if (!get_string(v, k, s)) return false;
            if (!taker_side_of(s, tr.aggressor)) return failf("trade: unknown side '{}'", s.substr(0, 40));
            have_side = true;
          } else if (k == "time") {
            return time(v, k, ts);
          }
          return true;
        }))
      return false;
    if (!have_id) return missing("trade_id");
    if (product.empty()) return missing("product_id");
    if (tr.price.empty()) return missing("price");
    if (tr.size.empty()) return missing("size");
    if (!have_side) return missing("side");
    if (ts < 0) return missing("time");
    header(tr, product, ts);
    return true;
  }

  // ---- candles

  bool candles_event(od::value& ev) { return items_event(ev, "candles event", "candles", &impl::one_candle); }

  bool one_candle(od::value& cv) {
    candle& c = next_slot(out->candles, candles_used);
    std::string_view product;
    bool have_start = false;
    if (!fields_of(cv, "candle", [&](std::string_view k, od::value& v) {
          if (k == "start") {
            std::uint64_t start = 0;
            if (!uint_any(v, k, start)) return false;
            if (!candle_start_ns(start, c.open_time_ns)) return fail("candle: 'start' out of range");
            have_start = true;
            return true;
          }
          if (k == "product_id") return get_string(v, k, product);
          decimal* d = candle_keys.find(k, c);
          return d == nullptr || dec(v, k, *d);
        }))
      return false;
    if (!have_start) return missing("start");
    if (product.empty()) return missing("product_id");
    if (c.open.empty()) return missing("open");
    if (c.high.empty()) return missing("high");
    if (c.low.empty()) return missing("low");
    if (c.close.empty()) return missing("close");
    if (c.volume.empty()) return missing("volume");
    finish_candle(c, product);
    return true;
  }
  void finish_candle(candle& c, std::string_view product) {
    header(c, product, 0);                                          // time and sequence: the envelope's, set at the end
    c.interval = "5m";                                              // the only bucket Coinbase's candles channel has
    c.close_time_ns = c.open_time_ns + 300 * ns_per_s - 1'000'000;  // last ms inside the bar
  }

  // ---- heartbeats

  bool heartbeat_event(od::value& ev) {
    return fields_of(ev, "heartbeats event", [&](std::string_view k, od::value& v) {
      return k != "heartbeat_counter" || uint_any(v, k, out->heartbeat_counter);
    });
  }

  bool events(od::value& v) {
    using c = coinbase_channel;
    const c ch = out->channel;
    if (ch != c::l2_data && ch != c::ticker && ch != c::ticker_batch && ch != c::market_trades && ch != c::candles &&
        ch != c::heartbeats)
      return true;  // control traffic: the content is not needed
    what = "message";
    return items_of(v, "events", [&](od::value& ev) {
      switch (ch) {
        case c::l2_data: return level2_event(ev);
        case c::ticker:
        case c::ticker_batch: return ticker_event(ev);
        case c::market_trades: return trades_event(ev);
        case c::candles: return candles_event(ev);
        case c::heartbeats: return heartbeat_event(ev);
        default: return true;
      }
    });
  }

  // One pass over the envelope. `events_only`: the second pass, after "events" came before "channel".
  bool envelope(od::document& doc, bool events_only, bool& events_deferred) {
    od::object obj;
    if (auto ec = doc.get_object().get(obj)) {
      if (ec == simdjson::INCORRECT_TYPE) return fail("not a JSON object");
      return fail_json(ec);
    }
    bool have_channel = false;
    std::string_view type;
    if (!for_fields(obj, [&](std::string_view k, od::value& v) {
          what = "message";
          if (k == "events") {
            if (!have_channel && !events_only) {
              events_deferred = true;  // read it once the channel is known
              return true;
            }
            return events(v);
          }
          if (events_only) return true;
          if (k == "channel") {
            std::string_view ch;
            if (!get_string(v, k, ch)) return false;
            out->channel = channel_of(ch);
            err->channel = out->channel;
            have_channel = true;
          } else if (k == "sequence_num") {
            std::uint64_t n = 0;
            if (!get_uint(v, k, n)) return false;
            out->sequence_num = err->sequence_num = n;
            out->has_sequence = err->has_sequence = true;
          } else if (k == "timestamp") {
            return time(v, k, out->timestamp_ns);
          } else if (k == "type") {
            return get_string(v, k, type);
          } else if (k == "message") {
            std::string_view m;
            if (!get_string(v, k, m)) return false;
            out->error_message.assign(m.substr(0, 500));
          }
          return true;
        }))
      return false;
    if (events_only) return true;
    if (type == "error") out->channel = err->channel = coinbase_channel::error;
    if (type == "subscribe" || type == "unsubscribe") out->channel = err->channel = coinbase_channel::request;
    if (!have_channel && out->channel != coinbase_channel::error && out->channel != coinbase_channel::request) {
      if (!type.empty()) return failf("message of type '{}' without a channel", type.substr(0, 40));
      return fail("message without a channel");
    }
    return true;
  }

  // ---- the fast path (wire_shape.hpp): the channels Coinbase sends most, in its own field order,
  // compact. Each reader accepts exactly what the general path reads to the same
  // output, or returns false; the tails shared with the general path (header, finish_candle,
  // set_trade_id, stamp_envelope) build the output.

  // A time in Coinbase's own form (see wire_time_ns).
  static bool fast_time(wire_shape& w, std::int64_t& ns) {
    std::string_view s;
    return w.str(s) && wire_time_ns(s, ns);
  }
  // A non-negative decimal string, as dec() reads one.
  static bool fast_dec(wire_shape& w, decimal& d) { return wire_level_decimal(w, d); }
  // A non-empty product id.
  static bool fast_product(wire_shape& w, std::string_view& p) { return w.str(p) && !p.empty(); }
  // The event's {"type":"snapshot" or "update", then `next` (the key of its array, with its '[').
  template <std::size_t N>
  static bool fast_event_type(wire_shape& w, const char (&next)[N], bool& snapshot) {
    if (w.lit(R"({"type":"snapshot")")) {
      snapshot = true;
    } else if (w.lit(R"({"type":"update")")) {
      snapshot = false;
    } else {
      return false;
    }
    return w.lit(next);
  }
  // The items of an array whose '[' is read: read(w) for each, then the ']' and the '}' of the object
  // holding the array (an event, or the envelope).
  template <class Read>
  static bool fast_items(wire_shape& w, Read&& read) {
    if (!w.lit(']')) {
      do {
        if (!read(w)) return false;
      } while (w.lit(','));
      if (!w.lit(']')) return false;
    }
    return w.lit('}');
  }

  // l2_data: {"type":"snapshot"|"update","product_id":"BTC-USD","updates":[{"side":"bid"|"offer",
  // "event_time":"..","price_level":"..","new_quantity":".."},..]}. The levels of one event mostly
  // share one event_time: its text is read into ns once.
  bool fast_level2_event(wire_shape& w) {
    coinbase_book& b = next_slot(out->books, books_used);
    std::string_view product, time_text;
    std::int64_t time_ns = 0;
    if (!fast_event_type(w, R"(,"product_id":)", b.snapshot) || !fast_product(w, product) || !w.lit(R"(,"updates":[)"))
      return false;
    b.product_id.assign(product);
    return fast_items(w, [&](wire_shape& lw) {
      bool bid = true;
      if (!lw.lit(R"({"side":"bid","event_time":)")) {
        if (!lw.lit(R"({"side":"offer","event_time":)")) return false;
        bid = false;
      }
      std::string_view t;
      if (!lw.str(t)) return false;
      if (time_text.empty() || t != time_text) {
        if (!wire_time_ns(t, time_ns)) return false;
        time_text = t;
      }
      if (time_ns > b.event_time_ns) b.event_time_ns = time_ns;
      decimal price, size;
      if (!lw.lit(R"(,"price_level":)") || !fast_dec(lw, price) || !lw.lit(R"(,"new_quantity":)") ||
          !fast_dec(lw, size) || !lw.lit('}'))
        return false;
      add_level(bid ? b.bids : b.asks, price, size);
      return true;
    });
  }

  // market_trades: {"type":"snapshot"|"update","trades":[{"trade_id":"..","product_id":"..",
  // "price":"..","size":"..","side":"BUY"|"SELL"|..,"time":".."},..]}.
  bool fast_trades_event(wire_shape& w) {
    bool snapshot = false;
    if (!fast_event_type(w, R"(,"trades":[)", snapshot)) return false;
    return fast_items(w, [&](wire_shape& tw) {
      coinbase_trade& ct = next_slot(out->trades, trades_used);
      ct.snapshot = snapshot;
      trade& tr = ct.t;
      std::string_view id, product, maker;
      std::int64_t ts = 0;
      if (!tw.lit(R"({"trade_id":)") || !tw.str(id) || id.empty() || !tw.lit(R"(,"product_id":)") ||
          !fast_product(tw, product) || !tw.lit(R"(,"price":)") || !fast_dec(tw, tr.price) || !tw.lit(R"(,"size":)") ||
          !fast_dec(tw, tr.size) || !tw.lit(R"(,"side":)") || !tw.str(maker) || !taker_side_of(maker, tr.aggressor) ||
          !tw.lit(R"(,"time":)") || !fast_time(tw, ts) || !tw.lit('}'))
        return false;
      set_trade_id(tr, id);
      header(tr, product, ts);
      return true;
    });
  }

  // ticker and ticker_batch: {"type":"snapshot"|"update","tickers":[{"type":"ticker","product_id":..,
  // "price":..,"volume_24_h":..,"low_24_h":..,"high_24_h":..,"low_52_w":..,"high_52_w":..,
  // "price_percent_chg_24_h":.. then, in the ticker channel's form, "best_bid":..,"best_bid_quantity":..,
  // "best_ask":..,"best_ask_quantity":..}]}. The 52-week range and the percentage change are read as
  // strings and not kept, as the general path ignores them.
  static bool fast_ticker_fields(wire_shape& w, ticker& tk) {
    std::string_view low_52w, high_52w, change_pct;
    return w.lit(R"(,"price":)") && fast_dec(w, tk.last_price) && w.lit(R"(,"volume_24_h":)") &&
           fast_dec(w, tk.volume_24h) && w.lit(R"(,"low_24_h":)") && fast_dec(w, tk.low_24h) &&
           w.lit(R"(,"high_24_h":)") && fast_dec(w, tk.high_24h) && w.lit(R"(,"low_52_w":)") && w.str(low_52w) &&
           w.lit(R"(,"high_52_w":)") && w.str(high_52w) && w.lit(R"(,"price_percent_chg_24_h":)") && w.str(change_pct);
  }
  static bool fast_ticker_best(wire_shape& w, ticker& tk) {
    return w.lit(R"(,"best_bid":)") && fast_dec(w, tk.bid_price) && w.lit(R"(,"best_bid_quantity":)") &&
           fast_dec(w, tk.bid_size) && w.lit(R"(,"best_ask":)") && fast_dec(w, tk.ask_price) &&
           w.lit(R"(,"best_ask_quantity":)") && fast_dec(w, tk.ask_size);
  }
  bool fast_ticker_event(wire_shape& w) {
    bool snapshot = false;
    if (!fast_event_type(w, R"(,"tickers":[)", snapshot)) return false;
    return fast_items(w, [&](wire_shape& tw) {
      ticker& tk = next_slot(out->tickers, tickers_used);
      std::string_view product;
      if (!tw.lit(R"({"type":"ticker","product_id":)") || !fast_product(tw, product) || !fast_ticker_fields(tw, tk) ||
          (!tw.peek('}') && !fast_ticker_best(tw, tk)) || !tw.lit('}'))
        return false;
      header(tk, product, 0);
      return true;
    });
  }

  // candles: {"type":"snapshot"|"update","candles":[{"start":"<unix s>","high":..,"low":..,"open":..,
  // "close":..,"volume":..,"product_id":".."},..]}.
  bool fast_candles_event(wire_shape& w) {
    bool snapshot = false;
    if (!fast_event_type(w, R"(,"candles":[)", snapshot)) return false;
    return fast_items(w, [&](wire_shape& cw) {
      candle& c = next_slot(out->candles, candles_used);
      std::string_view start_text, product;
      std::uint64_t start = 0;
      if (!cw.lit(R"({"start":)") || !cw.str(start_text) || !digits_u64(start_text, start) ||
          !candle_start_ns(start, c.open_time_ns) || !cw.lit(R"(,"high":)") || !fast_dec(cw, c.high) ||
          !cw.lit(R"(,"low":)") || !fast_dec(cw, c.low) || !cw.lit(R"(,"open":)") || !fast_dec(cw, c.open) ||
          !cw.lit(R"(,"close":)") || !fast_dec(cw, c.close) || !cw.lit(R"(,"volume":)") || !fast_dec(cw, c.volume) ||
          !cw.lit(R"(,"product_id":)") || !fast_product(cw, product) || !cw.lit('}'))
        return false;
      finish_candle(c, product);
      return true;
    });
  }

  // heartbeats: {"current_time":"..","heartbeat_counter":"<digits>" or <digits>}. current_time is not
  // kept (a Go time.String() text).
  bool fast_heartbeat_event(wire_shape& w) {
    std::string_view current_time, counter;
    if (!w.lit(R"({"current_time":)") || !w.str(current_time) || !w.lit(R"(,"heartbeat_counter":)")) return false;
    if (w.peek('"')) {
      if (!w.str(counter) || !digits_u64(counter, out->heartbeat_counter)) return false;
    } else if (!w.u64(out->heartbeat_counter)) {
      return false;
    }
    return w.lit('}');
  }

  // The envelope {"channel":..,"client_id":..,"timestamp":..,"sequence_num":..,"events":[..]}, in
  // that order (client_id may be absent), of the channels above.
  bool parse_fast(const char* buf, std::size_t len) {
    using c = coinbase_channel;
    wire_shape w(buf, len);
    if (!w.lit(R"({"channel":")")) return false;
    c ch = c::unknown;
    if (w.lit(R"(l2_data")")) {
      ch = c::l2_data;
    } else if (w.lit(R"(market_trades")")) {
      ch = c::market_trades;
    } else if (w.lit(R"(ticker")")) {
      ch = c::ticker;
    } else if (w.lit(R"(heartbeats")")) {
      ch = c::heartbeats;
    } else if (w.lit(R"(ticker_batch")")) {
      ch = c::ticker_batch;
    } else if (w.lit(R"(candles")")) {
      ch = c::candles;
    } else {
      return false;
    }
    std::string_view client_id;
    if (w.lit(R"(,"client_id":)") && !w.str(client_id)) return false;
    if (!w.lit(R"(,"timestamp":)") || !fast_time(w, out->timestamp_ns) || !w.lit(R"(,"sequence_num":)") ||
        !w.u64(out->sequence_num) || !w.lit(R"(,"events":[)"))
      return false;
    out->channel = ch;
    out->has_sequence = true;
    const bool ok = fast_items(w, [&](wire_shape& ew) {
      switch (ch) {
        case c::l2_data: return fast_level2_event(ew);
        case c::market_trades: return fast_trades_event(ew);
        case c::ticker:
        case c::ticker_batch: return fast_ticker_event(ew);
        case c::candles: return fast_candles_event(ew);
        case c::heartbeats: return fast_heartbeat_event(ew);
        default: return false;
      }
    });
    if (!ok || !w.at_end()) return false;
    finish();
    stamp_envelope();
    // What the general path leaves in the error after a success: the envelope, the last book's product.
    err->channel = ch;
    err->has_sequence = true;
    err->sequence_num = out->sequence_num;
    if (books_used != 0) err->product_id.assign(out->books[books_used - 1].product_id);
    return true;
  }

  // Flattened: every reader below is inlined into this one function (the per-field lambdas would
  // otherwise stay calls, about a tenth of the time).
  [[gnu::flatten]] bool run(const char* buf, std::size_t len, std::size_t capacity) {
    od::document doc;
    if (auto ec = parser.iterate(buf, len, capacity).get(doc)) {
      finish();
      return fail_json(ec);
    }
    bool deferred = false;
    bool ok = envelope(doc, false, deferred) && at_end(doc);
    if (ok && deferred) {
      doc.rewind();
      bool unused = false;
      ok = envelope(doc, true, unused);
    }
    finish();
    if (!ok) return false;
    stamp_envelope();
    return true;
  }

  // Tickers and candles carry the envelope's time and sequence_num (which may follow the events).
  void stamp_envelope() {
    for (auto& t : out->tickers) {
      t.exchange_ts_ns = out->timestamp_ns;
      t.sequence = out->sequence_num;
    }
    for (auto& c : out->candles) {
      c.exchange_ts_ns = out->timestamp_ns;
      c.sequence = out->sequence_num;
    }
  }
};

coinbase_parser::coinbase_parser() : impl_(std::make_unique<impl>()) {}
coinbase_parser::~coinbase_parser() = default;
coinbase_parser::coinbase_parser(coinbase_parser&&) noexcept = default;
coinbase_parser& coinbase_parser::operator=(coinbase_parser&&) noexcept = default;

bool coinbase_parser::parse_padded(std::string_view msg, std::int64_t receive_ns, coinbase_message& out,
                                   coinbase_parse_error& error) {
  error.reason.clear();
  error.channel = coinbase_channel::unknown;
  error.product_id.clear();
  error.has_sequence = false;
  error.sequence_num = 0;
  impl_->start(out);
  impl_->err = &error;
  impl_->begin(error.reason);
  impl_->recv = receive_ns;
  if (msg.empty()) {
    impl_->finish();
    error.reason = "empty message";
    return false;
  }
  if (fast_path_enabled()) {
    if (impl_->parse_fast(msg.data(), msg.size())) {
      ++fast_path_hits();
      return true;
    }
    impl_->start(out);  // not in the shape: forget what the fast path read
  }
  return impl_->run(msg.data(), msg.size(), msg.size() + simdjson::SIMDJSON_PADDING);
}

bool coinbase_parser::parse(std::string_view msg, std::int64_t receive_ns, coinbase_message& out,
                            coinbase_parse_error& error) {
  return parse_padded(padded_copy(impl_->padded, msg), receive_ns, out, error);
}

book_update to_book_update(const coinbase_book& book, const coinbase_message& msg, std::int64_t receive_ns) {
  book_update u;
  fill_header(u, exchange_id::coinbase, book.product_id, book.product_id, msg.timestamp_ns, receive_ns);
  u.sequence = u.first_sequence = msg.sequence_num;
  u.snapshot = book.snapshot;
  u.bids = book.bids;
  u.asks = book.asks;
  return u;
}

}  // namespace mdfan::adapters
