#include "adapters/okx/parser.hpp"

#include <limits>

#include <fmt/format.h>
#include <simdjson.h>

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

bool is_negative(const decimal& d) noexcept { return !d.empty() && d.str().front() == '-'; }

}  // namespace

struct okx_parser::impl {
  od::parser parser;
  std::string padded;  // copy buffer for unpadded input
  okx_parse_error* err = nullptr;
  std::string_view what;  // message kind, for error reasons
  std::int64_t recv = 0;

  // Per message. Channel and instId are copied: a second pass (rewind) reuses simdjson's string buffer.
  std::string channel, inst_id;
  channel_kind ch = channel_kind::none;
  std::string candle_channel;  // the candle channel `interval` and `bar_len_ms` belong to
  std::string interval;        // normalized, for candles
  std::int64_t bar_len_ms = 0;

  bool fail(std::string reason) {
    if (err->reason.empty()) err->reason = std::move(reason);
    return false;
  }
  bool fail_json(simdjson::error_code ec) { return fail(fmt::format("not JSON ({})", simdjson::error_message(ec))); }
  bool fail_field(std::string_view key, std::string_view expected) {
    return fail(fmt::format("{}: field '{}' is not {}", what, key, expected));
  }

  // ---- values ----

  bool get_string(od::value v, std::string_view key, std::string_view& out) {
    if (auto ec = v.get_string().get(out)) {
      if (ec == simdjson::INCORRECT_TYPE) return fail_field(key, "a string");
      return fail_json(ec);
    }
    return true;
  }
  // A decimal string. "" (OKX sends it for a field with no value, e.g. askPx of an empty book) leaves
  // `out` empty when `allow_empty`.
  bool get_decimal(od::value v, std::string_view key, decimal& out, bool allow_empty) {
    std::string_view s;
    if (!get_string(v, key, s)) return false;
    if (s.empty() && allow_empty) return true;
    if (!decimal::parse(s, out))
      return fail(fmt::format("{}: field '{}' is not a decimal: '{}'", what, key, s.substr(0, 40)));
    return true;
  }
  bool get_int(od::value v, std::string_view key, std::int64_t& out) {
    if (auto ec = v.get_int64().get(out)) {
      if (ec == simdjson::INCORRECT_TYPE || ec == simdjson::NUMBER_OUT_OF_RANGE) return fail_field(key, "an integer");
      return fail_json(ec);
    }
    return true;
  }
  // Milliseconds since the epoch as a digit string (OKX) or an integer -> ns.
  bool ms_text(std::string_view s, std::string_view key, std::int64_t& ns) {
    constexpr std::int64_t max_ms = std::numeric_limits<std::int64_t>::max() / 1'000'000;
    if (s.empty() || s.size() > 18) return fail(fmt::format("{}: field '{}' is not a time in ms", what, key));
    std::int64_t ms = 0;
    for (const char c : s) {
      if (c < '0' || c > '9') return fail(fmt::format("{}: field '{}' is not a time in ms", what, key));
      ms = ms * 10 + (c - '0');
    }
    if (ms > max_ms) return fail(fmt::format("{}: field '{}' is out of range", what, key));
    ns = ms * 1'000'000;
    return true;
  }
  bool get_ms(od::value v, std::string_view key, std::int64_t& ns) {
    od::json_type t;
    if (auto ec = v.type().get(t)) return fail_json(ec);
    if (t == od::json_type::number) {
      std::uint64_t ms = 0;
      if (v.get_uint64().get(ms) != simdjson::SUCCESS ||
          ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 1'000'000))
        return fail_field(key, "a time in ms");
      ns = static_cast<std::int64_t>(ms) * 1'000'000;
      return true;
    }
    std::string_view s;
    if (!get_string(v, key, s)) return false;
    return ms_text(s, key, ns);
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

  // [[price, size, "0", numOrders], ...]: the first two entries are kept, the rest (deprecated liquidated
  // orders, order count) skipped.
  bool read_levels(od::value v, std::string_view key, std::vector<price_level>& out) {
    od::array arr;
    if (auto ec = v.get_array().get(arr)) {
      if (ec == simdjson::INCORRECT_TYPE) return fail_field(key, "an array of levels");
      return fail_json(ec);
    }
    for (auto lv : arr) {
      od::array level;
      if (auto ec = lv.get_array().get(level)) {
        if (ec == simdjson::INCORRECT_TYPE) return fail(fmt::format("{}: a level in '{}' is not an array", what, key));
        return fail_json(ec);
      }
      price_level pl;
      std::size_t n = 0;
      for (auto x : level) {
        if (n < 2) {
          std::string_view s;
          if (auto ec = x.get_string().get(s)) {
            if (ec == simdjson::INCORRECT_TYPE)
              return fail(fmt::format("{}: a level in '{}' has a {} that is not a string", what, key,
                                      n == 0 ? "price" : "size"));
            return fail_json(ec);
          }
          decimal& d = n == 0 ? pl.price : pl.size;
          if (!decimal::parse(s, d) || is_negative(d))
            return fail(fmt::format("{}: a level in '{}' has a bad {} '{}'", what, key, n == 0 ? "price" : "size",
                                    s.substr(0, 40)));
        } else if (x.error()) {
          return fail_json(x.error());
        }
        ++n;
      }
      if (n < 2) return fail(fmt::format("{}: a level in '{}' has {} entries, expected at least 2", what, key, n));
      out.push_back(pl);
    }
    return true;
  }

  void header(event_header& h, std::string_view inst, std::int64_t ts) {
    h.exchange = exchange_id::okx;
    h.symbol.assign(inst);
    h.instrument = okx_normalize(inst);
    h.exchange_ts_ns = ts;
    h.receive_ts_ns = recv;
  }
  std::string_view require_inst(std::string_view from_data) {
    return from_data.empty() ? std::string_view(inst_id) : from_data;
  }

  // ---- data elements ----

  bool read_ticker(od::object o, okx_message& out) {
    what = "tickers";
    ticker tk;
    std::string_view inst;
    for (auto f : o) {
      std::string_view key;
      if (auto ec = f.unescaped_key().get(key)) return fail_json(ec);
      od::value v;
      if (auto ec = f.value().get(v)) return fail_json(ec);
      bool ok = true;
      if (key == "instId")
        ok = get_string(v, key, inst);
      else if (key == "last")
        ok = get_decimal(v, key, tk.last_price, true);
      else if (key == "lastSz")
        ok = get_decimal(v, key, tk.last_size, true);
      else if (key == "askPx")
        ok = get_decimal(v, key, tk.ask_price, true);
      else if (key == "askSz")
        ok = get_decimal(v, key, tk.ask_size, true);
      else if (key == "bidPx")
        ok = get_decimal(v, key, tk.bid_price, true);
      else if (key == "bidSz")
        ok = get_decimal(v, key, tk.bid_size, true);
      else if (key == "open24h")
        ok = get_decimal(v, key, tk.open_24h, true);
      else if (key == "high24h")
        ok = get_decimal(v, key, tk.high_24h, true);
      else if (key == "low24h")
        ok = get_decimal(v, key, tk.low_24h, true);
      else if (key == "vol24h")
        ok = get_decimal(v, key, tk.volume_24h, true);  // base currency (spot)
      else if (key == "volCcy24h")
        ok = get_decimal(v, key, tk.quote_volume_24h, true);  // quote currency (spot)
      else if (key == "ts")
        ok = get_ms(v, key, tk.exchange_ts_ns);
      if (!ok) return false;
    }
    inst = require_inst(inst);
    if (inst.empty()) return fail("tickers: no instId");
    header(tk, inst, tk.exchange_ts_ns);
    out.events.emplace_back(std::move(tk));
    return true;
  }

  bool read_trade(od::object o, okx_message& out) {
    what = "trades";
    trade tr;
    std::string_view inst, side_text, trade_id;
    bool has_px = false, has_sz = false, has_ts = false, has_seq = false;
    std::int64_t seq = 0;
    for (auto f : o) {
      std::string_view key;
      if (auto ec = f.unescaped_key().get(key)) return fail_json(ec);
      od::value v;
      if (auto ec = f.value().get(v)) return fail_json(ec);
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
      if (!ok) return false;
    }
    if (trade_id.empty()) return fail("trades: missing field 'tradeId'");
    if (!has_px) return fail("trades: missing field 'px'");
    if (!has_sz) return fail("trades: missing field 'sz'");
    if (!has_ts) return fail("trades: missing field 'ts'");
    if (side_text == "buy") {
      tr.aggressor = side::buy;
    } else if (side_text == "sell") {
      tr.aggressor = side::sell;
    } else {
      return fail(fmt::format("trades: field 'side' is '{}', expected buy or sell", side_text.substr(0, 20)));
    }
    inst = require_inst(inst);
    if (inst.empty()) return fail("trades: no instId");
    std::string id(trade_id);  // trade_id points into the parser; header() does not touch it
    header(tr, inst, tr.exchange_ts_ns);
    tr.trade_id = std::move(id);
    if (has_seq && seq > 0) tr.sequence = static_cast<std::uint64_t>(seq);
    out.events.emplace_back(std::move(tr));
    return true;
  }

  // [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]
  bool read_candle(od::array a, okx_message& out) {
    what = channel.empty() ? std::string_view("candle") : std::string_view(channel);
    candle c;
    std::size_t n = 0;
    decimal vol_ccy, vol_ccy_quote;
    for (auto x : a) {
      std::string_view s;
      if (auto ec = x.get_string().get(s)) {
        if (ec == simdjson::INCORRECT_TYPE) return fail(fmt::format("{}: entry {} is not a string", what, n));
        return fail_json(ec);
      }
      bool ok = true;
      auto dec = [&](decimal& d) {
        if (!decimal::parse(s, d))
          return fail(fmt::format("{}: entry {} is not a decimal: '{}'", what, n, s.substr(0, 40)));
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
          if (s != "0" && s != "1")
            return fail(fmt::format("{}: confirm is '{}', expected 0 or 1", what, s.substr(0, 8)));
          c.closed = s == "1";
          break;
        default: break;
      }
      if (!ok) return false;
      ++n;
    }
    if (n < 7)
      return fail(fmt::format("{}: {} entries, expected [ts,o,h,l,c,vol,volCcy,volCcyQuote,confirm]", what, n));
    c.quote_volume = n >= 8 ? vol_ccy_quote : vol_ccy;
    if (inst_id.empty()) return fail(fmt::format("{}: no instId in arg", what));
    header(c, inst_id, c.open_time_ns);
    c.interval = interval;
    if (bar_len_ms > 0) c.close_time_ns = c.open_time_ns + (bar_len_ms - 1) * 1'000'000;
    out.events.emplace_back(std::move(c));
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
    for (auto f : o) {
      std::string_view key;
      if (auto ec = f.unescaped_key().get(key)) return fail_json(ec);
      od::value v;
      if (auto ec = f.value().get(v)) return fail_json(ec);
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
        if (ok && (bf.checksum < std::numeric_limits<std::int32_t>::min() ||
                   bf.checksum > std::numeric_limits<std::int32_t>::max()))
          ok = fail(fmt::format("{}: checksum {} is not a 32-bit integer", what, bf.checksum));
      } else if (key == "instId") {
        ok = get_string(v, key, bf.inst);
      }
      if (!ok) return false;
    }
    if (!bf.has_bids) return fail(fmt::format("{}: missing field 'bids'", what));
    if (!bf.has_asks) return fail(fmt::format("{}: missing field 'asks'", what));
    return true;
  }

  // books5 / bbo-tbt: every message is the whole (5- or 1-level) book.
  bool read_top_book(od::object o, okx_message& out) {
    what = channel;
    book_update b;
    book_fields bf;
    if (!read_book_element(o, b.bids, b.asks, bf)) return false;
    const std::string_view inst = require_inst(bf.inst);
    if (inst.empty()) return fail(fmt::format("{}: no instId", what));
    header(b, inst, bf.ts_ns);
    b.snapshot = true;
    if (bf.has_seq && bf.seq > 0) b.sequence = b.first_sequence = static_cast<std::uint64_t>(bf.seq);
    out.events.emplace_back(std::move(b));
    return true;
  }

  bool read_incremental_book(od::object o, okx_message& out) {
    what = channel;
    okx_book_msg& m = out.book;
    book_fields bf;
    if (!read_book_element(o, m.bids, m.asks, bf)) return false;
    if (!bf.has_seq) return fail(fmt::format("{}: missing field 'seqId'", what));
    if (!bf.has_prev) return fail(fmt::format("{}: missing field 'prevSeqId'", what));
    if (bf.seq < 0) return fail(fmt::format("{}: seqId {} is negative", what, bf.seq));
    m.channel = ch == channel_kind::books          ? okx_book_channel::books
                : ch == channel_kind::books_l2_tbt ? okx_book_channel::books_l2_tbt
                                                   : okx_book_channel::books50_l2_tbt;
    m.seq_id = bf.seq;
    m.prev_seq_id = bf.prev;
    m.checksum = static_cast<std::int32_t>(bf.checksum);
    m.ts_ns = bf.ts_ns;
    return true;
  }

  // "data": an array whose elements depend on the channel.
  bool read_data(od::value v, okx_message& out) {
    what = channel;
    od::array arr;
    if (auto ec = v.get_array().get(arr)) {
      if (ec == simdjson::INCORRECT_TYPE) return fail(fmt::format("{}: field 'data' is not an array", what));
      return fail_json(ec);
    }
    std::size_t n = 0;
    for (auto el : arr) {
      if (ch == channel_kind::candle) {
        od::array a;
        if (auto ec = el.get_array().get(a)) {
          if (ec == simdjson::INCORRECT_TYPE) return fail(fmt::format("{}: a data entry is not an array", what));
          return fail_json(ec);
        }
        if (!read_candle(a, out)) return false;
        ++n;
        continue;
      }
      od::object o;
      if (auto ec = el.get_object().get(o)) {
        if (ec == simdjson::INCORRECT_TYPE) return fail(fmt::format("{}: a data entry is not an object", what));
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
          if (n > 0) return fail(fmt::format("{}: more than one book in 'data'", what));
          ok = read_incremental_book(o, out);
          break;
        default: return fail(fmt::format("unsupported channel '{}'", channel.substr(0, 40)));
      }
      if (!ok) return false;
      ++n;
    }
    if (incremental_book(ch) && n != 1) return fail(fmt::format("{}: 'data' holds no book", what));
    return true;
  }

  bool read_arg(od::value v) {
    od::object o;
    if (auto ec = v.get_object().get(o)) {
      if (ec == simdjson::INCORRECT_TYPE) return fail("field 'arg' is not an object");
      return fail_json(ec);
    }
    for (auto f : o) {
      std::string_view key;
      if (auto ec = f.unescaped_key().get(key)) return fail_json(ec);
      od::value fv;
      if (auto ec = f.value().get(fv)) return fail_json(ec);
      std::string_view s;
      if (key == "channel") {
        if (!get_string(fv, key, s)) return false;
        channel.assign(s);
      } else if (key == "instId") {
        if (!get_string(fv, key, s)) return false;
        inst_id.assign(s);
      }
    }
    ch = kind_of(channel);
    if (ch == channel_kind::candle && channel != candle_channel) {
      // A connection carries one or two candle channels: the bar is worked out once, not per message.
      const std::string_view bar = std::string_view(channel).substr(6);
      if (okx_candle_bar(bar) != bar)
        return fail(fmt::format("unsupported candle channel '{}'", channel.substr(0, 40)));
      candle_channel = channel;
      interval = okx_interval_of_bar(bar);
      bar_len_ms = bar_ms(bar);
    }
    return true;
  }

  bool parse(const char* buf, std::size_t len, std::size_t capacity, std::int64_t receive_ns, okx_message& out,
             okx_parse_error& error) {
    error.reason.clear();
    error.symbol.clear();
    error.book = false;
    err = &error;
    what = "message";
    recv = receive_ns;
    channel.clear();
    inst_id.clear();
    ch = channel_kind::none;
    out.events.clear();
    const std::string_view text(buf, len);
    bool ok = run(buf, len, capacity, out);
    if (!ok) {
      // Attribute the failure to a book when that can still be told (a broken document fails before
      // any field is read: fall back to the raw text).
      std::string_view inst = inst_id, chan = channel;
      if (chan.empty()) chan = value_from_text(text, R"("channel")");
      if (inst.empty()) inst = value_from_text(text, R"("instId")");
      error.book = incremental_book(kind_of(chan));
      error.symbol.assign(inst);
    }
    err = nullptr;
    return ok;
  }

  bool run(const char* buf, std::size_t len, std::size_t capacity, okx_message& out) {
    const std::string_view t = trim(std::string_view(buf, len));
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
    for (auto f : obj) {
      std::string_view key;
      if (auto ec = f.unescaped_key().get(key)) return fail_json(ec);
      od::value v;
      if (auto ec = f.value().get(v)) return fail_json(ec);
      std::string_view s;
      if (key == "arg") {
        if (!read_arg(v)) return false;
      } else if (key == "data") {
        if (ch == channel_kind::none) {
          data_deferred = true;  // read on a second pass, once "arg" says what it is
        } else {
          if (!read_data(v, out)) return false;
          data_done = true;
        }
      } else if (key == "action") {
        if (!get_string(v, key, action)) return false;
        has_action = true;
      } else if (key == "event") {
        if (!get_string(v, key, s)) return false;
        has_event = true;
        event_name.assign(s);
      } else if (key == "op") {
        if (!get_string(v, key, s)) return false;
        has_op = true;
        op_name.assign(s);
      } else if (key == "code") {
        if (!get_text(v, key, code)) return false;
      } else if (key == "msg") {
        if (!get_string(v, key, s)) return false;
        msg_text.assign(s);
      }
    }
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
      return fail("trailing content after the JSON object");
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
      for (auto f : obj) {
        std::string_view key;
        if (auto ec = f.unescaped_key().get(key)) return fail_json(ec);
        if (key != "data") continue;
        od::value v;
        if (auto ec = f.value().get(v)) return fail_json(ec);
        if (!read_data(v, out)) return false;
        data_done = true;
        break;
      }
    }
    if (!data_done) return fail(fmt::format("{}: missing field 'data'", channel.substr(0, 40)));
    if (incremental_book(ch)) {
      what = channel;
      if (!snapshot && !update) return fail(fmt::format("{}: field 'action' is missing or not snapshot/update", what));
      okx_book_msg& m = out.book;
      m.snapshot = snapshot;
      m.symbol = inst_id;
      m.instrument = okx_normalize(inst_id);
      if (m.symbol.empty()) return fail(fmt::format("{}: no instId in arg", what));
      out.what = okx_message::kind::book;
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
  auto& buf = impl_->padded;
  buf.assign(msg);
  buf.resize(msg.size() + simdjson::SIMDJSON_PADDING);
  return impl_->parse(buf.data(), msg.size(), buf.size(), receive_ns, out, error);
}

book_update to_book_update(const okx_book_msg& m, std::int64_t receive_ns) {
  book_update b;
  b.exchange = exchange_id::okx;
  b.symbol = m.symbol;
  b.instrument = m.instrument;
  b.exchange_ts_ns = m.ts_ns;
  b.receive_ts_ns = receive_ns;
  b.snapshot = m.snapshot;
  b.sequence = m.seq_id > 0 ? static_cast<std::uint64_t>(m.seq_id) : 0;
  b.first_sequence = m.snapshot || m.prev_seq_id < 0 ? b.sequence : static_cast<std::uint64_t>(m.prev_seq_id) + 1;
  b.bids = m.bids;
  b.asks = m.asks;
  return b;
}

}  // namespace mdfan::adapters
