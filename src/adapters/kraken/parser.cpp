#include "adapters/kraken/parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/common/json_reader.hpp"
#include "adapters/common/wire_shape.hpp"
#include "adapters/kraken/symbols.hpp"

namespace mdfan::adapters {
namespace {

namespace od = simdjson::ondemand;

enum class channel_kind : std::uint8_t { none, book, ticker, trade, ohlc, instrument, status, heartbeat, other };
enum class method_kind : std::uint8_t { none, subscribe, unsubscribe, pong, ping, other };

channel_kind channel_of(std::string_view s) noexcept {
  if (s == "book") return channel_kind::book;
  if (s == "ticker") return channel_kind::ticker;
  if (s == "trade") return channel_kind::trade;
  if (s == "ohlc") return channel_kind::ohlc;
  if (s == "instrument") return channel_kind::instrument;
  if (s == "status") return channel_kind::status;
  if (s == "heartbeat") return channel_kind::heartbeat;
  return channel_kind::other;
}

method_kind method_of(std::string_view s) noexcept {
  if (s == "subscribe") return method_kind::subscribe;
  if (s == "unsubscribe") return method_kind::unsubscribe;
  if (s == "pong") return method_kind::pong;
  if (s == "ping") return method_kind::ping;
  return method_kind::other;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// The text of a book message's first symbol, found without parsing: `"symbol":"<name>"`.
// Used only to name the book a malformed message concerned.
std::string_view symbol_from_text(std::string_view msg) {
  constexpr std::string_view key = R"("symbol")";
  const auto at = msg.find(key);
  if (at == std::string_view::npos) return {};
  msg.remove_prefix(at + key.size());
  const auto q = msg.find_first_not_of(" \t\r\n:");
  if (q == std::string_view::npos || msg[q] != '"') return {};
  msg.remove_prefix(q + 1);
  const auto end = msg.find('"');
  if (end == std::string_view::npos || end == 0 || end > 40) return {};
  return msg.substr(0, end);
}

bool book_channel_text(std::string_view msg) {
  const auto at = msg.find(R"("channel")");
  if (at == std::string_view::npos) return false;
  msg.remove_prefix(at + 9);
  const auto q = msg.find_first_not_of(" \t\r\n:");
  return q != std::string_view::npos && msg.substr(q).starts_with(R"("book")");
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

constexpr std::int64_t minute_ns = 60'000'000'000LL;

}  // namespace

// ---- free functions

namespace {
// kraken_number_text() of a number written with an exponent; false for any other text.
[[gnu::noinline]] bool exponent_number_text(std::string_view raw, decimal& out) noexcept {
  bool exponent = false;
  for (const char c : raw) exponent |= (c == 'e') | (c == 'E');
  if (!exponent) return false;
  // JSON number: -? digits (. digits)? [eE] [+-]? digits
  std::size_t i = 0;
  const bool negative = raw[0] == '-';
  if (negative) ++i;
  const std::size_t int_begin = i;
  while (i < raw.size() && is_digit(raw[i])) ++i;
  const std::size_t int_end = i;
  if (int_end == int_begin) return false;
  std::size_t frac_begin = i, frac_end = i;
  if (i < raw.size() && raw[i] == '.') {
    frac_begin = ++i;
    while (i < raw.size() && is_digit(raw[i])) ++i;
    frac_end = i;
    if (frac_end == frac_begin) return false;
  }
  if (i == raw.size()) return false;
  if (raw[i] != 'e' && raw[i] != 'E') return false;
  ++i;
  bool exp_negative = false;
  if (i < raw.size() && (raw[i] == '+' || raw[i] == '-')) exp_negative = raw[i++] == '-';
  if (i == raw.size()) return false;
  int exp = 0;
  for (; i < raw.size(); ++i) {
    if (!is_digit(raw[i])) return false;
    if (exp > 1000) return false;  // far beyond what a decimal can hold
    exp = exp * 10 + (raw[i] - '0');
  }
  if (exp_negative) exp = -exp;

  // The digits of the mantissa with the point moved by the exponent: 1.5e-05 -> 0.000015.
  char digits[decimal::capacity + 2];
  std::size_t nd = 0;
  const std::size_t int_len = int_end - int_begin, frac_len = frac_end - frac_begin;
  if (int_len + frac_len > decimal::capacity) return false;
  for (std::size_t k = int_begin; k < int_end; ++k) digits[nd++] = raw[k];
  for (std::size_t k = frac_begin; k < frac_end; ++k) digits[nd++] = raw[k];
  const long point = static_cast<long>(int_len) + exp;  // digits before the point
  char buf[decimal::capacity + 1];
  std::size_t n = 0;
  auto put = [&](char c) {
    if (n >= decimal::capacity) return false;
    buf[n++] = c;
    return true;
  };
  if (negative && !put('-')) return false;
  if (point <= 0) {
    if (!put('0') || !put('.')) return false;
    for (long z = 0; z < -point; ++z)
      if (!put('0')) return false;
    for (std::size_t k = 0; k < nd; ++k)
      if (!put(digits[k])) return false;
  } else {
    const auto p = static_cast<std::size_t>(point);
    // Integer part without leading zeros (keeping one), then the fraction if any digits remain.
    std::size_t k = 0;
    bool started = false;
    for (; k < p; ++k) {
      const char c = k < nd ? digits[k] : '0';
      if (!started && c == '0' && k + 1 < p) continue;
      started = true;
      if (!put(c)) return false;
    }
    if (p < nd) {
      if (!put('.')) return false;
      for (; k < nd; ++k)
        if (!put(digits[k])) return false;
    }
  }
  return decimal::parse(std::string_view(buf, n), out);
}
}  // namespace

bool kraken_number_text(std::string_view raw, decimal& out) noexcept {
  if (raw.empty()) return false;
  // The common case: no exponent. decimal::parse checks [-]digits[.digits] (and fails on an
  // exponent's letter); JSON also wants a digit at both ends ("1." and ".5" are not numbers).
  const std::size_t first = raw.front() == '-' ? 1 : 0;
  // Nor leading zeros: a "0" is followed by the point, an exponent or nothing ("040.0" is no number).
  if (raw.size() > first + 1 && raw[first] == '0' && is_digit(raw[first + 1])) return false;
  if (raw.size() > first && is_digit(raw[first]) && is_digit(raw.back()) && decimal::parse(raw, out)) return true;
  return exponent_number_text(raw, out);
}

bool kraken_parse_time(std::string_view t, std::int64_t& ns) noexcept { return rfc3339_ns(t, ns, true); }

namespace {
struct interval_entry {
  std::uint64_t minutes;
  std::string_view name;
};
constexpr std::array<interval_entry, 9> intervals{{{1, "1m"},
                                                   {5, "5m"},
                                                   {15, "15m"},
                                                   {30, "30m"},
                                                   {60, "1h"},
                                                   {240, "4h"},
                                                   {1440, "1d"},
                                                   {10080, "1w"},
                                                   {21600, "15d"}}};
}  // namespace

std::string_view kraken_interval_name(std::uint64_t minutes) noexcept {
  for (const auto& e : intervals)
    if (e.minutes == minutes) return e.name;
  return {};
}

std::uint64_t kraken_interval_minutes(std::string_view name) noexcept {
  for (const auto& e : intervals)
    if (e.name == name) return e.minutes;
  return 0;
}

void kraken_message::clear() {
  what = kind::none;
  snapshot = false;
  events.clear();
  book_count = 0;
  pairs.clear();
  control.what = kraken_control::kind::other;  // field by field: the strings keep their capacity
  control.success = true;
  control.channel.clear();
  control.symbol.clear();
  control.error.clear();
  control.system.clear();
}

// ---- the parser

struct kraken_parser::impl : json_reader {
  od::parser parser;
  std::string padded;        // copy buffer for unpadded input
  symbol_cache instruments;  // native symbol -> normalized
  kraken_parse_error* err = nullptr;
  kraken_message* out = nullptr;
  std::int64_t recv = 0;
  std::string_view book_symbol;  // the book entry being read (valid during one parse), for errors

  // ---- values

  // A price or quantity: the number's literal text.
  bool get_number(od::value& v, std::string_view key, decimal& d, bool non_negative = true) {
    // The token's first character tells a number from any other value: no type() call needed.
    const std::string_view raw = trim_right(v.raw_json_token());
    if (raw.empty() || (raw.front() != '-' && !is_digit(raw.front()))) return wrong(v, key, "a number");
    if (!kraken_number_text(raw, d))
      return failf("{}: field '{}' is not a decimal number: '{}'", what, key, raw.substr(0, 40));
    if (non_negative && is_negative(d))
      return failf("{}: field '{}' is negative: '{}'", what, key, raw.substr(0, 40));
    return true;
  }
  bool get_time(od::value& v, std::string_view key, std::int64_t& ns) {
    std::string_view s;
    if (auto ec = plain_text_of(v, s)) return bad_value(ec, v, key, "an RFC 3339 time string");
    if (!kraken_parse_time(s, ns))
      return failf("{}: field '{}' is not an RFC 3339 time: '{}'", what, key, s.substr(0, 40));
    return true;
  }
  // A number read as a price or quantity is refused when negative, unless the field may be (a change).
  const std::string& instrument(std::string_view symbol) { return instruments.get(symbol, kraken_normalize); }
  void header(event_header& h, std::string_view symbol, std::int64_t ts) {
    fill_header(h, exchange_id::kraken, symbol, instrument(symbol), ts, recv);
  }
  // A new event of type T at the end of the message's events, built in place.
  template <class T>
  T& add_event() {
    return std::get<T>(out->events.emplace_back(std::in_place_type<T>));
  }

  // ---- channels

  bool read_levels(od::value& v, std::string_view name, std::vector<price_level>& levels) {
    levels.clear();
    return for_objects(v, name, [&](od::object& o) {
      price_level l;
      bool has_price = false, has_qty = false;
      if (!for_fields(o, [&](std::string_view key, od::value& x) {
            if (key == "price") {
              has_price = true;
              return get_number(x, "price", l.price);
            }
            if (key == "qty") {
              has_qty = true;
              return get_number(x, "qty", l.size);
            }
            return true;
          }))
        return false;
      if (!has_price || !has_qty) return failf("book: a level of '{}' lacks price or qty", name);
      levels.push_back(l);
      return true;
    });
  }

  // The next entry of the message's books, reset; its vectors keep their capacity.
  kraken_book_data& next_book() {
    if (out->books.size() <= out->book_count) out->books.emplace_back();
    kraken_book_data& b = out->books[out->book_count++];
    b.symbol.clear();
    b.bids.clear();
    b.asks.clear();
    b.checksum = 0;
    b.exchange_ts_ns = 0;
    return b;
  }
  void finish_book(kraken_book_data& b) { b.instrument.assign(instrument(b.symbol)); }

  bool read_book(od::value& data) {
    return for_objects(data, "data", [&](od::object& o) {
      kraken_book_data& b = next_book();
      bool has_checksum = false;
      if (!for_fields(o, [&](std::string_view key, od::value& x) {
            if (key == "symbol") {
              std::string_view s;
              if (!get_string(x, key, s)) return false;
              b.symbol.assign(s);
              book_symbol = s;
              return true;
            }
            if (key == "bids") return read_levels(x, key, b.bids);
            if (key == "asks") return read_levels(x, key, b.asks);
            if (key == "checksum") {
              std::uint64_t c = 0;
              if (!get_uint(x, key, c)) return false;
              if (c > 0xffffffffu) return fail("book: checksum out of the 32-bit range");
              b.checksum = static_cast<std::uint32_t>(c);
              has_checksum = true;
              return true;
            }
            if (key == "timestamp") return get_time(x, key, b.exchange_ts_ns);
            return true;
          }))
        return false;
      if (b.symbol.empty()) return missing("symbol");
      if (!has_checksum) return missing("checksum");
      finish_book(b);
      return true;
    });
  }

  bool read_ticker(od::value& data) {
    return for_objects(data, "data", [&](od::object& o) {
      ticker& tk = add_event<ticker>();
      std::string_view sym;
      std::int64_t ts = 0;
      if (!for_fields(o, [&](std::string_view key, od::value& x) {
            if (key.empty()) return true;
            // Dispatch on the first character: a ticker has a dozen fields, most of them numbers.
            switch (key[0]) {
              case 's':
                if (key == "symbol") return get_string(x, key, sym);
                break;
              case 'b':
                if (key == "bid") return get_number(x, key, tk.bid_price);
                if (key == "bid_qty") return get_number(x, key, tk.bid_size);
                break;
              case 'a':
                if (key == "ask") return get_number(x, key, tk.ask_price);
                if (key == "ask_qty") return get_number(x, key, tk.ask_size);
                break;
              case 'l':
                if (key == "last") return get_number(x, key, tk.last_price);
                if (key == "low") return get_number(x, key, tk.low_24h);
                break;
              case 'v':
                if (key == "volume") return get_number(x, key, tk.volume_24h);
                break;
              case 'h':
                if (key == "high") return get_number(x, key, tk.high_24h);
                break;
              case 'c':
                if (key == "change") return get_number(x, key, tk.change_24h, false);
                break;
              case 't':
                if (key == "timestamp") return get_time(x, key, ts);
                break;
              default: break;
            }
            return true;  // vwap, change_pct: no field in the normalized ticker
          }))
        return false;
      if (sym.empty()) return missing("symbol");
      header(tk, sym, ts);
      return true;
    });
  }

  bool read_trade(od::value& data) {
    return for_objects(data, "data", [&](od::object& o) {
      trade& tr = add_event<trade>();
      std::string_view sym;
      std::uint64_t id = 0;
      bool has_id = false, has_price = false, has_qty = false;
      std::int64_t ts = 0;
      if (!for_fields(o, [&](std::string_view key, od::value& x) {
            if (key == "symbol") return get_string(x, key, sym);
            if (key == "price") return has_price = true, get_number(x, key, tr.price);
            if (key == "qty") return has_qty = true, get_number(x, key, tr.size);
            if (key == "trade_id") return has_id = true, get_uint(x, key, id);
            if (key == "timestamp") return get_time(x, key, ts);
            if (key == "side") {
              std::string_view s;
              if (!get_string(x, key, s)) return false;
              if (s == "buy") {
                tr.aggressor = side::buy;
              } else if (s == "sell") {
                tr.aggressor = side::sell;
              } else {
                return failf("trade: unknown side '{}'", s.substr(0, 20));
              }
              return true;
            }
            return true;  // ord_type
          }))
        return false;
      if (sym.empty()) return missing("symbol");
      if (!has_price) return missing("price");
      if (!has_qty) return missing("qty");
      if (!has_id) return missing("trade_id");
      finish_trade(tr, sym, id, ts);
      return true;
    });
  }
  void finish_trade(trade& tr, std::string_view sym, std::uint64_t id, std::int64_t ts) {
    header(tr, sym, ts);
    tr.sequence = id;
    char digits[24];
    tr.trade_id.assign(digits, std::to_chars(digits, digits + sizeof digits, id).ptr);
  }

  bool read_ohlc(od::value& data, std::int64_t message_ts) {
    return for_objects(data, "data", [&](od::object& o) {
      candle& c = add_event<candle>();
      std::string_view sym;
      std::uint64_t minutes = 0;
      std::int64_t candle_ts = 0;
      bool has_begin = false;
      if (!for_fields(o, [&](std::string_view key, od::value& x) {
            if (key == "symbol") return get_string(x, key, sym);
            if (key == "open") return get_number(x, key, c.open);
            if (key == "high") return get_number(x, key, c.high);
            if (key == "low") return get_number(x, key, c.low);
            if (key == "close") return get_number(x, key, c.close);
            if (key == "volume") return get_number(x, key, c.volume);
            if (key == "trades") return get_uint(x, key, c.trades);
            if (key == "interval") return get_uint(x, key, minutes);
            if (key == "interval_begin") return has_begin = true, get_time(x, key, c.open_time_ns);
            if (key == "timestamp") return get_time(x, key, candle_ts);
            return true;  // vwap
          }))
        return false;
      if (sym.empty()) return missing("symbol");
      if (!has_begin) return missing("interval_begin");
      const std::string_view name = kraken_interval_name(minutes);
      if (name.empty()) return failf("ohlc: unknown interval {}", minutes);
      if (c.open.empty() || c.high.empty() || c.low.empty() || c.close.empty() || c.volume.empty())
        return fail("ohlc: missing open, high, low, close or volume");
      finish_candle(c, sym, minutes, name, message_ts, candle_ts);
      return true;
    });
  }
  // `name`: kraken_interval_name(minutes), known. The message's time stamps the candle; the
  // candle's own (deprecated) one only when the message has none.
  void finish_candle(candle& c, std::string_view sym, std::uint64_t minutes, std::string_view name,
                     std::int64_t message_ts, std::int64_t candle_ts) {
    header(c, sym, message_ts != 0 ? message_ts : candle_ts);
    c.interval.assign(name);
    // Inclusive end, as the other exchanges report it: the last millisecond of the interval.
    c.close_time_ns = c.open_time_ns + static_cast<std::int64_t>(minutes) * minute_ns - 1'000'000;
  }

  bool read_status(od::value& data) {
    return for_objects(data, "data", [&](od::object& o) {
      return for_fields(o, [&](std::string_view key, od::value& x) {
        if (key != "system") return true;  // connection_id (> INT64_MAX), versions: not needed, not parsed
        std::string_view s;
        if (!get_string(x, key, s)) return false;
        out->control.system.assign(s);
        return true;
      });
    });
  }

  bool read_instrument(od::value& data) {
    od::object o;
    if (!get_object(data, "data", o)) return false;
    return for_fields(o, [&](std::string_view key, od::value& x) {
      if (key != "pairs") return true;  // assets
      return for_objects(x, "pairs", [&](od::object& p) {
        kraken_pair_info info;
        if (!for_fields(p, [&](std::string_view k, od::value& y) {
              std::uint64_t u = 0;
              if (k == "symbol") {
                std::string_view s;
                if (!get_string(y, k, s)) return false;
                info.symbol.assign(s);
              } else if (k == "price_precision" || k == "qty_precision") {
                if (!get_uint(y, k, u)) return false;
                if (u > 18) return failf("instrument: {} {} out of range", k, u);
                (k == "price_precision" ? info.precision.price : info.precision.qty) = static_cast<int>(u);
              }
              return true;
            }))
          return false;
        if (!info.symbol.empty()) out->pairs.push_back(std::move(info));
        return true;
      });
    });
  }

  bool read_data(channel_kind ch, od::value& data, std::int64_t message_ts) {
    switch (ch) {
      case channel_kind::book: what = "book"; return read_book(data);
      case channel_kind::ticker: what = "ticker"; return read_ticker(data);
      case channel_kind::trade: what = "trade"; return read_trade(data);
      case channel_kind::ohlc: what = "ohlc"; return read_ohlc(data, message_ts);
      case channel_kind::status: what = "status"; return read_status(data);
      case channel_kind::instrument: what = "instrument"; return read_instrument(data);
      default: return true;  // heartbeat and channels mdfan does not use: data skipped unread
    }
  }

  // Flattened: every reader below is inlined into this one function (the per-field lambdas would
  // otherwise stay calls, about a tenth of the time).
  [[gnu::flatten]] bool run(const char* buf, std::size_t len, std::size_t capacity) {
    od::document doc;
    if (auto ec = parser.iterate(buf, len, capacity).get(doc)) return fail_json(ec);
    od::object obj;
    if (auto ec = doc.get_object().get(obj))
      return ec == simdjson::INCORRECT_TYPE ? fail("not a JSON object") : fail_json(ec);

    channel_kind ch = channel_kind::none;
    method_kind method = method_kind::none;
    int type = -1;  // 0 update, 1 snapshot
    bool data_seen = false, data_deferred = false, has_success = false, success = true, has_params = false;
    std::int64_t message_ts = 0;
    kraken_control& ctl = out->control;
    what = "message";
    auto top = [&](std::string_view key, od::value& v) {
      if (key == "channel") {
        std::string_view s;
        if (!get_string(v, key, s)) return false;
        ch = channel_of(s);
        if (ch == channel_kind::book) err->book = true;
        if (ch == channel_kind::other) ctl.channel.assign(s);
        return true;
      }
      if (key == "type") {
        std::string_view s;
        if (!get_string(v, key, s)) return false;
        type = s == "snapshot" ? 1 : 0;
        return true;
      }
      if (key == "data") {
        data_seen = true;
        if (ch == channel_kind::none) {
          data_deferred = true;  // read once the channel is known (a second pass)
          return true;
        }
        return read_data(ch, v, message_ts);
      }
      if (key == "timestamp") return get_time(v, key, message_ts);
      if (key == "method") {
        std::string_view s;
        if (!get_string(v, key, s)) return false;
        method = method_of(s);
        return true;
      }
      if (key == "success") {
        has_success = true;
        return get_bool(v, key, success);
      }
      if (key == "result") {
        od::json_type t;
        if (auto ec = v.type().get(t)) return fail_json(ec);
        if (t != od::json_type::object) return true;
        od::object r;
        if (!get_object(v, key, r)) return false;
        return for_fields(r, [&](std::string_view k, od::value& x) {
          std::string_view s;
          od::json_type xt;
          if (k != "channel" && k != "symbol") return true;
          if (auto ec = x.type().get(xt)) return fail_json(ec);
          if (xt != od::json_type::string) return true;
          if (!get_string(x, k, s)) return false;
          (k == "channel" ? ctl.channel : ctl.symbol).assign(s);
          return true;
        });
      }
      if (key == "error" || key == "Error") {
        od::json_type t;
        if (auto ec = v.type().get(t)) return fail_json(ec);
        if (t != od::json_type::string) return true;
        std::string_view s;
        if (!get_string(v, key, s)) return false;
        ctl.error.assign(s.substr(0, 200));
        return true;
      }
      if (key == "params") has_params = true;
      return true;
    };
    if (!for_fields(obj, top)) return false;
    if (data_deferred && ch != channel_kind::none) {
      doc.rewind();
      if (auto ec = doc.get_object().get(obj)) return fail_json(ec);
      if (!for_fields(obj, [&](std::string_view key, od::value& v) {
            return key == "data" ? read_data(ch, v, message_ts) : true;
          }))
        return false;
    }
    if (!at_end(doc)) return false;

    out->snapshot = type == 1;
    if (method != method_kind::none) {
      out->what = kraken_message::kind::control;
      switch (method) {
        case method_kind::subscribe:
          ctl.what = has_params ? kraken_control::kind::request : kraken_control::kind::subscribe;
          break;
        case method_kind::unsubscribe:
          ctl.what = has_params ? kraken_control::kind::request : kraken_control::kind::unsubscribe;
          break;
        case method_kind::pong: ctl.what = kraken_control::kind::pong; break;
        case method_kind::ping: ctl.what = kraken_control::kind::request; break;
        default: ctl.what = has_params ? kraken_control::kind::request : kraken_control::kind::other; break;
      }
      ctl.success = has_success ? success : ctl.error.empty();
      return true;
    }
    switch (ch) {
      case channel_kind::none:
        if (!ctl.error.empty()) {
          out->what = kraken_message::kind::control;
          ctl.what = kraken_control::kind::error;
          ctl.success = false;
          return true;
        }
        return fail("neither 'channel' nor 'method': not a Kraken v2 message");
      case channel_kind::book:
        what = "book";
        if (!data_seen) return missing("data");
        if (type < 0) return missing("type");
        out->what = kraken_message::kind::book;  // out->snapshot: set above
        return true;
      case channel_kind::ticker:
      case channel_kind::trade:
      case channel_kind::ohlc:
        if (!data_seen) return fail("missing field 'data'");
        finish_events(ch);
        return true;
      case channel_kind::instrument: out->what = kraken_message::kind::instrument; return true;
      case channel_kind::status:
        out->what = kraken_message::kind::control;
        ctl.what = kraken_control::kind::status;
        ctl.channel = "status";
        return true;
      case channel_kind::heartbeat: finish_heartbeat(); return true;
      case channel_kind::other:
        out->what = kraken_message::kind::control;
        ctl.what = kraken_control::kind::other;
        return true;
    }
    return true;
  }

  // The events of a ticker, trade or ohlc message are read (out->snapshot set).
  void finish_events(channel_kind ch) {
    out->what = kraken_message::kind::events;
    if (ch == channel_kind::ohlc && out->snapshot) mark_closed_candles();
  }
  void finish_heartbeat() {
    out->what = kraken_message::kind::control;
    out->control.what = kraken_control::kind::heartbeat;
    out->control.channel = "heartbeat";
  }

  // In an ohlc snapshot every candle but the newest of its symbol is complete.
  void mark_closed_candles() {
    auto& ev = out->events;
    for (std::size_t i = 0; i < ev.size(); ++i) {
      auto& c = std::get<candle>(ev[i]);
      for (std::size_t j = i + 1; j < ev.size(); ++j) {
        const auto& later = std::get<candle>(ev[j]);
        if (later.symbol == c.symbol && later.open_time_ns > c.open_time_ns) {
          c.closed = true;
          break;
        }
      }
    }
  }

  // ---- the fast path (wire_shape.hpp): the channels Kraken sends most, in its own field order.
  // Each reader accepts exactly what the general path reads to the same output, or returns false;
  // numbers and times go through the same functions (kraken_number_text, kraken_parse_time).

  // A price or quantity: a JSON number in strict form whose text is a decimal; not negative
  // unless `signed_ok`.
  // Without an exponent (the usual form) the text is the decimal's as it stands (kraken_number_text
  // would return it unchanged); with one, kraken_number_text moves the point.
  static bool fast_number(wire_shape& w, decimal& d, bool signed_ok = false) {
    std::string_view raw;
    if (w.decimal_number(d)) return signed_ok || !is_negative(d);
    return w.number(raw) && kraken_number_text(raw, d) && (signed_ok || !is_negative(d));
  }
  // A number no output keeps (vwap, change_pct): only its form is checked.
  static bool fast_skip_number(wire_shape& w) {
    std::string_view raw;
    return w.plain_number(raw) || w.number(raw);
  }
  // The strict form first (wire_time_ns), the general reader for any other form it accepts.
  static bool fast_time(wire_shape& w, std::int64_t& ns) {
    std::string_view s;
    return w.str(s) && (wire_time_ns(s, ns) || kraken_parse_time(s, ns));
  }
  static bool fast_symbol(wire_shape& w, std::string_view& sym) { return w.str(sym) && !sym.empty(); }

  // [{"price":..,"qty":..},...], possibly empty.
  static bool fast_levels(wire_shape& w, std::vector<price_level>& levels) {
    if (!w.lit('[')) return false;
    if (w.lit(']')) return true;
    do {
      decimal price, size;
      if (!w.lit(R"({"price":)") || !fast_number(w, price) || !w.lit(R"(,"qty":)") || !fast_number(w, size) ||
          !w.lit('}'))
        return false;
      add_level(levels, price, size);
    } while (w.lit(','));
    return w.lit(']');
  }

  // {"symbol":..,"bids":[..],"asks":[..],"checksum":..,"timestamp":..}
  bool fast_book(wire_shape& w) {
    kraken_book_data& b = next_book();
    std::string_view sym;
    std::uint64_t crc = 0;
    if (!w.lit(R"({"symbol":)") || !fast_symbol(w, sym) || !w.lit(R"(,"bids":)") || !fast_levels(w, b.bids) ||
        !w.lit(R"(,"asks":)") || !fast_levels(w, b.asks) || !w.lit(R"(,"checksum":)") || !w.u64(crc) ||
        crc > 0xffffffffu || !w.lit(R"(,"timestamp":)") || !fast_time(w, b.exchange_ts_ns) || !w.lit('}'))
      return false;
    b.symbol.assign(sym);
    b.checksum = static_cast<std::uint32_t>(crc);
    finish_book(b);
    return true;
  }

  // {"symbol":..,"bid":..,"bid_qty":..,"ask":..,"ask_qty":..,"last":..,"volume":..,"vwap":..,"low":..,
  //  "high":..,"change":..,"change_pct":..,"timestamp":..}; the timestamp may be absent (0 then).
  bool fast_ticker(wire_shape& w) {
    ticker& tk = add_event<ticker>();
    std::string_view sym;
    std::int64_t ts = 0;
    if (!w.lit(R"({"symbol":)") || !fast_symbol(w, sym) || !w.lit(R"(,"bid":)") || !fast_number(w, tk.bid_price) ||
        !w.lit(R"(,"bid_qty":)") || !fast_number(w, tk.bid_size) || !w.lit(R"(,"ask":)") ||
        !fast_number(w, tk.ask_price) || !w.lit(R"(,"ask_qty":)") || !fast_number(w, tk.ask_size) ||
        !w.lit(R"(,"last":)") || !fast_number(w, tk.last_price) || !w.lit(R"(,"volume":)") ||
        !fast_number(w, tk.volume_24h) || !w.lit(R"(,"vwap":)") || !fast_skip_number(w) || !w.lit(R"(,"low":)") ||
        !fast_number(w, tk.low_24h) || !w.lit(R"(,"high":)") || !fast_number(w, tk.high_24h) ||
        !w.lit(R"(,"change":)") || !fast_number(w, tk.change_24h, true) || !w.lit(R"(,"change_pct":)") ||
        !fast_skip_number(w))
      return false;
    if (w.lit(R"(,"timestamp":)") && !fast_time(w, ts)) return false;
    if (!w.lit('}')) return false;
    header(tk, sym, ts);
    return true;
  }

  // {"symbol":..,"side":"buy"|"sell","price":..,"qty":..,"ord_type":..,"trade_id":..,"timestamp":..}
  bool fast_trade(wire_shape& w) {
    trade& tr = add_event<trade>();
    std::string_view sym, ord_type;
    std::uint64_t id = 0;
    std::int64_t ts = 0;
    if (!w.lit(R"({"symbol":)") || !fast_symbol(w, sym)) return false;
    if (w.lit(R"(,"side":"buy")")) {
      tr.aggressor = side::buy;
    } else if (w.lit(R"(,"side":"sell")")) {
      tr.aggressor = side::sell;
    } else {
      return false;
    }
    if (!w.lit(R"(,"price":)") || !fast_number(w, tr.price) || !w.lit(R"(,"qty":)") || !fast_number(w, tr.size) ||
        !w.lit(R"(,"ord_type":)") || !w.str(ord_type) || !w.lit(R"(,"trade_id":)") || !w.u64(id) ||
        !w.lit(R"(,"timestamp":)") || !fast_time(w, ts) || !w.lit('}'))
      return false;
    finish_trade(tr, sym, id, ts);
    return true;
  }

  // {"symbol":..,"open":..,"high":..,"low":..,"close":..,"trades":..,"volume":..,"vwap":..,
  //  "interval_begin":..,"interval":..,"timestamp":..}; the deprecated timestamp may be absent.
  bool fast_candle(wire_shape& w, std::int64_t message_ts) {
    candle& c = add_event<candle>();
    std::string_view sym;
    std::uint64_t minutes = 0;
    std::int64_t candle_ts = 0;
    if (!w.lit(R"({"symbol":)") || !fast_symbol(w, sym) || !w.lit(R"(,"open":)") || !fast_number(w, c.open) ||
        !w.lit(R"(,"high":)") || !fast_number(w, c.high) || !w.lit(R"(,"low":)") || !fast_number(w, c.low) ||
        !w.lit(R"(,"close":)") || !fast_number(w, c.close) || !w.lit(R"(,"trades":)") || !w.u64(c.trades) ||
        !w.lit(R"(,"volume":)") || !fast_number(w, c.volume) || !w.lit(R"(,"vwap":)") || !fast_skip_number(w) ||
        !w.lit(R"(,"interval_begin":)") || !fast_time(w, c.open_time_ns) || !w.lit(R"(,"interval":)") ||
        !w.u64(minutes))
      return false;
    if (w.lit(R"(,"timestamp":)") && !fast_time(w, candle_ts)) return false;
    const std::string_view name = kraken_interval_name(minutes);
    if (!w.lit('}') || name.empty()) return false;
    finish_candle(c, sym, minutes, name, message_ts, candle_ts);
    return true;
  }

  // The whole message: {"channel":"heartbeat"}, or
  // {"channel":"book"|"ticker"|"trade","type":"snapshot"|"update","data":[<entry>,...]}, or
  // {"channel":"ohlc","type":..,"timestamp":..,"data":[<entry>,...]}, with at least one entry.
  bool parse_fast(const char* buf, std::size_t len) {
    wire_shape w(buf, len);
    if (!w.lit(R"({"channel":")")) return false;
    if (w.lit(R"(heartbeat"})")) {
      if (!w.at_end()) return false;
      finish_heartbeat();
      return true;
    }
    channel_kind ch = channel_kind::none;
    if (w.lit(R"(book",)")) {
      ch = channel_kind::book;
    } else if (w.lit(R"(trade",)")) {
      ch = channel_kind::trade;
    } else if (w.lit(R"(ticker",)")) {
      ch = channel_kind::ticker;
    } else if (w.lit(R"(ohlc",)")) {
      ch = channel_kind::ohlc;
    } else {
      return false;
    }
    if (w.lit(R"("type":"update")")) {
      out->snapshot = false;
    } else if (w.lit(R"("type":"snapshot")")) {
      out->snapshot = true;
    } else {
      return false;
    }
    std::int64_t message_ts = 0;
    if (ch == channel_kind::ohlc && (!w.lit(R"(,"timestamp":)") || !fast_time(w, message_ts))) return false;
    if (!w.lit(R"(,"data":[)")) return false;
    do {
      bool ok = false;
      switch (ch) {
        case channel_kind::book: ok = fast_book(w); break;
        case channel_kind::trade: ok = fast_trade(w); break;
        case channel_kind::ticker: ok = fast_ticker(w); break;
        default: ok = fast_candle(w, message_ts); break;
      }
      if (!ok) return false;
    } while (w.lit(','));
    if (!w.lit("]}") || !w.at_end()) return false;
    if (ch == channel_kind::book) {
      out->what = kraken_message::kind::book;
    } else {
      finish_events(ch);
    }
    return true;
  }

  bool parse(const char* buf, std::size_t len, std::size_t capacity, std::int64_t receive_ns, kraken_message& m,
             kraken_parse_error& e) {
    m.clear();
    e.reason.clear();
    e.symbol.clear();
    e.book = false;
    out = &m;
    recv = receive_ns;
    if (fast_path_enabled()) {
      if (parse_fast(buf, len)) {
        ++fast_path_hits();
        return true;
      }
      m.clear();  // what the fast path read before it gave up
    }
    err = &e;
    begin(e.reason);
    book_symbol = {};
    if (run(buf, len, capacity)) {
      e.symbol.clear();
      e.book = false;
      return true;
    }
    // Whatever was read is discarded: a malformed message yields no partial events.
    m.clear();
    if (e.book && !book_symbol.empty()) e.symbol.assign(book_symbol);
    const std::string_view text(buf, len);
    if (!e.book && book_channel_text(text)) e.book = true;
    if (e.book && e.symbol.empty()) e.symbol.assign(symbol_from_text(text));
    return false;
  }
};

kraken_parser::kraken_parser() : impl_(std::make_unique<impl>()) {}
kraken_parser::~kraken_parser() = default;
kraken_parser::kraken_parser(kraken_parser&&) noexcept = default;
kraken_parser& kraken_parser::operator=(kraken_parser&&) noexcept = default;

bool kraken_parser::parse_padded(std::string_view msg, std::int64_t receive_ns, kraken_message& out,
                                 kraken_parse_error& error) {
  return impl_->parse(msg.data(), msg.size(), msg.size() + simdjson::SIMDJSON_PADDING, receive_ns, out, error);
}

bool kraken_parser::parse(std::string_view msg, std::int64_t receive_ns, kraken_message& out,
                          kraken_parse_error& error) {
  return parse_padded(padded_copy(impl_->padded, msg), receive_ns, out, error);
}

}  // namespace mdfan::adapters
