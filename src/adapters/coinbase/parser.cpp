#include "adapters/coinbase/parser.hpp"

#include <charconv>
#include <limits>

#include <fmt/format.h>
#include <simdjson.h>

namespace mdfan::adapters {
namespace {

namespace od = simdjson::ondemand;

constexpr std::int64_t ns_per_s = 1'000'000'000;

// A key as it appears in the document, without unescaping (Coinbase keys have no escapes; a key
// that had one simply matches nothing). Stage 1 guarantees the string is terminated.
std::string_view key_of(od::field& f) noexcept {
  const char* begin = f.key().raw();
  const char* p = begin;
  while (*p != '"') p += (*p == '\\') ? 2 : 1;
  return {begin, static_cast<std::size_t>(p - begin)};
}

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

bool is_negative(const decimal& d) noexcept { return !d.empty() && d.str().front() == '-'; }

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) noexcept {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(s[i] - '0');
  }
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

bool parse_rfc3339_ns(std::string_view s, std::int64_t& ns) noexcept {
  // YYYY-MM-DDTHH:MM:SS[.fffffffff](Z|+hh:mm|-hh:mm); a space is accepted for the T.
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 20 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  std::size_t i = 19;
  std::int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int n = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++n)
      if (n < 9) frac = frac * 10 + (s[i] - '0');
    if (n == 0) return false;
    for (; n < 9; ++n) frac *= 10;
  }
  if (i >= s.size()) return false;
  std::int64_t offset_s = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    unsigned oh = 0, om = 0;
    if (!digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, om)) return false;
    offset_s = (s[i] == '-' ? -1 : 1) * static_cast<std::int64_t>(oh * 3600 + om * 60);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  const std::int64_t days = days_from_civil(y, mo, d);
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  if (secs < 0 || secs > std::numeric_limits<std::int64_t>::max() / ns_per_s - 1) return false;
  ns = secs * ns_per_s + frac;
  return true;
}

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

struct coinbase_parser::impl {
  od::parser parser;
  std::string padded;  // copy buffer for unpadded input
  coinbase_message* out = nullptr;
  coinbase_parse_error* err = nullptr;
  std::int64_t recv = 0;
  std::string_view what;  // the object being read, for error reasons

  bool fail(std::string reason) {
    if (err->reason.empty()) err->reason = std::move(reason);
    return false;
  }
  bool fail_json(simdjson::error_code ec) { return fail(fmt::format("not JSON ({})", simdjson::error_message(ec))); }
  bool wrong(std::string_view key, std::string_view expected) {
    return fail(fmt::format("{}: field '{}' is not {}", what, key, expected));
  }
  bool missing(std::string_view key) { return fail(fmt::format("{}: missing field '{}'", what, key)); }

  // ---- values

  bool str(od::value& v, std::string_view key, std::string_view& s) {
    if (auto ec = v.get_string().get(s)) return ec == simdjson::INCORRECT_TYPE ? wrong(key, "a string") : fail_json(ec);
    return true;
  }
  bool dec(od::value& v, std::string_view key, decimal& d) {
    std::string_view s;
    if (!str(v, key, s)) return false;
    if (!decimal::parse(s, d) || is_negative(d))
      return fail(fmt::format("{}: field '{}' is not a decimal: '{}'", what, key, s.substr(0, 40)));
    return true;
  }
  bool time(od::value& v, std::string_view key, std::int64_t& ns) {
    std::string_view s;
    if (!str(v, key, s)) return false;
    if (!parse_rfc3339_ns(s, ns))
      return fail(fmt::format("{}: field '{}' is not an RFC 3339 time: '{}'", what, key, s.substr(0, 40)));
    return true;
  }
  // An unsigned integer sent as a number or as a string of digits.
  bool uint_any(od::value& v, std::string_view key, std::uint64_t& u) {
    od::json_type t;
    if (auto ec = v.type().get(t)) return fail_json(ec);
    if (t == od::json_type::number) {
      if (v.get_uint64().get(u) != simdjson::SUCCESS) return wrong(key, "an unsigned integer");
      return true;
    }
    std::string_view s;
    if (!str(v, key, s)) return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), u);
    if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size()) return wrong(key, "an unsigned integer");
    return true;
  }
  bool array(od::value& v, std::string_view key, od::array& a) {
    if (auto ec = v.get_array().get(a)) return ec == simdjson::INCORRECT_TYPE ? wrong(key, "an array") : fail_json(ec);
    return true;
  }
  bool object(od::value& v, std::string_view what_name, od::object& o) {
    if (auto ec = v.get_object().get(o))
      return ec == simdjson::INCORRECT_TYPE ? fail(fmt::format("{} is not an object", what_name)) : fail_json(ec);
    return true;
  }

  void header(event_header& h, std::string_view product, std::int64_t ts) {
    h.exchange = exchange_id::coinbase;
    h.symbol.assign(product);
    h.instrument.assign(product);
    h.exchange_ts_ns = ts;
    h.receive_ts_ns = recv;
  }

  // ---- l2_data

  bool level2_event(od::value& ev) {
    what = "l2_data event";
    od::object obj;
    if (!object(ev, "l2_data event", obj)) return false;
    coinbase_book& b = out->books.emplace_back();
    bool have_type = false, have_product = false, have_updates = false;
    for (auto field_r : obj) {
      od::field field;
      if (auto ec = std::move(field_r).get(field)) return fail_json(ec);
      const std::string_view k = key_of(field);
      od::value& v = field.value();
      if (k == "type") {
        std::string_view t;
        if (!str(v, k, t)) return false;
        if (t != "snapshot" && t != "update")
          return fail(fmt::format("l2_data event: unknown type '{}'", t.substr(0, 40)));
        b.snapshot = t == "snapshot";
        have_type = true;
      } else if (k == "product_id") {
        std::string_view p;
        if (!str(v, k, p)) return false;
        if (p.empty()) return fail("l2_data event: empty product_id");
        b.product_id.assign(p);
        err->product_id.assign(p);  // a failure from here on concerns this product's book
        have_product = true;
      } else if (k == "updates") {
        od::array arr;
        if (!array(v, k, arr)) return false;
        for (auto u : arr) {
          od::value uv;
          if (auto ec = u.get(uv)) return fail_json(ec);
          if (!level(uv, b)) return false;
        }
        have_updates = true;
      }
    }
    if (!have_type) return missing("type");
    if (!have_product) return missing("product_id");
    if (!have_updates) return missing("updates");
    return true;
  }

  bool level(od::value& uv, coinbase_book& b) {
    what = "l2_data update";
    od::object obj;
    if (!object(uv, "l2_data update", obj)) return false;
    price_level pl;
    int side = 0;  // 1 bid, 2 offer
    bool have_price = false, have_qty = false;
    for (auto field_r : obj) {
      od::field field;
      if (auto ec = std::move(field_r).get(field)) return fail_json(ec);
      const std::string_view k = key_of(field);
      od::value& v = field.value();
      if (k == "side") {
        std::string_view s;
        if (!str(v, k, s)) return false;
        if (s == "bid") {
          side = 1;
        } else if (s == "offer" || s == "ask") {
          side = 2;
        } else {
          return fail(fmt::format("l2_data update: unknown side '{}'", s.substr(0, 40)));
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
    }
    if (side == 0) return missing("side");
    if (!have_price) return missing("price_level");
    if (!have_qty) return missing("new_quantity");
    (side == 1 ? b.bids : b.asks).push_back(pl);
    what = "l2_data event";
    return true;
  }

  // ---- ticker, ticker_batch

  // An event object whose `key` array holds the items (tickers, candles): each goes to `one`.
  template <typename One>
  bool items_event(od::value& ev, std::string_view name, std::string_view key, One one) {
    what = name;
    od::object obj;
    if (!object(ev, name, obj)) return false;
    for (auto field_r : obj) {
      od::field field;
      if (auto ec = std::move(field_r).get(field)) return fail_json(ec);
      if (key_of(field) != key) continue;
      od::array arr;
      if (!array(field.value(), key, arr)) return false;
      for (auto item : arr) {
        od::value iv;
        if (auto ec = item.get(iv)) return fail_json(ec);
        if (!(this->*one)(iv)) return false;
      }
      what = name;
    }
    return true;
  }

  bool ticker_event(od::value& ev) { return items_event(ev, "ticker event", "tickers", &impl::one_ticker); }

  bool one_ticker(od::value& tv) {
    what = "ticker";
    od::object obj;
    if (!object(tv, "ticker", obj)) return false;
    ticker& tk = out->tickers.emplace_back();
    std::string_view product;
    for (auto field_r : obj) {
      od::field field;
      if (auto ec = std::move(field_r).get(field)) return fail_json(ec);
      const std::string_view k = key_of(field);
      od::value& v = field.value();
      decimal* d = nullptr;
      if (k == "product_id") {
        if (!str(v, k, product)) return false;
        continue;
      }
      if (k == "price")
        d = &tk.last_price;
      else if (k == "best_bid")
        d = &tk.bid_price;
      else if (k == "best_bid_quantity")
        d = &tk.bid_size;
      else if (k == "best_ask")
        d = &tk.ask_price;
      else if (k == "best_ask_quantity")
        d = &tk.ask_size;
      else if (k == "volume_24_h")
        d = &tk.volume_24h;
      else if (k == "high_24_h")
        d = &tk.high_24h;
      else if (k == "low_24_h")
        d = &tk.low_24h;
      if (d != nullptr && !dec(v, k, *d)) return false;
      // price_percent_chg_24_h is a percentage, not the absolute change_24h: not mapped. 52-week
      // high/low have no place in the event.
    }
    if (product.empty()) return missing("product_id");
    if (tk.last_price.empty()) return missing("price");
    header(tk, product, 0);  // time and sequence: the envelope's, set at the end
    return true;
  }

  // ---- market_trades

  bool trades_event(od::value& ev) {
    what = "market_trades event";
    od::object obj;
    if (!object(ev, "market_trades event", obj)) return false;
    const std::size_t first = out->trades.size();
    bool snapshot = false;
    for (auto field_r : obj) {
      od::field field;
      if (auto ec = std::move(field_r).get(field)) return fail_json(ec);
      const std::string_view k = key_of(field);
      if (k == "type") {
        std::string_view t;
        if (!str(field.value(), k, t)) return false;
        snapshot = t == "snapshot";
      } else if (k == "trades") {
        od::array arr;
        if (!array(field.value(), k, arr)) return false;
        for (auto t : arr) {
          od::value tv;
          if (auto ec = t.get(tv)) return fail_json(ec);
          if (!one_trade(tv)) return false;
        }
        what = "market_trades event";
      }
    }
    for (std::size_t i = first; i < out->trades.size(); ++i) out->trades[i].snapshot = snapshot;
    return true;
  }

  bool one_trade(od::value& tv) {
    what = "trade";
    od::object obj;
    if (!object(tv, "trade", obj)) return false;
    coinbase_trade& ct = out->trades.emplace_back();
    trade& tr = ct.t;
    std::string_view product;
    std::int64_t ts = -1;
    bool have_id = false, have_side = false;
    for (auto field_r : obj) {
      od::field field;
      if (auto ec = std::move(field_r).get(field)) return fail_json(ec);
      const std::string_view k = key_of(field);
      od::value& v = field.value();
      if (k == "trade_id") {
        std::string_view id;
        if (!str(v, k, id)) return false;
        if (id.empty()) return fail("trade: empty trade_id");
        tr.trade_id.assign(id);
        std::uint64_t n = 0;  // numeric ids double as the sequence
        const auto r = std::from_chars(id.data(), id.data() + id.size(), n);
        tr.sequence = (r.ec == std::errc{} && r.ptr == id.data() + id.size()) ? n : 0;
        have_id = true;
      } else if (k == "product_id") {
        if (!str(v, k, product)) return false;
      } else if (k == "price") {
        if (!dec(v, k, tr.price)) return false;
      } else if (k == "size") {
        if (!dec(v, k, tr.size)) return false;
      } else if (k == "side") {
        std::string_view s;
        if (!str(v, k, s)) return false;
        // Coinbase sends the MAKER side: a BUY maker means the taker sold.
        if (s == "BUY" || s == "buy") {
          tr.aggressor = side::sell;
        } else if (s == "SELL" || s == "sell") {
          tr.aggressor = side::buy;
        } else if (s.empty() || s == "UNKNOWN_ORDER_SIDE") {
          tr.aggressor = side::none;
        } else {
          return fail(fmt::format("trade: unknown side '{}'", s.substr(0, 40)));
        }
        have_side = true;
      } else if (k == "time") {
        if (!time(v, k, ts)) return false;
      }
    }
    if (!have_id) return missing("trade_id");
    if (product.empty()) return missing("product_id");
    if (tr.price.empty()) return missing("price");
    if (tr.size.empty()) return missing("size");
    if (!have_side) return missing("side");
    if (ts < 0) return missing("time");
    const std::uint64_t seq = tr.sequence;
    header(tr, product, ts);
    tr.sequence = seq;
    return true;
  }

  // ---- candles

  bool candles_event(od::value& ev) { return items_event(ev, "candles event", "candles", &impl::one_candle); }

  bool one_candle(od::value& cv) {
    what = "candle";
    od::object obj;
    if (!object(cv, "candle", obj)) return false;
    candle& c = out->candles.emplace_back();
    std::string_view product;
    bool have_start = false;
    for (auto field_r : obj) {
      od::field field;
      if (auto ec = std::move(field_r).get(field)) return fail_json(ec);
      const std::string_view k = key_of(field);
      od::value& v = field.value();
      decimal* d = nullptr;
      if (k == "start") {
        std::uint64_t start = 0;
        if (!uint_any(v, k, start)) return false;
        if (start > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / ns_per_s) - 600)
          return fail("candle: 'start' out of range");
        c.open_time_ns = static_cast<std::int64_t>(start) * ns_per_s;
        have_start = true;
        continue;
      }
      if (k == "product_id") {
        if (!str(v, k, product)) return false;
        continue;
      }
      if (k == "open")
        d = &c.open;
      else if (k == "high")
        d = &c.high;
      else if (k == "low")
        d = &c.low;
      else if (k == "close")
        d = &c.close;
      else if (k == "volume")
        d = &c.volume;
      if (d != nullptr && !dec(v, k, *d)) return false;
    }
    if (!have_start) return missing("start");
    if (product.empty()) return missing("product_id");
    if (c.open.empty()) return missing("open");
    if (c.high.empty()) return missing("high");
    if (c.low.empty()) return missing("low");
    if (c.close.empty()) return missing("close");
    if (c.volume.empty()) return missing("volume");
    header(c, product, 0);
    c.interval = "5m";                                              // the only bucket Coinbase's candles channel has
    c.close_time_ns = c.open_time_ns + 300 * ns_per_s - 1'000'000;  // last ms inside the bar, as Binance
    return true;
  }

  // ---- heartbeats

  bool heartbeat_event(od::value& ev) {
    what = "heartbeats event";
    od::object obj;
    if (!object(ev, "heartbeats event", obj)) return false;
    for (auto field_r : obj) {
      od::field field;
      if (auto ec = std::move(field_r).get(field)) return fail_json(ec);
      if (key_of(field) == "heartbeat_counter" && !uint_any(field.value(), "heartbeat_counter", out->heartbeat_counter))
        return false;
    }
    return true;
  }

  bool events(od::value& v) {
    using c = coinbase_channel;
    const c ch = out->channel;
    if (ch != c::l2_data && ch != c::ticker && ch != c::ticker_batch && ch != c::market_trades && ch != c::candles &&
        ch != c::heartbeats)
      return true;  // control traffic: the content is not needed
    od::array arr;
    what = "message";
    if (!array(v, "events", arr)) return false;
    for (auto e : arr) {
      od::value ev;
      if (auto ec = e.get(ev)) return fail_json(ec);
      bool ok = true;
      switch (ch) {
        case c::l2_data: ok = level2_event(ev); break;
        case c::ticker:
        case c::ticker_batch: ok = ticker_event(ev); break;
        case c::market_trades: ok = trades_event(ev); break;
        case c::candles: ok = candles_event(ev); break;
        case c::heartbeats: ok = heartbeat_event(ev); break;
        default: break;
      }
      if (!ok) return false;
    }
    return true;
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
    for (auto field_r : obj) {
      od::field field;
      if (auto ec = std::move(field_r).get(field)) return fail_json(ec);
      const std::string_view k = key_of(field);
      od::value& v = field.value();
      what = "message";
      if (k == "events") {
        if (!have_channel && !events_only) {
          events_deferred = true;  // read it once the channel is known
          continue;
        }
        if (!events(v)) return false;
        continue;
      }
      if (events_only) continue;
      if (k == "channel") {
        std::string_view ch;
        if (!str(v, k, ch)) return false;
        out->channel = channel_of(ch);
        err->channel = out->channel;
        have_channel = true;
      } else if (k == "sequence_num") {
        std::uint64_t n = 0;
        if (v.get_uint64().get(n) != simdjson::SUCCESS) return wrong(k, "an unsigned integer");
        out->sequence_num = err->sequence_num = n;
        out->has_sequence = err->has_sequence = true;
      } else if (k == "timestamp") {
        if (!time(v, k, out->timestamp_ns)) return false;
      } else if (k == "type") {
        if (!str(v, k, type)) return false;
      } else if (k == "message") {
        std::string_view m;
        if (!str(v, k, m)) return false;
        out->error_message.assign(m.substr(0, 500));
      }
    }
    if (events_only) return true;
    if (type == "error") out->channel = err->channel = coinbase_channel::error;
    if (type == "subscribe" || type == "unsubscribe") out->channel = err->channel = coinbase_channel::request;
    if (!have_channel && out->channel != coinbase_channel::error && out->channel != coinbase_channel::request) {
      if (!type.empty()) return fail(fmt::format("message of type '{}' without a channel", type.substr(0, 40)));
      return fail("message without a channel");
    }
    return true;
  }

  bool run(const char* buf, std::size_t len, std::size_t capacity) {
    od::document doc;
    if (auto ec = parser.iterate(buf, len, capacity).get(doc)) return fail_json(ec);
    bool deferred = false;
    if (!envelope(doc, false, deferred)) return false;
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
      return fail("trailing content after the JSON object");
    if (deferred) {
      doc.rewind();
      bool unused = false;
      if (!envelope(doc, true, unused)) return false;
    }
    // Envelope fields that came after the events.
    for (auto& t : out->tickers) {
      t.exchange_ts_ns = out->timestamp_ns;
      t.sequence = out->sequence_num;
    }
    for (auto& c : out->candles) {
      c.exchange_ts_ns = out->timestamp_ns;
      c.sequence = out->sequence_num;
    }
    return true;
  }
};

coinbase_parser::coinbase_parser() : impl_(std::make_unique<impl>()) {}
coinbase_parser::~coinbase_parser() = default;
coinbase_parser::coinbase_parser(coinbase_parser&&) noexcept = default;
coinbase_parser& coinbase_parser::operator=(coinbase_parser&&) noexcept = default;

bool coinbase_parser::parse_padded(std::string_view msg, std::int64_t receive_ns, coinbase_message& out,
                                   coinbase_parse_error& error) {
  out.clear();
  error = coinbase_parse_error{};
  impl_->out = &out;
  impl_->err = &error;
  impl_->recv = receive_ns;
  if (msg.empty()) {
    error.reason = "empty message";
    return false;
  }
  return impl_->run(msg.data(), msg.size(), msg.size() + simdjson::SIMDJSON_PADDING);
}

bool coinbase_parser::parse(std::string_view msg, std::int64_t receive_ns, coinbase_message& out,
                            coinbase_parse_error& error) {
  impl_->padded.assign(msg);
  impl_->padded.append(simdjson::SIMDJSON_PADDING, '\0');
  return parse_padded(std::string_view(impl_->padded.data(), msg.size()), receive_ns, out, error);
}

book_update to_book_update(const coinbase_book& book, const coinbase_message& msg, std::int64_t receive_ns) {
  book_update u;
  u.exchange = exchange_id::coinbase;
  u.symbol = book.product_id;
  u.instrument = book.product_id;
  u.exchange_ts_ns = msg.timestamp_ns;
  u.receive_ts_ns = receive_ns;
  u.sequence = u.first_sequence = msg.sequence_num;
  u.snapshot = book.snapshot;
  u.bids = book.bids;
  u.asks = book.asks;
  return u;
}

}  // namespace mdfan::adapters
