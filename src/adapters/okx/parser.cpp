#include "adapters/okx/parser.hpp"

#include <limits>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/common/json_reader.hpp"
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

// Ticker fields and where they go. Volumes: vol24h in the base currency, volCcy24h in the quote
// currency (spot).
constexpr decimal_key<ticker> ticker_keys[] = {
    {"last", &ticker::last_price},   {"lastSz", &ticker::last_size},          {"askPx", &ticker::ask_price},
    {"askSz", &ticker::ask_size},    {"bidPx", &ticker::bid_price},           {"bidSz", &ticker::bid_size},
    {"open24h", &ticker::open_24h},  {"high24h", &ticker::high_24h},          {"low24h", &ticker::low_24h},
    {"vol24h", &ticker::volume_24h}, {"volCcy24h", &ticker::quote_volume_24h}};

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
    if (s.empty() || s.size() > 18) return failf("{}: field '{}' is not a time in ms", what, key);
    std::uint64_t ms = 0;
    for (const char c : s) {
      if (c < '0' || c > '9') return failf("{}: field '{}' is not a time in ms", what, key);
      ms = ms * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!epoch_ms_to_ns(ms, ns)) return failf("{}: field '{}' is out of range", what, key);
    return true;
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
    return from_data.empty() ? std::string_view(inst_id) : from_data;
  }

  // ---- data elements ----

  bool read_ticker(od::object o, okx_message& out) {
    what = "tickers";
    ticker& tk = add_event<ticker>(out);
    std::string_view inst;
    if (!for_fields(o, [&](std::string_view key, od::value& v) {
          if (key == "instId") return get_string(v, key, inst);
          if (key == "ts") return get_ms(v, key, tk.exchange_ts_ns);
          decimal* d = decimal_for(ticker_keys, key, tk);
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
    if (side_text == "buy") {
      tr.aggressor = side::buy;
    } else if (side_text == "sell") {
      tr.aggressor = side::sell;
    } else {
      return failf("trades: field 'side' is '{}', expected buy or sell", side_text.substr(0, 20));
    }
    inst = require_inst(inst);
    if (inst.empty()) return fail("trades: no instId");
    header(tr, inst, tr.exchange_ts_ns);
    tr.trade_id.assign(trade_id);
    if (has_seq && seq > 0) tr.sequence = static_cast<std::uint64_t>(seq);
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
    c.quote_volume = n >= 8 ? vol_ccy_quote : vol_ccy;
    if (inst_id.empty()) return failf("{}: no instId in arg", what);
    header(c, inst_id, c.open_time_ns);
    c.interval = interval;
    if (bar_len_ms > 0) c.close_time_ns = c.open_time_ns + (bar_len_ms - 1) * 1'000'000;
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
            if (ok && (bf.checksum < std::numeric_limits<std::int32_t>::min() ||
                       bf.checksum > std::numeric_limits<std::int32_t>::max()))
              ok = failf("{}: checksum {} is not a 32-bit integer", what, bf.checksum);
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
    header(b, inst, bf.ts_ns);
    b.snapshot = true;
    if (bf.has_seq && bf.seq > 0) b.sequence = b.first_sequence = static_cast<std::uint64_t>(bf.seq);
    return true;
  }

  bool read_incremental_book(od::object o, okx_message& out) {
    what = channel;
    okx_book_msg& m = out.book;
    book_fields bf;
    if (!read_book_element(o, m.bids, m.asks, bf)) return false;
    if (!bf.has_seq) return failf("{}: missing field 'seqId'", what);
    if (!bf.has_prev) return failf("{}: missing field 'prevSeqId'", what);
    if (bf.seq < 0) return failf("{}: seqId {} is negative", what, bf.seq);
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
    ch = kind_of(channel);
    if (ch == channel_kind::candle && channel != candle_channel) {
      // A connection carries one or two candle channels: the bar is worked out once, not per message.
      const std::string_view bar = std::string_view(channel).substr(6);
      if (okx_candle_bar(bar) != bar) return failf("unsupported candle channel '{}'", channel.substr(0, 40));
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
    begin(error.reason);
    recv = receive_ns;
    channel.clear();
    inst_id.clear();
    ch = channel_kind::none;
    events_used = 0;
    const std::string_view text(buf, len);
    bool ok = run(buf, len, capacity, out);
    out.events.resize(ok ? events_used : 0);  // no partial events from a malformed message
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
      okx_book_msg& m = out.book;
      m.snapshot = snapshot;
      m.symbol = inst_id;
      m.instrument = okx_normalize(inst_id);
      if (m.symbol.empty()) return failf("{}: no instId in arg", what);
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
