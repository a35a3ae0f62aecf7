#include "adapters/binance/parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <span>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/common/json_reader.hpp"
#include "adapters/common/wire_shape.hpp"

namespace mdfan::adapters {
namespace {

namespace od = simdjson::ondemand;

enum class jtype : std::uint8_t { absent, string, uint, sint, other_number, boolean, null, array, object };

// One field as read from the document. Strings point into the simdjson parser and die at the
// next parse; the table holding them is cleared at the start of every parse.
struct jfield {
  jtype type = jtype::absent;
  bool b = false;
  std::uint32_t gen = 0;  // the table generation it was written in (one-letter slots)
  std::string_view str;
  std::uint64_t u = 0;
  std::int64_t i = 0;
  bool present() const noexcept { return type != jtype::absent; }
};
inline const jfield absent_field{};

// The fields of one JSON object that any Binance message kind uses. Every message is read into a
// table first, in document order and whatever that order is, then interpreted by its kind.
// Binance keys are single letters, plus a handful of longer ones.
struct table {
  std::array<jfield, 52> one{};  // 'A'..'Z', 'a'..'z'; only those of the current generation count
  jfield stream, result, id, code, msg, method, last_update_id;
  std::vector<price_level> bid_levels, ask_levels;  // from "b"/"bids" and "a"/"asks" when arrays
  std::uint32_t gen = 1;                            // bumped by clear(): forgets every one-letter slot at once
  bool has_data = false;                            // a "data" object was read into the data table
  bool has_kline = false;                           // a "k" object was read into the kline table
  bool used = false;                                // written since the last clear()

  void clear() {
    if (!used) return;
    used = false;
    if (++gen == 0) {  // wrapped: slots of generation 0 would count again
      one.fill(jfield{});
      gen = 1;
    }
    stream = result = id = code = msg = method = last_update_id = jfield{};
    bid_levels.clear();
    ask_levels.clear();
    has_data = has_kline = false;
  }
  static int slot(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
    return -1;
  }
  const jfield& operator[](char c) const noexcept {
    const jfield& f = one[static_cast<std::size_t>(slot(c))];
    return f.gen == gen ? f : absent_field;
  }

  // Where a field read from the document goes; nullptr for a key no message kind uses.
  jfield* find(std::string_view key) noexcept {
    if (key.size() == 1) {
      const int s = slot(key[0]);
      if (s < 0) return nullptr;
      jfield& f = one[static_cast<std::size_t>(s)];
      f = jfield{};  // claimed for this message: nothing of an earlier one may show if reading the value fails
      f.gen = gen;
      return &f;
    }
    if (key == "stream") return &stream;
    if (key == "result") return &result;
    if (key == "id") return &id;
    if (key == "code") return &code;
    if (key == "msg") return &msg;
    if (key == "method") return &method;
    if (key == "lastUpdateId") return &last_update_id;
    if (key == "bids") return find("b");
    if (key == "asks") return find("a");
    return nullptr;
  }
};

std::string_view describe(jtype t) {
  switch (t) {
    case jtype::absent: return "absent";
    case jtype::string: return "a string";
    case jtype::uint:
    case jtype::sint:
    case jtype::other_number: return "a number";
    case jtype::boolean: return "a boolean";
    case jtype::null: return "null";
    case jtype::array: return "an array";
    case jtype::object: return "an object";
  }
  return "?";
}

// The decimals of the 24 h tickers: key, where it goes, whether it must be there.
struct ticker_field {
  char key;
  decimal ticker::*member;
  bool required = true;
};
constexpr ticker_field ticker_24h_fields[] = {
    {'p', &ticker::change_24h}, {'c', &ticker::last_price}, {'Q', &ticker::last_size, false},
    {'b', &ticker::bid_price},  {'B', &ticker::bid_size},   {'a', &ticker::ask_price},
    {'A', &ticker::ask_size},   {'o', &ticker::open_24h},   {'h', &ticker::high_24h},
    {'l', &ticker::low_24h},    {'v', &ticker::volume_24h}, {'q', &ticker::quote_volume_24h}};
constexpr ticker_field mini_ticker_fields[] = {{'c', &ticker::last_price}, {'o', &ticker::open_24h},
                                               {'h', &ticker::high_24h},   {'l', &ticker::low_24h},
                                               {'v', &ticker::volume_24h}, {'q', &ticker::quote_volume_24h}};

// "bnbbtc@depth@100ms" -> symbol "bnbbtc", channel "depth@100ms".
void split_stream(std::string_view stream, std::string_view& symbol, std::string_view& channel) {
  const auto at = stream.find('@');
  if (at == std::string_view::npos) {
    symbol = {};
    channel = stream;
  } else {
    symbol = stream.substr(0, at);
    channel = stream.substr(at + 1);
  }
}
bool diff_depth_stream(std::string_view channel) { return channel == "depth" || channel.starts_with("depth@"); }

// Whether a document that is not an object looks like another JSON value (array, string, number,
// literal) rather than garbage: only for choosing the error text.
bool other_json_value(std::string_view msg) {
  const auto b = msg.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return false;
  const auto e = msg.find_last_not_of(" \t\r\n");
  const std::string_view v = msg.substr(b, e - b + 1);
  const char c = v.front();
  if (c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9')) return true;
  return v == "true" || v == "false" || v == "null";
}

// The stream name of a combined message from its text alone: `{"stream":"<name>"`.
std::string_view stream_from_text(std::string_view msg) {
  constexpr std::string_view prefix = R"("stream":")";
  const auto start = msg.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || msg[start] != '{') return {};
  msg.remove_prefix(start + 1);
  msg.remove_prefix(std::min(msg.size(), msg.find_first_not_of(" \t\r\n")));
  if (!msg.starts_with(prefix)) return {};
  msg.remove_prefix(prefix.size());
  const auto end = msg.find('"');
  if (end == std::string_view::npos || end > 200) return {};
  return msg.substr(0, end);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

}  // namespace

struct binance_parser::impl : json_reader {
  binance_symbols symbols;
  symbol_cache instruments;  // native symbol -> normalized, through `symbols`
  od::parser parser;
  std::string padded;  // copy buffer for unpadded input
  table top, data, kline;
  binance_parse_error* err = nullptr;

  // ---- reading ----

  // Reads an object's fields into `t` in document order. depth: 0 top level, 1 inside "data".
  bool collect(od::object obj, table& t, int depth) {
    t.used = true;
    return for_fields(obj, [&](std::string_view key, od::value& v) {
      od::json_type type;
      if (auto ec = v.type().get(type)) return fail_json(ec);
      if (type == od::json_type::object) {
        od::object inner;
        if (key == "data" && depth == 0) {
          if (auto ec = v.get_object().get(inner)) return fail_json(ec);
          t.has_data = true;
          return collect(inner, data, 1);
        }
        if (key == "k" && depth < 2 && !t.has_kline) {
          if (auto ec = v.get_object().get(inner)) return fail_json(ec);
          t.has_kline = true;
          return collect(inner, kline, 2);
        }
      }
      jfield* f = t.find(key);
      if (f == nullptr) return true;  // a field no message kind uses: skipped unread
      switch (type) {
        case od::json_type::string:
          if (auto ec = text_of(v, f->str)) return fail_json(ec);
          f->type = jtype::string;
          break;
        case od::json_type::number:
          if (v.get_uint64().get(f->u) == simdjson::SUCCESS) {
            f->type = jtype::uint;
          } else if (v.get_int64().get(f->i) == simdjson::SUCCESS) {
            f->type = jtype::sint;
          } else {
            double ignored;  // a float or out-of-range number: Binance sends none we use
            if (auto ec = v.get_double().get(ignored)) return fail_json(ec);
            f->type = jtype::other_number;
          }
          break;
        case od::json_type::boolean:
          if (auto ec = v.get_bool().get(f->b)) return fail_json(ec);
          f->type = jtype::boolean;
          break;
        case od::json_type::null: {
          bool is_null = false;
          if (auto ec = v.is_null().get(is_null)) return fail_json(ec);
          f->type = jtype::null;
          break;
        }
        case od::json_type::array:
          f->type = jtype::array;
          if (key == "b" || key == "bids") {
            t.bid_levels.clear();
            return read_levels(v, key, t.bid_levels);
          }
          if (key == "a" || key == "asks") {
            t.ask_levels.clear();
            return read_levels(v, key, t.ask_levels);
          }
          break;
        case od::json_type::object: f->type = jtype::object; break;
      }
      return true;
    });
  }

  // Parses `buf` (padded) into the tables. Returns false on malformed JSON.
  bool load(const char* buf, std::size_t len, std::size_t capacity) {
    top.clear();
    data.clear();
    kline.clear();
    od::document doc;
    if (auto ec = parser.iterate(buf, len, capacity).get(doc)) return fail_json(ec);
    od::object obj;
    if (auto ec = doc.get_object().get(obj)) {
      if (ec == simdjson::INCORRECT_TYPE && other_json_value(std::string_view(buf, len)))
        return fail("not a JSON object");
      if (ec == simdjson::INCORRECT_TYPE) return fail("not JSON");
      return fail_json(ec);
    }
    return collect(obj, top, 0) && at_end(doc);
  }

  // ---- typed access to a table ----

  [[gnu::cold, gnu::noinline]] bool missing(char key) { return failf("{}: missing field '{}'", what, key); }
  [[gnu::cold, gnu::noinline]] bool wrong(char key, std::string_view expected, jtype got) {
    return failf("{}: field '{}' is {}, expected {}", what, key, describe(got), expected);
  }

  bool get_decimal(const table& t, char key, decimal& out, bool required = true) {
    const jfield& f = t[key];
    if (!f.present()) return required ? missing(key) : true;
    if (f.type != jtype::string) return wrong(key, "a decimal string", f.type);
    return text_decimal(f.str, std::string_view(&key, 1), out);
  }
  bool get_uint(const table& t, char key, std::uint64_t& out, bool required = true) {
    const jfield& f = t[key];
    if (!f.present()) return required ? missing(key) : true;
    if (f.type != jtype::uint) return wrong(key, "an unsigned integer", f.type);
    out = f.u;
    return true;
  }
  // Exchange times are integer ms; events carry ns.
  bool get_ms(const table& t, char key, std::int64_t& ns, bool required = true) {
    const jfield& f = t[key];
    if (!f.present()) return required ? missing(key) : true;
    if (f.type != jtype::uint) return wrong(key, "an unsigned integer", f.type);
    return ms_to_ns(f.u, std::string_view(&key, 1), ns);
  }
  bool get_bool(const table& t, char key, bool& out) {
    const jfield& f = t[key];
    if (!f.present()) return missing(key);
    if (f.type != jtype::boolean) return wrong(key, "a boolean", f.type);
    out = f.b;
    return true;
  }
  bool get_string(const table& t, char key, std::string_view& out) {
    const jfield& f = t[key];
    if (!f.present()) return missing(key);
    if (f.type != jtype::string) return wrong(key, "a string", f.type);
    if (f.str.empty()) return failf("{}: field '{}' is empty", what, key);
    out = f.str;
    return true;
  }
  // The levels read for "b"/"bids" or "a"/"asks", swapped into `out` (each side keeps its capacity).
  bool get_levels(table& t, char key, std::vector<price_level>& out) {
    const jfield& f = t[key];
    if (!f.present()) return missing(key);
    if (f.type != jtype::array) return wrong(key, "an array of levels", f.type);
    out.clear();
    out.swap(key == 'b' ? t.bid_levels : t.ask_levels);
    return true;
  }

  const std::string& instrument(std::string_view symbol) {
    return instruments.get(symbol, [&](std::string_view s) { return symbols.normalize(s); });
  }
  void header(event_header& h, std::string_view symbol, std::int64_t exchange_ts, std::int64_t receive_ns) {
    fill_header(h, exchange_id::binance, symbol, instrument(symbol), exchange_ts, receive_ns);
  }

  // The event `out` will hold, of type T, reset; the one already there is reused (no reallocation).
  template <class T>
  static T& emplace(binance_message& out) {
    if (auto* e = std::get_if<event>(&out)) {
      if (auto* v = std::get_if<T>(e)) {
        reset_keep_capacity(*v);
        return *v;
      }
    }
    return std::get<T>(out.emplace<event>(std::in_place_type<T>));
  }

  // ---- message kinds ----

  // trade: E,s,t,p,q,T,m ; aggTrade: E,s,a,p,q,f,l,T,m. m = buyer is maker => the taker sold.
  bool read_trade(const table& t, bool aggregate, std::int64_t recv, binance_message& out) {
    what = aggregate ? "aggTrade" : "trade";
    trade& tr = emplace<trade>(out);
    std::string_view sym;
    std::uint64_t id = 0;
    std::int64_t event_time = 0;
    bool buyer_maker = false;
    if (!get_string(t, 's', sym) || !get_uint(t, aggregate ? 'a' : 't', id) || !get_decimal(t, 'p', tr.price) ||
        !get_decimal(t, 'q', tr.size) || !get_ms(t, 'T', tr.exchange_ts_ns, false) ||
        !get_ms(t, 'E', event_time, false) || !get_bool(t, 'm', buyer_maker))
      return false;
    finish_trade(tr, sym, id, t['T'].present() ? tr.exchange_ts_ns : event_time, buyer_maker, recv);
    return true;
  }
  void finish_trade(trade& tr, std::string_view sym, std::uint64_t id, std::int64_t ts, bool buyer_maker,
                    std::int64_t recv) {
    header(tr, sym, ts, recv);
    tr.sequence = id;
    char digits[24];
    tr.trade_id.assign(digits, std::to_chars(digits, digits + sizeof digits, id).ptr);
    tr.aggressor = buyer_maker ? side::sell : side::buy;
  }

  // 24hrTicker and 24hrMiniTicker: s, E and the decimals of `fields`, in that order.
  bool read_ticker(const table& t, std::string_view name, std::span<const ticker_field> fields, std::int64_t recv,
                   binance_message& out) {
    what = name;
    ticker& tk = emplace<ticker>(out);
    std::string_view sym;
    std::int64_t ts = 0;
    if (!get_string(t, 's', sym) || !get_ms(t, 'E', ts)) return false;
    for (const auto& f : fields)
      if (!get_decimal(t, f.key, tk.*(f.member), f.required)) return false;
    header(tk, sym, ts, recv);
    return true;
  }

  // Spot bookTicker has no event type or time: {u,s,b,B,a,A}. (Futures adds e/E/T; E is used then.)
  bool read_book_ticker(const table& t, std::int64_t recv, binance_message& out) {
    what = "bookTicker";
    ticker& tk = emplace<ticker>(out);
    std::string_view sym;
    std::int64_t ts = 0;
    if (!get_uint(t, 'u', tk.sequence) || !get_string(t, 's', sym) || !get_decimal(t, 'b', tk.bid_price) ||
        !get_decimal(t, 'B', tk.bid_size) || !get_decimal(t, 'a', tk.ask_price) || !get_decimal(t, 'A', tk.ask_size) ||
        !get_ms(t, 'E', ts, false))
      return false;
    header(tk, sym, ts, recv);
    return true;
  }

  bool read_kline(const table& t, std::int64_t recv, binance_message& out) {
    what = "kline";
    candle& c = emplace<candle>(out);
    std::string_view sym, interval;
    std::int64_t ts = 0;
    if (!get_string(t, 's', sym) || !get_ms(t, 'E', ts)) return false;
    if (!t.has_kline) {
      if (t['k'].present()) return wrong('k', "an object", t['k'].type);
      return missing('k');
    }
    what = "kline.k";
    const table& k = kline;
    if (!get_ms(k, 't', c.open_time_ns) || !get_ms(k, 'T', c.close_time_ns) || !get_string(k, 'i', interval) ||
        !get_decimal(k, 'o', c.open) || !get_decimal(k, 'c', c.close) || !get_decimal(k, 'h', c.high) ||
        !get_decimal(k, 'l', c.low) || !get_decimal(k, 'v', c.volume) || !get_uint(k, 'n', c.trades) ||
        !get_bool(k, 'x', c.closed) || !get_decimal(k, 'q', c.quote_volume))
      return false;
    header(c, sym, ts, recv);
    c.interval.assign(interval);
    return true;
  }

  bool read_depth_update(table& t, binance_message& out) {
    what = "depthUpdate";
    binance_depth_diff& d = depth_diff_of(out);
    std::string_view sym;
    if (!get_string(t, 's', sym) || !get_ms(t, 'E', d.event_time_ns) || !get_uint(t, 'U', d.first_update_id) ||
        !get_uint(t, 'u', d.last_update_id) || !get_levels(t, 'b', d.bids) || !get_levels(t, 'a', d.asks))
      return false;
    if (d.first_update_id > d.last_update_id)
      return failf("depthUpdate: first update id U={} is after last u={}", d.first_update_id, d.last_update_id);
    finish_depth_update(d, sym);
    return true;
  }
  // The diff `out` will hold; the one already there is reused (its level vectors keep their capacity).
  static binance_depth_diff& depth_diff_of(binance_message& out) {
    auto* reused = std::get_if<binance_depth_diff>(&out);
    return reused != nullptr ? *reused : out.emplace<binance_depth_diff>();
  }
  void finish_depth_update(binance_depth_diff& d, std::string_view sym) {
    d.symbol.assign(sym);
    d.instrument.assign(instrument(sym));
  }

  // {lastUpdateId,bids,asks}: a depth<N> partial book (WebSocket) or the REST snapshot body.
  bool read_book(table& t, std::uint64_t& last_update_id, std::vector<price_level>& bids,
                 std::vector<price_level>& asks) {
    const jfield& id = t.last_update_id;
    if (id.type != jtype::uint)
      return failf("{}: field 'lastUpdateId' is {}, expected an unsigned integer", what, describe(id.type));
    last_update_id = id.u;
    if (!t['b'].present()) return json_reader::missing("bids");
    if (!t['a'].present()) return json_reader::missing("asks");
    if (t['b'].type != jtype::array) return failf("{}: field 'bids' is not an array", what);
    if (t['a'].type != jtype::array) return failf("{}: field 'asks' is not an array", what);
    bids.clear();
    bids.swap(t.bid_levels);
    asks.clear();
    asks.swap(t.ask_levels);
    return true;
  }

  bool read_partial_book(table& t, std::string_view stream_symbol, std::int64_t recv, binance_message& out) {
    what = "depth";
    book_update& b = emplace<book_update>(out);
    if (!read_book(t, b.sequence, b.bids, b.asks)) return false;
    finish_partial_book(b, stream_symbol, recv);
    return true;
  }
  void finish_partial_book(book_update& b, std::string_view stream_symbol, std::int64_t recv) {
    // The payload names no symbol: take it from the combined stream name (raw streams give none).
    header(b, upper(stream_symbol), 0, recv);
    b.snapshot = true;
    b.first_sequence = b.sequence;
  }

  std::string id_text(const jfield& f) {
    switch (f.type) {
      case jtype::uint: return fmt::format("{}", f.u);
      case jtype::sint: return fmt::format("{}", f.i);
      case jtype::string: return std::string(f.str);
      default: return {};
    }
  }

  bool read_control(const table& t, binance_message& out) {
    binance_control c;
    if (t.result.present()) {
      c.what = binance_control::kind::result;
    } else if (t.code.present()) {
      what = "error reply";
      c.what = binance_control::kind::error;
      if (t.code.type == jtype::uint) {
        c.code = static_cast<std::int64_t>(t.code.u);
      } else if (t.code.type == jtype::sint) {
        c.code = t.code.i;
      } else {
        return failf("error reply: field 'code' is {}, expected an integer", describe(t.code.type));
      }
      if (t.msg.type == jtype::string) c.message.assign(t.msg.str);
    } else {
      c.what = binance_control::kind::request;
      if (t.method.type != jtype::string)
        return failf("request: field 'method' is {}, expected a string", describe(t.method.type));
      c.message.assign(t.method.str);
    }
    c.id = id_text(t.id);
    out = std::move(c);
    return true;
  }

  // Interprets one payload table (the whole message, or the "data" of a combined one).
  bool classify(table& t, std::string_view stream, std::int64_t recv, binance_message& out) {
    std::string_view stream_symbol, channel;
    split_stream(stream, stream_symbol, channel);
    if (const jfield& e = t['e']; e.present()) {
      if (e.type != jtype::string) return failf("field 'e' is {}, expected a string", describe(e.type));
      const std::string_view type = e.str;
      if (type == "trade") return read_trade(t, false, recv, out);
      if (type == "aggTrade") return read_trade(t, true, recv, out);
      if (type == "depthUpdate") return read_depth_update(t, out);
      if (type == "24hrTicker") return read_ticker(t, type, ticker_24h_fields, recv, out);
      if (type == "bookTicker") return read_book_ticker(t, recv, out);
      if (type == "kline") return read_kline(t, recv, out);
      if (type == "24hrMiniTicker") return read_ticker(t, type, mini_ticker_fields, recv, out);
      if (type == "serverShutdown") {
        what = "serverShutdown";
        binance_control c;
        c.what = binance_control::kind::server_shutdown;
        if (!get_ms(t, 'E', c.event_time_ns, false)) return false;
        out = std::move(c);
        return true;
      }
      return failf("unsupported event type '{}'", type.substr(0, 40));
    }
    if (t.last_update_id.present()) return read_partial_book(t, stream_symbol, recv, out);
    if (t['u'].present() && t['s'].present()) return read_book_ticker(t, recv, out);
    if (t.result.present() || t.code.present() || t.method.present()) return read_control(t, out);
    return fail("unrecognised message: no event type and no known shape");
  }

  // ---- the fast path (wire_shape.hpp): the message types Binance sends most, in its field order.
  // Each reader accepts exactly what the general path reads to the same output, or returns false.

  // trade: {"e":"trade","E":..,"s":..,"t":..,"p":..,"q":..,"T":..,"m":..,"M":..}; aggTrade has "a"
  // for "t" and "f","l" after "q". After the "E":.
  bool fast_trade(wire_shape& w, bool aggregate, std::int64_t recv, binance_message& out) {
    std::int64_t event_ns = 0, trade_ns = 0;
    std::string_view sym;
    std::uint64_t id = 0, first = 0, last = 0;
    bool buyer_maker = false, ignored = false;
    trade& tr = emplace<trade>(out);
    if (!w.ms(event_ns) || !w.lit(R"(,"s":)") || !w.str(sym) || sym.empty() ||
        !w.lit(aggregate ? std::string_view(R"(,"a":)") : std::string_view(R"(,"t":)")) || !w.u64(id) ||
        !w.lit(R"(,"p":)") || !w.decimal_str(tr.price) || !w.lit(R"(,"q":)") || !w.decimal_str(tr.size))
      return false;
    if (aggregate && (!w.lit(R"(,"f":)") || !w.u64(first) || !w.lit(R"(,"l":)") || !w.u64(last))) return false;
    if (!w.lit(R"(,"T":)") || !w.ms(trade_ns) || !w.lit(R"(,"m":)") || !w.boolean(buyer_maker) ||
        !w.lit(R"(,"M":)") || !w.boolean(ignored) || !w.lit('}'))
      return false;
    finish_trade(tr, sym, id, trade_ns, buyer_maker, recv);
    return true;
  }

  // {"e":"depthUpdate","E":..,"s":..,"U":..,"u":..,"b":[..],"a":[..]}, after the "E":.
  bool fast_depth_update(wire_shape& w, binance_message& out) {
    binance_depth_diff& d = depth_diff_of(out);
    std::string_view sym;
    if (!w.ms(d.event_time_ns) || !w.lit(R"(,"s":)") || !w.str(sym) || sym.empty() || !w.lit(R"(,"U":)") ||
        !w.u64(d.first_update_id) || !w.lit(R"(,"u":)") || !w.u64(d.last_update_id) || !w.lit(R"(,"b":)") ||
        !wire_levels(w, d.bids) || !w.lit(R"(,"a":)") || !wire_levels(w, d.asks) || !w.lit('}') ||
        d.first_update_id > d.last_update_id)
      return false;
    finish_depth_update(d, sym);
    return true;
  }

  // Spot bookTicker {"u":..,"s":..,"b":..,"B":..,"a":..,"A":..}, after the "u":.
  bool fast_book_ticker(wire_shape& w, std::int64_t recv, binance_message& out) {
    ticker& tk = emplace<ticker>(out);
    std::string_view sym;
    if (!w.u64(tk.sequence) || !w.lit(R"(,"s":)") || !w.str(sym) || sym.empty() || !w.lit(R"(,"b":)") ||
        !w.decimal_str(tk.bid_price) || !w.lit(R"(,"B":)") || !w.decimal_str(tk.bid_size) || !w.lit(R"(,"a":)") ||
        !w.decimal_str(tk.ask_price) || !w.lit(R"(,"A":)") || !w.decimal_str(tk.ask_size) || !w.lit('}'))
      return false;
    header(tk, sym, 0, recv);
    return true;
  }

  // depth<N> partial book {"lastUpdateId":..,"bids":[..],"asks":[..]}, after the "lastUpdateId":.
  bool fast_partial_book(wire_shape& w, std::string_view stream, std::int64_t recv, binance_message& out) {
    book_update& b = emplace<book_update>(out);
    if (!w.u64(b.sequence) || !w.lit(R"(,"bids":)") || !wire_levels(w, b.bids) || !w.lit(R"(,"asks":)") ||
        !wire_levels(w, b.asks) || !w.lit('}'))
      return false;
    std::string_view stream_symbol, channel;
    split_stream(stream, stream_symbol, channel);
    finish_partial_book(b, stream_symbol, recv);
    return true;
  }

  // The whole message on the fast path, raw or inside a combined stream's {"stream":..,"data":..}.
  bool parse_fast(const char* buf, std::size_t len, std::int64_t recv, binance_message& out) {
    wire_shape w(buf, len);
    std::string_view stream;
    const bool combined = w.lit(R"({"stream":)");
    if (combined && (!w.str(stream) || !w.lit(R"(,"data":)"))) return false;
    bool ok = false;
    if (w.lit(R"({"e":"trade","E":)")) {
      ok = fast_trade(w, false, recv, out);
    } else if (w.lit(R"({"e":"aggTrade","E":)")) {
      ok = fast_trade(w, true, recv, out);
    } else if (w.lit(R"({"e":"depthUpdate","E":)")) {
      ok = fast_depth_update(w, out);
    } else if (w.lit(R"({"u":)")) {
      ok = fast_book_ticker(w, recv, out);
    } else if (w.lit(R"({"lastUpdateId":)")) {
      ok = fast_partial_book(w, stream, recv, out);
    }
    return ok && (!combined || w.lit('}')) && w.at_end();
  }

  // Fills the error's book attribution from whatever was read before the failure.
  void attribute(std::string_view stream) {
    std::string_view stream_symbol, channel;
    split_stream(stream, stream_symbol, channel);
    const table& payload = top.has_data ? data : top;
    const jfield& e = payload['e'];
    const jfield& s = payload['s'];
    err->depth = (e.type == jtype::string && e.str == "depthUpdate") || diff_depth_stream(channel);
    if (s.type == jtype::string && !s.str.empty()) {
      err->symbol = upper(s.str);
    } else {
      err->symbol = upper(stream_symbol);
    }
  }

  // Flattened: every reader below is inlined into this one function (the per-field lambdas would
  // otherwise stay calls, about a tenth of the time).
  [[gnu::flatten]] bool parse(const char* buf, std::size_t len, std::size_t capacity, std::int64_t recv,
                              binance_message& out, binance_parse_error& error) {
    error.reason.clear();
    error.symbol.clear();
    error.depth = false;
    if (fast_path_enabled() && parse_fast(buf, len, recv, out)) {
      ++fast_path_hits();
      return true;
    }
    err = &error;
    begin(error.reason);
    const bool loaded = load(buf, len, capacity);
    std::string_view stream = top.stream.type == jtype::string ? top.stream.str : std::string_view{};
    bool ok = loaded;
    if (ok) {
      if (top.has_data || top.stream.present()) {
        if (top.stream.type != jtype::string) {
          ok = fail("combined message: field 'stream' is missing or not a string");
        } else if (!top.has_data) {
          ok = fail("combined message: field 'data' is missing or not an object");
        } else {
          ok = classify(data, stream, recv, out);
        }
      } else {
        ok = classify(top, {}, recv, out);
      }
    }
    if (!ok) {
      // JSON broken before the stream name could be read (e.g. an unclosed string fails the whole
      // document): Binance writes "stream" first, so look for it in the text.
      if (stream.empty()) stream = stream_from_text(std::string_view(buf, len));
      attribute(stream);
    }
    err = nullptr;
    reason = nullptr;
    return ok;
  }
};

binance_parser::binance_parser(binance_symbols symbols) : impl_(std::make_unique<impl>()) {
  impl_->symbols = std::move(symbols);
}
binance_parser::~binance_parser() = default;
binance_parser::binance_parser(binance_parser&&) noexcept = default;
binance_parser& binance_parser::operator=(binance_parser&&) noexcept = default;

const binance_symbols& binance_parser::symbols() const noexcept { return impl_->symbols; }

bool binance_parser::parse_padded(std::string_view msg, std::int64_t receive_ns, binance_message& out,
                                  binance_parse_error& error) {
  return impl_->parse(msg.data(), msg.size(), msg.size() + simdjson::SIMDJSON_PADDING, receive_ns, out, error);
}

bool binance_parser::parse(std::string_view msg, std::int64_t receive_ns, binance_message& out,
                           binance_parse_error& error) {
  return parse_padded(padded_copy(impl_->padded, msg), receive_ns, out, error);
}

bool binance_parser::parse_depth_snapshot(std::string_view body, binance_depth_snapshot& out, std::string& error) {
  auto& self = *impl_;
  binance_parse_error err;
  self.err = &err;
  self.begin(err.reason, "depth snapshot");
  const std::string_view padded = padded_copy(self.padded, body);
  bool ok = self.load(padded.data(), padded.size(), self.padded.size());
  if (ok) {
    table& t = self.top;
    if (!t.last_update_id.present() && t.code.present()) {
      const std::int64_t code = t.code.type == jtype::sint ? t.code.i : static_cast<std::int64_t>(t.code.u);
      ok = self.failf("REST error {}: {}", code, t.msg.type == jtype::string ? t.msg.str : "");
    } else {
      binance_depth_snapshot s;
      ok = self.read_book(t, s.last_update_id, s.bids, s.asks);
      if (ok) out = std::move(s);
    }
  }
  self.err = nullptr;
  self.reason = nullptr;
  if (!ok) error = std::move(err.reason);
  return ok;
}

book_update to_book_update(const binance_depth_diff& diff, std::int64_t receive_ns) {
  book_update b;
  fill_header(b, exchange_id::binance, diff.symbol, diff.instrument, diff.event_time_ns, receive_ns);
  b.sequence = diff.last_update_id;
  b.first_sequence = diff.first_update_id;
  b.snapshot = false;
  b.bids = diff.bids;
  b.asks = diff.asks;
  return b;
}

}  // namespace mdfan::adapters
