#include "adapters/okx/parser.hpp"

#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/common/json_reader.hpp"
#include "adapters/common/wire_shape.hpp"
#include "adapters/okx/config.hpp"
#include "adapters/okx/symbols.hpp"

namespace mdfan::adapters {
namespace {

namespace od = simdjson::ondemand;

enum class channel_kind : std::uint8_t {
  none,
  tickers,
  trades,
  candle,
  books,
  books_l2_tbt,
  books50_l2_tbt,
  books5,
  bbo_tbt,
  unknown
};

channel_kind kind_of(std::string_view ch) noexcept {
  if (ch.empty()) return channel_kind::none;
  if (ch == "books") return channel_kind::books;
  if (ch == "trades") return channel_kind::trades;
  if (ch == "tickers") return channel_kind::tickers;
  if (ch == "books5") return channel_kind::books5;
  if (ch == "bbo-tbt") return channel_kind::bbo_tbt;
  if (ch == "books-l2-tbt") return channel_kind::books_l2_tbt;
  if (ch == "books50-l2-tbt") return channel_kind::books50_l2_tbt;
  if (ch.starts_with("candle")) return channel_kind::candle;
  return channel_kind::unknown;
}

bool incremental_book(channel_kind k) noexcept {
  return k == channel_kind::books || k == channel_kind::books_l2_tbt || k == channel_kind::books50_l2_tbt;
}

std::string_view trim(std::string_view s) noexcept {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The string value of `"key" : "value"` found in raw text: only for attributing a message whose JSON
// is broken to its channel and instrument.
std::string_view value_from_text(std::string_view text, std::string_view quoted_key) {
  const auto k = text.find(quoted_key);
  if (k == std::string_view::npos) return {};
  std::size_t i = k + quoted_key.size();
  while (i < text.size() && (text[i] == ' ' || text[i] == ':' || text[i] == '\t')) ++i;
  if (i >= text.size() || text[i] != '"') return {};
  const auto end = text.find('"', i + 1);
  if (end == std::string_view::npos || end - i > 64) return {};
  return text.substr(i + 1, end - i - 1);
}

// Milliseconds since the epoch as OKX sends them, a string of digits ("1597026383085") -> ns. At most
// 18 digits, digits only, in the range every exchange time is held to. Both parser paths read times
// through this one check.
enum class ms_text_check : std::uint8_t { ok, not_ms, out_of_range };
ms_text_check ms_of_text(std::string_view s, std::int64_t& ns) noexcept {
  std::uint64_t ms = 0;
  if (s.size() > 18 || !wire_digits(s, ms)) return ms_text_check::not_ms;
  return epoch_ms_to_ns(ms, ns) ? ms_text_check::ok : ms_text_check::out_of_range;
}

// A trade's taker side: "buy" or "sell".
bool side_of(std::string_view s, side& out) noexcept {
  if (s == "buy") return out = side::buy, true;
  if (s == "sell") return out = side::sell, true;
  return false;
}

bool in_int32(std::int64_t v) noexcept {
  return v >= std::numeric_limits<std::int32_t>::min() && v <= std::numeric_limits<std::int32_t>::max();
}

// Ticker fields and where they go. Volumes: vol24h in the base currency, volCcy24h in the quote
// currency (spot).
constexpr auto ticker_keys = index_keys<ticker>({
    {"last", &ticker::last_price},   {"lastSz", &ticker::last_size},          {"askPx", &ticker::ask_price},
    {"askSz", &ticker::ask_size},    {"bidPx", &ticker::bid_price},           {"bidSz", &ticker::bid_size},
    {"open24h", &ticker::open_24h},  {"high24h", &ticker::high_24h},          {"low24h", &ticker::low_24h},
    {"vol24h", &ticker::volume_24h}, {"volCcy24h", &ticker::quote_volume_24h}});

// Milliseconds of a bar ("1m", "4H", "1Dutc"); 0 for months (their length varies).
std::int64_t bar_ms(std::string_view bar) noexcept {
  if (bar.ends_with("utc")) bar.remove_suffix(3);
  if (bar.size() < 2) return 0;
  std::int64_t n = 0;
  for (const char c : bar.substr(0, bar.size() - 1)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  switch (bar.back()) {
    case 's': return n * 1000;
    case 'm': return n * 60'000;
    case 'H': return n * 3'600'000;
    case 'D': return n * 86'400'000;
    case 'W': return n * 7 * 86'400'000;
    default: return 0;
  }
}

}  // namespace

struct okx_parser::impl : json_reader {
  od::parser parser;
  std::string padded;  // copy buffer for unpadded input
  okx_parse_error* err = nullptr;
  std::int64_t recv = 0;
  std::size_t events_used = 0;  // events of the current message in okx_message::events

  // Per message. Channel and instId are copied: a second pass (rewind) reuses simdjson's string buffer.
  std::string channel, inst_id;
  // The channel and instId the tails read: views of the two strings above (general path), or of the
  // message itself (fast path: it is not copied).
  std::string_view chan_v, inst_v;
  channel_kind ch = channel_kind::none;
  std::string candle_channel;  // the candle channel `interval` and `bar_len_ms` belong to
  std::string interval;        // normalized, for candles
  std::int64_t bar_len_ms = 0;

  // ---- values ----

  // A decimal string. "" (OKX sends it for a field with no value, e.g. askPx of an empty book) leaves
  // `out` empty when `allow_empty`.
  bool get_decimal(od::value& v, std::string_view key, decimal& out, bool allow_empty) {
    return json_reader::get_decimal(v, key, out, allow_empty ? empty_ok : any);
  }
  // Milliseconds since the epoch as a digit string (OKX) or an integer -> ns.
  bool ms_text(std::string_view s, std::string_view key, std::int64_t& ns) {
    switch (ms_of_text(s, ns)) {
      case ms_text_check::ok: return true;
      case ms_text_check::not_ms: return failf("{}: field '{}' is not a time in ms", what, key);
      case ms_text_check::out_of_range: return failf("{}: field '{}' is out of range", what, key);
    }
    return false;
  }
  bool get_ms(od::value& v, std::string_view key, std::int64_t& ns) {
    std::string_view s;
    if (plain_text_of(v, s) == simdjson::SUCCESS) return ms_text(s, key, ns);  // the usual case
    return json_reader::get_ms(v, key, ns);
  }
  // An id or code sent as a string or a number, as text.
  bool get_text(od::value v, std::string_view key, std::string& out) {
    od::json_type t;
    if (auto ec = v.type().get(t)) return fail_json(ec);
    if (t == od::json_type::number) {
      std::string_view raw = v.raw_json_token();
      out.assign(trim(raw));
      return true;
    }
    std::string_view s;
    if (!get_string(v, key, s)) return false;
    out.assign(s);
    return true;
  }

  // okx_normalize() is the identity (instIds are already BASE-QUOTE[-suffix]): no cache needed.
  void header(event_header& h, std::string_view inst, std::int64_t ts) {
    fill_header(h, exchange_id::okx, inst, inst, ts, recv);
  }
  // The next event of the message, built in place (the previous message's slot is reused).
  template <class T>
  T& add_event(okx_message& out) {
    return next_event<T>(out.events, events_used);
  }
  std::string_view require_inst(std::string_view from_data) {
    return from_data.empty() ? inst_v : from_data;
  }

  // ---- the tails both paths share: what a message becomes once its fields are read

  // The kind of `channel` (and, for a candle channel, its bar, worked out once per channel: a
  // connection carries one or two). False for a candle channel with no bar mdfan knows.
  bool take_channel() {
    ch = kind_of(chan_v);
    if (ch == channel_kind::candle && chan_v != candle_channel) {
      const std::string_view bar = chan_v.substr(6);
      if (bar.empty() || okx_candle_bar(bar) != bar) return false;
      candle_channel = chan_v;
      interval = okx_interval_of_bar(bar);
      bar_len_ms = bar_ms(bar);
    }
    return true;
  }
  void finish_trade(trade& tr, std::string_view inst, std::string_view trade_id, side aggressor, std::int64_t seq) {
    tr.aggressor = aggressor;
    header(tr, inst, tr.exchange_ts_ns);
    tr.trade_id.assign(trade_id);
    if (seq > 0) tr.sequence = static_cast<std::uint64_t>(seq);
  }
  // A candle of the arg's instrument and channel; `quote_volume` is volCcyQuote (volCcy when absent).
  void finish_candle(candle& c, const decimal& quote_volume) {
    c.quote_volume = quote_volume;
    header(c, inst_v, c.open_time_ns);
    c.interval = interval;
    if (bar_len_ms > 0) {
      // The last ns of the bar; a bar opening at the end of the time range ends there.
      const std::int64_t span = (bar_len_ms - 1) * 1'000'000;
      c.close_time_ns = c.open_time_ns > std::numeric_limits<std::int64_t>::max() - span
                            ? std::numeric_limits<std::int64_t>::max()
                            : c.open_time_ns + span;
    }
  }

  // ---- data elements ----

  bool read_ticker(od::object o, okx_message& out) {
    what = "tickers";
    ticker& tk = add_event<ticker>(out);
    std::string_view inst;
    if (!for_fields(o, [&](std::string_view key, od::value& v) {
          if (key == "instId") return get_string(v, key, inst);
          if (key == "ts") return get_ms(v, key, tk.exchange_ts_ns);
          decimal* d = ticker_keys.find(key, tk);
          return d == nullptr || get_decimal(v, key, *d, true);
        }))
      return false;
    inst = require_inst(inst);
    if (inst.empty()) return fail("tickers: no instId");
    header(tk, inst, tk.exchange_ts_ns);
    return true;
  }

  bool read_trade(od::object o, okx_message& out) {
    what = "trades";
    trade& tr = add_event<trade>(out);
    std::string_view inst, side_text, trade_id;
    bool has_px = false, has_sz = false, has_ts = false, has_seq = false;
    std::int64_t seq = 0;
    if (!for_fields(o, [&](std::string_view key, od::value& v) {
          bool ok = true;
          if (key == "instId")
            ok = get_string(v, key, inst);
          else if (key == "tradeId")
            ok = get_string(v, key, trade_id);
          else if (key == "px")
            ok = has_px = get_decimal(v, key, tr.price, false);
          else if (key == "sz")
            ok = has_sz = get_decimal(v, key, tr.size, false);
          else if (key == "side")
            ok = get_string(v, key, side_text);
          else if (key == "ts")
            ok = has_ts = get_ms(v, key, tr.exchange_ts_ns);
          else if (key == "seqId")
            ok = has_seq = get_int(v, key, seq);
          return ok;
        }))
      return false;
    if (trade_id.empty()) return fail("trades: missing field 'tradeId'");
    if (!has_px) return fail("trades: missing field 'px'");
    if (!has_sz) return fail("trades: missing field 'sz'");
    if (!has_ts) return fail("trades: missing field 'ts'");
    side aggressor = side::none;
    if (!side_of(side_text, aggressor))
      return failf("trades: field 'side' is '{}', expected buy or sell", side_text.substr(0, 20));
    inst = require_inst(inst);
    if (inst.empty()) return fail("trades: no instId");
    finish_trade(tr, inst, trade_id, aggressor, has_seq ? seq : 0);
    return true;
  }

  // [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]
  bool read_candle(od::array a, okx_message& out) {
    what = channel.empty() ? std::string_view("candle") : std::string_view(channel);
    candle& c = add_event<candle>(out);
    std::size_t n = 0;
    decimal vol_ccy, vol_ccy_quote;
    for (auto x_r : a) {
      od::value x;
      if (auto ec = std::move(x_r).get(x)) return fail_json(ec);
      std::string_view s;
      if (auto ec = plain_text_of(x, s)) {
        if (ec == simdjson::INCORRECT_TYPE) return failf("{}: entry {} is not a string", what, n);
        return fail_json(ec);
      }
      bool ok = true;
      auto dec = [&](decimal& d) {
        if (!decimal::parse(s, d)) return failf("{}: entry {} is not a decimal: '{}'", what, n, s.substr(0, 40));
        return true;
      };
      switch (n) {
        case 0: ok = ms_text(s, "ts", c.open_time_ns); break;
        case 1: ok = dec(c.open); break;
        case 2: ok = dec(c.high); break;
        case 3: ok = dec(c.low); break;
        case 4: ok = dec(c.close); break;
        case 5: ok = dec(c.volume); break;       // base currency (spot)
        case 6: ok = dec(vol_ccy); break;        // quote currency (spot), contract currency (derivatives)
        case 7: ok = dec(vol_ccy_quote); break;  // quote currency
        case 8:
          if (s != "0" && s != "1") return failf("{}: confirm is '{}', expected 0 or 1", what, s.substr(0, 8));
          c.closed = s == "1";
          break;
        default: break;
      }
      if (!ok) return false;
      ++n;
    }
    if (n < 7) return failf("{}: {} entries, expected [ts,o,h,l,c,vol,volCcy,volCcyQuote,confirm]", what, n);
    if (inst_id.empty()) return failf("{}: no instId in arg", what);
    finish_candle(c, n >= 8 ? vol_ccy_quote : vol_ccy);
    return true;
  }

  // The fields of a book data element: asks, bids, ts, checksum, prevSeqId, seqId (instId in books5).
  struct book_fields {
    std::string_view inst;
    bool has_bids = false, has_asks = false, has_seq = false, has_prev = false;
    std::int64_t ts_ns = 0, seq = 0, prev = 0, checksum = 0;
  };
  bool read_book_element(od::object o, std::vector<price_level>& bids, std::vector<price_level>& asks,
                         book_fields& bf) {
    if (!for_fields(o, [&](std::string_view key, od::value& v) {
          bool ok = true;
          if (key == "asks") {
            asks.clear();
            ok = bf.has_asks = read_levels(v, key, asks);
          } else if (key == "bids") {
            bids.clear();
            ok = bf.has_bids = read_levels(v, key, bids);
          } else if (key == "ts") {
            ok = get_ms(v, key, bf.ts_ns);
          } else if (key == "seqId") {
            ok = bf.has_seq = get_int(v, key, bf.seq);
          } else if (key == "prevSeqId") {
            ok = bf.has_prev = get_int(v, key, bf.prev);
          } else if (key == "checksum") {
            ok = get_int(v, key, bf.checksum);
            if (ok && !in_int32(bf.checksum)) ok = failf("{}: checksum {} is not a 32-bit integer", what, bf.checksum);
          } else if (key == "instId") {
            ok = get_string(v, key, bf.inst);
          }
          return ok;
        }))
      return false;
    if (!bf.has_bids) return missing("bids");
    if (!bf.has_asks) return missing("asks");
    return true;
  }

  // books5 / bbo-tbt: every message is the whole (5- or 1-level) book.
  bool read_top_book(od::object o, okx_message& out) {
    what = channel;
    book_update& b = add_event<book_update>(out);
    book_fields bf;
    if (!read_book_element(o, b.bids, b.asks, bf)) return false;
    const std::string_view inst = require_inst(bf.inst);
    if (inst.empty()) return failf("{}: no instId", what);
    finish_top_book(b, inst, bf);
    return true;
  }
  void finish_top_book(book_update& b, std::string_view inst, const book_fields& bf) {
    header(b, inst, bf.ts_ns);
    b.snapshot = true;
    if (bf.has_seq && bf.seq > 0) b.sequence = b.first_sequence = static_cast<std::uint64_t>(bf.seq);
  }

  bool read_incremental_book(od::object o, okx_message& out) {
    what = channel;
    okx_book_msg& m = out.book;
    book_fields bf;
    if (!read_book_element(o, m.bids, m.asks, bf)) return false;
    if (!bf.has_seq) return failf("{}: missing field 'seqId'", what);
    if (!bf.has_prev) return failf("{}: missing field 'prevSeqId'", what);
    if (bf.seq < 0) return failf("{}: seqId {} is negative", what, bf.seq);
    finish_book_element(m, bf);
    return true;
  }
  void finish_book_element(okx_book_msg& m, const book_fields& bf) {
    m.channel = ch == channel_kind::books          ? okx_book_channel::books
                : ch == channel_kind::books_l2_tbt ? okx_book_channel::books_l2_tbt
                                                   : okx_book_channel::books50_l2_tbt;
    m.seq_id = bf.seq;
    m.prev_seq_id = bf.prev;
    m.checksum = static_cast<std::int32_t>(bf.checksum);
    m.ts_ns = bf.ts_ns;
  }
  // The incremental book message of the arg's instrument (its element already read).
  void finish_book(okx_message& out, bool snapshot) {
    okx_book_msg& m = out.book;
    m.snapshot = snapshot;
    m.symbol = inst_v;
    m.instrument = okx_normalize(inst_v);
    out.what = okx_message::kind::book;
  }

  // "data": an array whose elements depend on the channel.
  bool read_data(od::value v, okx_message& out) {
    what = channel;
    od::array arr;
    if (auto ec = v.get_array().get(arr)) {
      if (ec == simdjson::INCORRECT_TYPE) return failf("{}: field 'data' is not an array", what);
      return fail_json(ec);
    }
    std::size_t n = 0;
    for (auto el : arr) {
      if (ch == channel_kind::candle) {
        od::array a;
        if (auto ec = el.get_array().get(a)) {
          if (ec == simdjson::INCORRECT_TYPE) return failf("{}: a data entry is not an array", what);
          return fail_json(ec);
        }
        if (!read_candle(a, out)) return false;
        ++n;
        continue;
      }
      od::object o;
      if (auto ec = el.get_object().get(o)) {
        if (ec == simdjson::INCORRECT_TYPE) return failf("{}: a data entry is not an object", what);
        return fail_json(ec);
      }
      bool ok = false;
      switch (ch) {
        case channel_kind::tickers: ok = read_ticker(o, out); break;
        case channel_kind::trades: ok = read_trade(o, out); break;
        case channel_kind::books5:
        case channel_kind::bbo_tbt: ok = read_top_book(o, out); break;
        case channel_kind::books:
        case channel_kind::books_l2_tbt:
        case channel_kind::books50_l2_tbt:
          if (n > 0) return failf("{}: more than one book in 'data'", what);
          ok = read_incremental_book(o, out);
          break;
        default: return failf("unsupported channel '{}'", channel.substr(0, 40));
      }
      if (!ok) return false;
      ++n;
    }
    if (incremental_book(ch) && n != 1) return failf("{}: 'data' holds no book", what);
    return true;
  }

  bool read_arg(od::value v) {
    od::object o;
    if (auto ec = v.get_object().get(o)) {
      if (ec == simdjson::INCORRECT_TYPE) return fail("field 'arg' is not an object");
      return fail_json(ec);
    }
    if (!for_fields(o, [&](std::string_view key, od::value& fv) {
          std::string_view s;
          if (key == "channel") {
            if (!get_string(fv, key, s)) return false;
            channel.assign(s);
          } else if (key == "instId") {
            if (!get_string(fv, key, s)) return false;
            inst_id.assign(s);
          }
          return true;
        }))
      return false;
    chan_v = channel;
    inst_v = inst_id;
    if (!take_channel()) return failf("unsupported candle channel '{}'", channel.substr(0, 40));
    return true;
  }

  // ---- the fast path (wire_shape.hpp): the channels OKX pushes most, in its own field order —
  // {"arg":{"channel":..,"instId":..}, then "action" on the incremental book channels, then "data".
  // Each reader accepts exactly what the general path reads to the same output, or returns false;
  // the general path then reads the message afresh (whatever the fast path left in the output's slots
  // is overwritten, or belongs to a member the message's kind does not use).

  // A JSON integer in the int64 range, written plainly ("-1", "0", "363996337"; "-0" refused).
  static bool fast_int(wire_shape& w, std::int64_t& v) {
    const bool negative = w.lit('-');
    std::uint64_t u = 0;
    if (!w.u64(u) || u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) || (negative && u == 0))
      return false;
    v = negative ? -static_cast<std::int64_t>(u) : static_cast<std::int64_t>(u);
    return true;
  }
  // A time in ms as a digit string ("1597026383085").
  static bool fast_ms(wire_shape& w, std::int64_t& ns) {
    std::string_view s;
    return w.checked_str(s) && ms_of_text(s, ns) == ms_text_check::ok;
  }
  // `key` then a decimal string.
  template <std::size_t N>
  static bool fast_decimal(wire_shape& w, const char (&key)[N], decimal& d) {
    return w.lit(key) && w.decimal_str(d);
  }
  // `key` then a decimal string or "" (no value: `d` stays empty).
  template <std::size_t N>
  static bool fast_decimal_or_empty(wire_shape& w, const char (&key)[N], decimal& d) {
    return w.lit(key) && (w.lit(R"("")") || w.decimal_str(d));
  }
  // `key` then any string, unused.
  template <std::size_t N>
  static bool fast_skip_string(wire_shape& w, const char (&key)[N]) {
    std::string_view s;
    return w.lit(key) && w.str(s);
  }

  // [["px","sz","0","orders"],...]: levels of at least two strings, the first two non-negative
  // decimals, the rest (the deprecated "0", the order count) strings that are not read.
  static bool fast_levels(wire_shape& w, std::vector<price_level>& out) {
    out.clear();
    if (!w.lit('[')) return false;
    if (w.lit(']')) return true;
    do {
      decimal price, size;
      std::string_view rest;
      if (!w.lit('[') || !wire_level_decimal(w, price) || !w.lit(',') || !wire_level_decimal(w, size)) return false;
      while (w.lit(','))
        if (!w.str(rest)) return false;
      if (!w.lit(']')) return false;
      add_level(out, price, size);
    } while (w.lit(','));
    return w.lit(']');
  }

  // {"instType":..,"instId":..,"last":..,"lastSz":..,"askPx":..,"askSz":..,"bidPx":..,"bidSz":..,
  // "open24h":..,"high24h":..,"low24h":..,"volCcy24h":..,"vol24h":.., then "sodUtc0":..,"sodUtc8":..,
  // "ts":.. (as documented) or "ts":..,"sodUtc0":..,"sodUtc8":.. (as OKX also sends)}. A decimal may be
  // "" (no value, e.g. the ask of an empty book).
  bool fast_ticker(wire_shape& w, okx_message& out) {
    ticker& tk = add_event<ticker>(out);
    std::string_view inst;
    if (!fast_skip_string(w, R"({"instType":)") || !w.lit(R"(,"instId":)") || !w.str(inst) ||
        !fast_decimal_or_empty(w, R"(,"last":)", tk.last_price) ||
        !fast_decimal_or_empty(w, R"(,"lastSz":)", tk.last_size) ||
        !fast_decimal_or_empty(w, R"(,"askPx":)", tk.ask_price) ||
        !fast_decimal_or_empty(w, R"(,"askSz":)", tk.ask_size) ||
        !fast_decimal_or_empty(w, R"(,"bidPx":)", tk.bid_price) ||
        !fast_decimal_or_empty(w, R"(,"bidSz":)", tk.bid_size) ||
        !fast_decimal_or_empty(w, R"(,"open24h":)", tk.open_24h) ||
        !fast_decimal_or_empty(w, R"(,"high24h":)", tk.high_24h) ||
        !fast_decimal_or_empty(w, R"(,"low24h":)", tk.low_24h) ||
        !fast_decimal_or_empty(w, R"(,"volCcy24h":)", tk.quote_volume_24h) ||
        !fast_decimal_or_empty(w, R"(,"vol24h":)", tk.volume_24h))
      return false;
    const bool ts_first = w.lit(R"(,"ts":)");
    if ((ts_first && !fast_ms(w, tk.exchange_ts_ns)) || !fast_skip_string(w, R"(,"sodUtc0":)") ||
        !fast_skip_string(w, R"(,"sodUtc8":)") ||
        (!ts_first && (!w.lit(R"(,"ts":)") || !fast_ms(w, tk.exchange_ts_ns))) || !w.lit('}'))
      return false;
    inst = require_inst(inst);
    if (inst.empty()) return false;
    header(tk, inst, tk.exchange_ts_ns);
    return true;
  }

  // {"instId":..,"tradeId":..,"px":..,"sz":..,"side":"buy"|"sell","ts":..,"count":..,"source":..,"seqId":n}
  bool fast_trade(wire_shape& w, okx_message& out) {
    trade& tr = add_event<trade>(out);
    std::string_view inst, trade_id;
    side aggressor = side::none;
    std::int64_t seq = 0;
    if (!w.lit(R"({"instId":)") || !w.str(inst) || !w.lit(R"(,"tradeId":)") || !w.str(trade_id) || trade_id.empty() ||
        !fast_decimal(w, R"(,"px":)", tr.price) || !fast_decimal(w, R"(,"sz":)", tr.size))
      return false;
    if (w.lit(R"(,"side":"buy")")) {
      aggressor = side::buy;
    } else if (w.lit(R"(,"side":"sell")")) {
      aggressor = side::sell;
    } else {
      return false;
    }
    if (!w.lit(R"(,"ts":)") || !fast_ms(w, tr.exchange_ts_ns) || !fast_skip_string(w, R"(,"count":)") ||
        !fast_skip_string(w, R"(,"source":)") || !w.lit(R"(,"seqId":)") || !fast_int(w, seq) || !w.lit('}'))
      return false;
    inst = require_inst(inst);
    if (inst.empty()) return false;
    finish_trade(tr, inst, trade_id, aggressor, seq);
    return true;
  }

  // ["ts","o","h","l","c","vol","volCcy","volCcyQuote","confirm"]: nine strings, confirm "0" or "1".
  bool fast_candle(wire_shape& w, okx_message& out) {
    candle& c = add_event<candle>(out);
    decimal vol_ccy, vol_ccy_quote;
    std::string_view confirm;
    if (!w.lit('[') || !fast_ms(w, c.open_time_ns) || !fast_decimal(w, ",", c.open) || !fast_decimal(w, ",", c.high) ||
        !fast_decimal(w, ",", c.low) || !fast_decimal(w, ",", c.close) || !fast_decimal(w, ",", c.volume) ||
        !fast_decimal(w, ",", vol_ccy) || !fast_decimal(w, ",", vol_ccy_quote) || !w.lit(',') || !w.str(confirm) ||
        (confirm != "0" && confirm != "1") || !w.lit(']'))
      return false;
    c.closed = confirm == "1";
    finish_candle(c, vol_ccy_quote);
    return true;
  }

  // books5 {"asks":[..],"bids":[..],"instId":..,"ts":..,"seqId":n}; bbo-tbt the same without instId.
  bool fast_top_book(wire_shape& w, okx_message& out) {
    book_update& b = add_event<book_update>(out);
    book_fields bf;
    if (!w.lit(R"({"asks":)") || !fast_levels(w, b.asks) || !w.lit(R"(,"bids":)") || !fast_levels(w, b.bids) ||
        (w.lit(R"(,"instId":)") && !w.str(bf.inst)) || !w.lit(R"(,"ts":)") || !fast_ms(w, bf.ts_ns) ||
        !w.lit(R"(,"seqId":)") || !fast_int(w, bf.seq) || !w.lit('}'))
      return false;
    bf.has_seq = true;
    const std::string_view inst = require_inst(bf.inst);
    if (inst.empty()) return false;
    finish_top_book(b, inst, bf);
    return true;
  }

  // After the arg of books / books-l2-tbt / books50-l2-tbt: ,"action":"snapshot"|"update","data":[{"asks":[..],
  // "bids":[..],"ts":..,"checksum":n,"prevSeqId":n,"seqId":n}]} (checksum may be left out).
  bool fast_incremental_book(wire_shape& w, okx_message& out) {
    bool snapshot = false;
    if (w.lit(R"(,"action":"snapshot","data":[)")) {
      snapshot = true;
    } else if (!w.lit(R"(,"action":"update","data":[)")) {
      return false;
    }
    okx_book_msg& m = out.book;
    book_fields bf;
    if (!w.lit(R"({"asks":)") || !fast_levels(w, m.asks) || !w.lit(R"(,"bids":)") || !fast_levels(w, m.bids) ||
        !w.lit(R"(,"ts":)") || !fast_ms(w, bf.ts_ns))
      return false;
    if (w.lit(R"(,"checksum":)") && (!fast_int(w, bf.checksum) || !in_int32(bf.checksum))) return false;
    if (!w.lit(R"(,"prevSeqId":)") || !fast_int(w, bf.prev) || !w.lit(R"(,"seqId":)") || !fast_int(w, bf.seq) ||
        bf.seq < 0 || !w.lit("}]}") || !w.at_end())
      return false;
    finish_book_element(m, bf);
    finish_book(out, snapshot);
    return true;
  }

  // The whole message on the fast path: {"arg":{"channel":..,"instId":..},..} with a non-empty instId.
  [[gnu::flatten]] bool parse_fast(const char* buf, std::size_t len, okx_message& out) {
    wire_shape w(buf, len);
    std::string_view chan, inst;
    if (!w.lit(R"({"arg":{"channel":)") || !w.str(chan) || !w.lit(R"(,"instId":)") || !w.str(inst) || inst.empty() ||
        !w.lit('}'))
      return false;
    chan_v = chan;
    inst_v = inst;
    if (!take_channel()) return false;
    if (incremental_book(ch)) return fast_incremental_book(w, out);
    if (!w.lit(R"(,"data":[)")) return false;
    // One element or more (OKX pushes one; an empty "data" is left to the general path).
    do {
      bool ok = false;
      switch (ch) {
        case channel_kind::tickers: ok = fast_ticker(w, out); break;
        case channel_kind::trades: ok = fast_trade(w, out); break;
        case channel_kind::candle: ok = fast_candle(w, out); break;
        case channel_kind::books5:
        case channel_kind::bbo_tbt: ok = fast_top_book(w, out); break;
        default: return false;
      }
      if (!ok) return false;
    } while (w.lit(','));
    if (!w.lit("]}") || !w.at_end()) return false;
    out.what = okx_message::kind::events;
    return true;
  }

  // Back to an empty message state (before each path).
  void start_message() {
    channel.clear();
    inst_id.clear();
    chan_v = inst_v = {};
    ch = channel_kind::none;
    events_used = 0;
  }

  bool parse(const char* buf, std::size_t len, std::size_t capacity, std::int64_t receive_ns, okx_message& out,
             okx_parse_error& error) {
    error.reason.clear();
    error.symbol.clear();
    error.book = false;
    recv = receive_ns;
    start_message();
    bool ok = false;
    if (fast_path_enabled() && parse_fast(buf, len, out)) {
      ++fast_path_hits();
      ok = true;
    } else {
      if (fast_path_enabled()) start_message();  // nothing the fast path read counts
      err = &error;
      begin(error.reason);
      ok = run(buf, len, capacity, out);
    }
    out.events.resize(ok ? events_used : 0);  // no partial events from a malformed message
    if (!ok) {
      // Attribute the failure to a book when that can still be told (a broken document fails before
      // any field is read: fall back to the raw text).
      std::string_view inst = inst_id, chan = channel;
      const std::string_view text(buf, len);
      if (chan.empty()) chan = value_from_text(text, R"("channel")");
      if (inst.empty()) inst = value_from_text(text, R"("instId")");
      error.book = incremental_book(kind_of(chan));
      error.symbol.assign(inst);
    }
    err = nullptr;
    return ok;
  }

  // Flattened: every reader below is inlined into this one function (the per-field lambdas would
  // otherwise stay calls, about a tenth of the time).
  [[gnu::flatten]] bool run(const char* buf, std::size_t len, std::size_t capacity, okx_message& out) {
    const std::string_view t = len <= 16 ? trim(std::string_view(buf, len)) : std::string_view();
    if (t == "pong" || t == "ping") {
      out.what = okx_message::kind::control;
      out.control = okx_control{};
      out.control.what = t == "pong" ? okx_control::kind::pong : okx_control::kind::request;
      if (t == "ping") out.control.message = "ping";
      return true;
    }
    od::document doc;
    if (auto ec = parser.iterate(buf, len, capacity).get(doc)) return fail_json(ec);
    od::object obj;
    if (auto ec = doc.get_object().get(obj)) {
      if (ec == simdjson::INCORRECT_TYPE) return fail("not a JSON object");
      return fail_json(ec);
    }
    bool has_event = false, has_op = false, data_done = false, data_deferred = false, has_action = false;
    std::string_view action;
    std::string event_name, op_name, code, msg_text;  // control traffic only
    if (!for_fields(obj,
                    [&](std::string_view key, od::value& v) {
                      std::string_view s;
                      if (key == "arg") return read_arg(v);
                      if (key == "data") {
                        if (ch == channel_kind::none) {
                          data_deferred = true;  // read on a second pass, once "arg" says what it is
                          return true;
                        }
                        return data_done = read_data(v, out);
                      }
                      if (key == "action") return has_action = true, get_string(v, key, action);
                      if (key == "event") {
                        if (!get_string(v, key, s)) return false;
                        has_event = true;
                        event_name.assign(s);
                      } else if (key == "op") {
                        if (!get_string(v, key, s)) return false;
                        has_op = true;
                        op_name.assign(s);
                      } else if (key == "code") {
                        return get_text(v, key, code);
                      } else if (key == "msg") {
                        if (!get_string(v, key, s)) return false;
                        msg_text.assign(s);
                      }
                      return true;
                    }) ||
        !at_end(doc))
      return false;
    // The action text would be overwritten by a second pass (rewind): keep what it said.
    const bool snapshot = has_action && action == "snapshot";
    const bool update = has_action && action == "update";

    if (has_event || has_op) {
      out.what = okx_message::kind::control;
      okx_control& ctl = out.control;
      ctl.code = std::move(code);
      ctl.channel = channel;
      ctl.symbol = inst_id;
      ctl.message = std::move(msg_text);
      if (!has_event) {
        ctl.what = okx_control::kind::request;
        ctl.message = std::move(op_name);
      } else if (event_name == "subscribe") {
        ctl.what = okx_control::kind::subscribe;
      } else if (event_name == "unsubscribe") {
        ctl.what = okx_control::kind::unsubscribe;
      } else if (event_name == "error") {
        ctl.what = okx_control::kind::error;
      } else if (event_name == "notice") {
        ctl.what = okx_control::kind::notice;
      } else {
        ctl.what = okx_control::kind::other;
        ctl.message = std::move(event_name);
      }
      return true;
    }
    if (ch == channel_kind::none) return fail("unrecognised message: no event, no arg.channel");
    if (data_deferred) {
      doc.rewind();
      if (auto ec = doc.get_object().get(obj)) return fail_json(ec);
      if (!for_fields(obj, [&](std::string_view key, od::value& v) {
            if (key != "data" || data_done) return true;
            return data_done = read_data(v, out);
          }))
        return false;
    }
    if (!data_done) return failf("{}: missing field 'data'", channel.substr(0, 40));
    if (incremental_book(ch)) {
      what = channel;
      if (!snapshot && !update) return failf("{}: field 'action' is missing or not snapshot/update", what);
      if (inst_id.empty()) return failf("{}: no instId in arg", what);
      finish_book(out, snapshot);
      return true;
    }
    out.what = okx_message::kind::events;
    return true;
  }
};

okx_parser::okx_parser() : impl_(std::make_unique<impl>()) {}
okx_parser::~okx_parser() = default;
okx_parser::okx_parser(okx_parser&&) noexcept = default;
okx_parser& okx_parser::operator=(okx_parser&&) noexcept = default;

bool okx_parser::parse_padded(std::string_view msg, std::int64_t receive_ns, okx_message& out, okx_parse_error& error) {
  return impl_->parse(msg.data(), msg.size(), msg.size() + simdjson::SIMDJSON_PADDING, receive_ns, out, error);
}

bool okx_parser::parse(std::string_view msg, std::int64_t receive_ns, okx_message& out, okx_parse_error& error) {
  return parse_padded(padded_copy(impl_->padded, msg), receive_ns, out, error);
}

book_update to_book_update(const okx_book_msg& m, std::int64_t receive_ns) {
  book_update b;
  fill_header(b, exchange_id::okx, m.symbol, m.instrument, m.ts_ns, receive_ns);
  b.snapshot = m.snapshot;
  b.sequence = m.seq_id > 0 ? static_cast<std::uint64_t>(m.seq_id) : 0;
  b.first_sequence = m.snapshot || m.prev_seq_id < 0 ? b.sequence : static_cast<std::uint64_t>(m.prev_seq_id) + 1;
  b.bids = m.bids;
  b.asks = m.asks;
  return b;
}

}  // namespace mdfan::adapters
