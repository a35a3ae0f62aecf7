#include "adapters/bybit/parser.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#endif

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/bybit/config.hpp"
#include "adapters/common/json_reader.hpp"
#include "adapters/common/wire_shape.hpp"

namespace mdfan::adapters {
namespace {

namespace od = simdjson::ondemand;

constexpr std::int64_t ns_per_ms = 1'000'000;

// Topic families this parser maps (tickers.X, publicTrade.X, orderbook.N.X, kline.I.X).
struct topic_parts {
  bybit_kind kind = bybit_kind::other;
  std::string_view symbol;
  std::string_view param;  // depth or interval
  unsigned depth = 0;
};

bool parse_uint(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

topic_parts split_topic(std::string_view topic) {
  topic_parts p;
  const auto dot = topic.find('.');
  if (dot == std::string_view::npos) return p;
  const std::string_view head = topic.substr(0, dot);
  std::string_view rest = topic.substr(dot + 1);
  if (head == "tickers" || head == "publicTrade") {
    if (rest.empty() || rest.find('.') != std::string_view::npos) return p;
    p.kind = head == "tickers" ? bybit_kind::ticker : bybit_kind::trades;
    p.symbol = rest;
    return p;
  }
  if (head == "orderbook" || head == "kline") {
    const auto dot2 = rest.find('.');
    if (dot2 == std::string_view::npos || dot2 == 0 || dot2 + 1 >= rest.size()) return p;
    p.param = rest.substr(0, dot2);
    p.symbol = rest.substr(dot2 + 1);
    if (head == "orderbook") {
      std::uint64_t d = 0;
      if (!parse_uint(p.param, d) || d == 0 || d > 100000) return topic_parts{};
      p.depth = static_cast<unsigned>(d);
      p.kind = bybit_kind::book;
    } else {
      p.kind = bybit_kind::candles;
    }
  }
  return p;
}

// The topic of a message from its text alone (for the error of a message that is not valid JSON).
std::string_view topic_from_text(std::string_view msg) {
  constexpr std::string_view key = R"("topic")";
  const auto at = msg.find(key);
  if (at == std::string_view::npos) return {};
  msg.remove_prefix(at + key.size());
  const auto colon = msg.find_first_not_of(" \t\r\n");
  if (colon == std::string_view::npos || msg[colon] != ':') return {};
  msg.remove_prefix(colon + 1);
  const auto quote = msg.find_first_not_of(" \t\r\n");
  if (quote == std::string_view::npos || msg[quote] != '"') return {};
  msg.remove_prefix(quote + 1);
  const auto end = msg.find('"');
  if (end == std::string_view::npos || end > 100) return {};
  return msg.substr(0, end);
}

// Ticker fields Bybit sends as strings, and where they go. Spot has no best bid/ask in `tickers`.
constexpr auto ticker_keys = index_keys<ticker>({
    {"lastPrice", &ticker::last_price},        {"bid1Price", &ticker::bid_price}, {"bid1Size", &ticker::bid_size},
    {"ask1Price", &ticker::ask_price},         {"ask1Size", &ticker::ask_size},   {"prevPrice24h", &ticker::open_24h},
    {"highPrice24h", &ticker::high_24h},       {"lowPrice24h", &ticker::low_24h}, {"volume24h", &ticker::volume_24h},
    {"turnover24h", &ticker::quote_volume_24h}});

}  // namespace

bool plain_decimal_text(std::string_view text, std::string& out) {
  out.clear();
  std::size_t i = 0;
  const bool neg = i < text.size() && text[i] == '-';
  if (neg) ++i;
  std::string digits;
  std::size_t int_digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') digits += text[i++], ++int_digits;
  if (int_digits == 0) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t before = digits.size();
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') digits += text[i++];
    if (digits.size() == before) return false;
  }
  long exp = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) eneg = text[i++] == '-';
    std::size_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (exp < 1000) exp = exp * 10 + (text[i] - '0');
      ++i, ++n;
    }
    if (n == 0) return false;
    if (eneg) exp = -exp;
  }
  if (i != text.size() || exp > 100 || exp < -100) return false;
  // The decimal point sits after `point` digits of `digits`.
  const long point = static_cast<long>(int_digits) + exp;
  std::string body;
  if (point <= 0) {
    body = "0.";
    body.append(static_cast<std::size_t>(-point), '0');
    body += digits;
  } else if (static_cast<std::size_t>(point) >= digits.size()) {
    body = digits;
    body.append(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    body = digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
  }
  // Leading zeros of the integer part ("00.5" -> "0.5").
  std::size_t lead = 0;
  while (lead + 1 < body.size() && body[lead] == '0' && body[lead + 1] != '.') ++lead;
  if (neg) out += '-';
  out.append(body, lead);
  return true;
}

namespace {

// The envelope fields of a topic message besides "topic" and "data", as read by either path.
struct envelope {
  std::string_view type;
  bool have_type = false, have_data = false;
  std::int64_t ts_ns = 0, cts_ns = 0;
  std::uint64_t cs = 0;  // tickers' cross sequence
};

}  // namespace

struct bybit_parser::impl : json_reader {
  bybit_symbols symbols;
  symbol_cache instruments;  // native symbol -> normalized, through `symbols`
  od::parser parser;
  od::parser aux;           // for a "data" value that came before "topic" (never seen on the wire)
  std::string padded;       // copy buffer for unpadded input
  std::string deferred;     // that "data" value's text, padded
  std::string number_text;  // exponent conversion scratch
  bybit_message* out = nullptr;
  bybit_parse_error* err = nullptr;
  std::int64_t receive_ns = 0;
  topic_parts topic;
  std::size_t trades_used = 0, candles_used = 0;  // entries of the current message in out->trades, candles

  // The fast path's memory of the last ticker message's keys, in its order: Bybit sends a category's
  // ticker keys in one order, so each key is first tried as the one at its position last time (one
  // comparison of `"<key>":`) and read and looked up only when it is another. At most 64 positions.
  struct ticker_key_slot {
    std::string text;                // "\"lastPrice\":" as on the wire; empty: nothing learned yet
    decimal ticker::*member = nullptr;  // the decimal the key fills; nullptr: not a decimal key
    bool symbol = false;             // the key is "symbol"
  };
  static constexpr std::size_t max_ticker_keys = 64;
  std::vector<ticker_key_slot> ticker_order;

  // ---- values

  // An unsigned integer sent as a number or as a decimal string.
  bool read_u64(od::value& v, std::string_view key, std::uint64_t& out_v) {
    const auto uec = v.get_uint64().get(out_v);  // the usual case
    if (!uec) return true;
    if (uec == simdjson::INCORRECT_TYPE) {  // not a number: left unread; a decimal string is accepted
      std::string_view s;
      if (plain_text_of(v, s) == simdjson::SUCCESS && parse_uint(s, out_v)) return true;
    }
    return failf("{}: field '{}' is not an unsigned integer", what, key);
  }
  bool read_ms(od::value& v, std::string_view key, std::int64_t& ns) {
    std::uint64_t ms = 0;
    return read_u64(v, key, ms) && ms_to_ns(ms, key, ns);
  }
  // The payload repeats the topic's symbol: it must be the same.
  bool same_symbol(od::value& v, std::string_view key) {
    std::string_view s;
    if (!get_string(v, key, s)) return false;
    if (s != topic.symbol) return failf("{}: symbol '{}' is not the topic's", what, s.substr(0, 40));
    return true;
  }

  // A price or size: Bybit sends decimal strings; a JSON number is taken as its literal text. An
  // empty string ("preOpenPrice":"") means "not sent" and leaves `d` empty.
  bool read_decimal(od::value& v, std::string_view key, decimal& d) {
    std::string_view s;
    const auto sec = plain_text_of(v, s);  // the usual case; any other type is left unread
    od::json_type t = od::json_type::string;
    if (sec == simdjson::INCORRECT_TYPE) {
      if (auto ec = v.type().get(t)) return fail_json(ec);
    } else if (sec) {
      return fail_json(sec);
    }
    if (t == od::json_type::string) {
      if (s.empty()) return true;
    } else if (t == od::json_type::number) {
      s = v.raw_json_token();
      while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
        s.remove_suffix(1);
      if (s.find_first_of("eE") != std::string_view::npos) {
        if (!plain_decimal_text(s, number_text)) return failf("{}: field '{}' is not a number", what, key);
        s = number_text;
      }
    } else if (t == od::json_type::null) {
      return true;
    } else {
      return wrong(v, key, "a decimal");
    }
    return text_decimal(s, key, d);
  }

  // [[price, size], ...], each a decimal string or number, non-negative.
  bool read_levels(od::value& v, std::string_view key, std::vector<price_level>& levels) {
    return read_levels_with(
        v, key, levels,
        [&](od::value& x, std::size_t n, decimal& d) {
          if (!read_decimal(x, n == 0 ? "price" : "size", d)) return false;
          if (d.empty() || is_negative(d))
            return failf("{}: a level in '{}' has a bad {}", what, key, n == 0 ? "price" : "size");
          return true;
        },
        true);
  }

  // ---- "data" by topic kind

  bool read_book(od::value& v) {
    what = "orderbook";
    od::object obj;
    if (!get_object(v, "data", obj)) return false;
    auto& b = out->book;
    bool have_u = false;
    if (!for_fields(obj, [&](std::string_view key, od::value& fv) {
          if (key == "b") return read_levels(fv, key, b.bids);
          if (key == "a") return read_levels(fv, key, b.asks);
          if (key == "u") return have_u = true, read_u64(fv, key, b.update_id);
          if (key == "seq") return read_u64(fv, key, b.cross_seq);
          if (key == "s") return same_symbol(fv, key);
          return true;
        }))
      return false;
    if (!have_u) return missing("u");
    return true;
  }

  bool read_ticker(od::value& v) {
    what = "tickers";
    od::object obj;
    if (!get_object(v, "data", obj)) return false;
    auto& tk = out->tick;
    reset_keep_capacity(tk);
    return for_fields(obj, [&](std::string_view key, od::value& fv) {
      if (key == "symbol") return same_symbol(fv, key);
      decimal* d = ticker_keys.find(key, tk);
      return d == nullptr || read_decimal(fv, key, *d);
    });
  }

  bool read_trades(od::value& v) {
    what = "publicTrade";
    return for_objects(v, "data", [&](od::object& obj) {
      trade& t = next_slot(out->trades, trades_used);
      bool have_t = false, have_id = false;
      if (!for_fields(obj, [&](std::string_view key, od::value& fv) {
            if (key.size() != 1) return key != "seq" || read_u64(fv, key, t.sequence);
            switch (key[0]) {
              case 'T': return have_t = true, read_ms(fv, key, t.exchange_ts_ns);
              case 'p': return read_decimal(fv, key, t.price);
              case 'v': return read_decimal(fv, key, t.size);
              case 'i': {
                std::string_view s;
                if (!get_string(fv, key, s)) return false;
                t.trade_id.assign(s);
                have_id = true;
                return true;
              }
              case 'S': {
                std::string_view s;
                if (!get_string(fv, key, s)) return false;
                if (s == "Buy") {
                  t.aggressor = side::buy;
                } else if (s == "Sell") {
                  t.aggressor = side::sell;
                } else {
                  return failf("trade side '{}' is not Buy or Sell", s.substr(0, 20));
                }
                return true;
              }
              case 's': return same_symbol(fv, key);
              default: return true;
            }
          }))
        return false;
      if (!have_t || !have_id || t.price.empty() || t.size.empty())
        return fail("trade lacks one of 'T', 'i', 'p', 'v'");
      return true;
    });
  }

  bool read_candles(od::value& v) {
    what = "kline";
    return for_objects(v, "data", [&](od::object& obj) {
      candle& c = next_slot(out->candles, candles_used);
      bool have_start = false, have_end = false;
      if (!for_fields(obj, [&](std::string_view key, od::value& fv) {
            if (key == "start") return have_start = true, read_ms(fv, key, c.open_time_ns);
            if (key == "end") return have_end = true, read_ms(fv, key, c.close_time_ns);
            if (key == "open") return read_decimal(fv, key, c.open);
            if (key == "high") return read_decimal(fv, key, c.high);
            if (key == "low") return read_decimal(fv, key, c.low);
            if (key == "close") return read_decimal(fv, key, c.close);
            if (key == "volume") return read_decimal(fv, key, c.volume);
            if (key == "turnover") return read_decimal(fv, key, c.quote_volume);
            if (key == "confirm") return get_bool(fv, key, c.closed);
            if (key == "timestamp") return read_ms(fv, key, c.exchange_ts_ns);
            return true;
          }))
        return false;
      if (!have_start || !have_end || c.open.empty() || c.close.empty())
        return fail("kline lacks one of 'start', 'end', 'open', 'close'");
      return true;
    });
  }

  bool read_data(od::value& v) {
    switch (topic.kind) {
      case bybit_kind::book: return read_book(v);
      case bybit_kind::ticker: return read_ticker(v);
      case bybit_kind::trades: return read_trades(v);
      case bybit_kind::candles: return read_candles(v);
      default: return true;  // a topic we do not map: its data is skipped
    }
  }

  // Keeps the text of a "data" value seen before "topic", to be read once the topic is known.
  bool defer_data(od::value& v) {
    od::json_type t;
    if (auto ec = v.type().get(t)) return fail_json(ec);
    std::string_view raw;
    if (t == od::json_type::object) {
      od::object o;
      if (auto ec = v.get_object().get(o)) return fail_json(ec);
      if (auto ec = o.raw_json().get(raw)) return fail_json(ec);
    } else if (t == od::json_type::array) {
      od::array a;
      if (auto ec = v.get_array().get(a)) return fail_json(ec);
      if (auto ec = a.raw_json().get(raw)) return fail_json(ec);
    } else {
      return fail("'data' is neither an object nor an array");
    }
    deferred.assign(raw);
    deferred.append(simdjson::SIMDJSON_PADDING, '\0');
    return true;
  }

  bool read_deferred() {
    const std::size_t len = deferred.size() - simdjson::SIMDJSON_PADDING;
    od::document doc;
    if (auto ec = aux.iterate(deferred.data(), len, deferred.size()).get(doc)) return fail_json(ec);
    od::value v;
    if (auto ec = doc.get_value().get(v)) return fail_json(ec);
    return read_data(v);
  }

  // Clears what a message writes into `o` and `e` (slots keep their capacity) and aims the readers
  // at them.
  void start(bybit_message& o, bybit_parse_error& e, std::int64_t recv) {
    e.reason.clear();
    e.symbol.clear();
    e.book = false;
    o.kind = bybit_kind::control;
    o.topic.clear();
    o.book.bids.clear();
    o.book.asks.clear();
    o.book.update_id = o.book.cross_seq = 0;
    o.ticker_delta = false;  // o.tick is reset by the ticker readers: only a ticker message uses it
    trades_used = candles_used = 0;
    out = &o;
    err = &e;
    begin(e.reason);
    receive_ns = recv;
    topic = topic_parts{};
  }

  // ---- the fast path (wire_shape.hpp): topic messages as Bybit sends them, compact, "topic" first.
  // Each reader accepts exactly what the general path reads to the same output, or returns false;
  // the envelope and the ticker fields come in an order that differs between categories and
  // depths, so those are read by key, with the general path's rule for each key.

  // A symbol string that is the topic's.
  bool fast_symbol(wire_shape& w) const {
    std::string_view s;
    return w.str(s) && same_text(s, topic.symbol);
  }

  // orderbook data {"s":..,"b":[..],"a":[..],"u":..,"seq":..}.
  bool fast_book(wire_shape& w) {
    auto& b = out->book;
    return w.lit(R"({"s":)") && fast_symbol(w) && w.lit(R"(,"b":)") && wire_levels(w, b.bids) && w.lit(R"(,"a":)") &&
           wire_levels(w, b.asks) && w.lit(R"(,"u":)") && w.u64(b.update_id) && w.lit(R"(,"seq":)") &&
           w.u64(b.cross_seq) && w.lit('}');
  }

  // tickers data: {"symbol":..,"<key>":"<value>",...}, every value a string, keys in any order (a
  // linear delta sends only the changed ones). A ticker key takes its decimal; "" leaves it unsent,
  // as on the general path; other keys are skipped.
  // The keys are read through ticker_order.
  bool fast_ticker(wire_shape& w) {
    auto& tk = out->tick;
    reset_keep_capacity(tk);
    if (!w.lit('{')) return false;
    std::size_t i = 0;
    ticker_key_slot scratch;  // past max_ticker_keys
    do {
      ticker_key_slot* slot = &scratch;
      if (i < max_ticker_keys) {
        if (i == ticker_order.size()) ticker_order.emplace_back();
        slot = &ticker_order[i];
      }
      ++i;
      if (slot->text.empty() || !w.lit(std::string_view(slot->text))) {
        std::string_view key;
        const char* at = w.position();
        if (!w.str(key) || !w.lit(':')) return false;
        const decimal_key<ticker>* e = ticker_keys.entry(key);
        slot->text.assign(at, w.position());
        slot->member = e != nullptr ? e->member : nullptr;
        slot->symbol = key == "symbol";
      }
      std::string_view val;
      if (slot->member != nullptr) {
        if (!w.lit(R"("")") && !w.decimal_str(tk.*(slot->member))) return false;
      } else if (!w.str(val) || (slot->symbol && !same_text(val, topic.symbol))) {
        return false;
      }
    } while (w.lit(','));
    return w.lit('}');
  }

  // publicTrade data: [{"T":..,"s":..,"S":"Buy"|"Sell","v":..,"p":..,"L":..,"i":..,"BT":..,"seq":..},...],
  // at least one trade; "L" (tick direction) is absent on spot.
  bool fast_trades(wire_shape& w) {
    if (!w.lit('[')) return false;
    do {
      trade& t = next_slot(out->trades, trades_used);
      std::string_view taker, id, ignored;
      bool block = false;
      if (!w.lit(R"({"T":)") || !w.ms(t.exchange_ts_ns) || !w.lit(R"(,"s":)") || !fast_symbol(w) ||
          !w.lit(R"(,"S":)") || !w.str(taker) || !w.lit(R"(,"v":)") || !w.decimal_str(t.size) ||
          !w.lit(R"(,"p":)") || !w.decimal_str(t.price))
        return false;
      if (w.lit(R"(,"L":)") && !w.str(ignored)) return false;
      if (!w.lit(R"(,"i":)") || !w.str(id) || !w.lit(R"(,"BT":)") || !w.boolean(block) || !w.lit(R"(,"seq":)") ||
          !w.u64(t.sequence) || !w.lit('}'))
        return false;
      if (taker == "Buy") {
        t.aggressor = side::buy;
      } else if (taker == "Sell") {
        t.aggressor = side::sell;
      } else {
        return false;
      }
      t.trade_id.assign(id);
    } while (w.lit(','));
    return w.lit(']');
  }

  // kline data: [{"start":..,"end":..,"interval":..,"open":..,"close":..,"high":..,"low":..,
  // "volume":..,"turnover":..,"confirm":..,"timestamp":..},...], at least one, every decimal sent.
  bool fast_candles(wire_shape& w) {
    if (!w.lit('[')) return false;
    do {
      candle& c = next_slot(out->candles, candles_used);
      std::string_view interval;
      if (!w.lit(R"({"start":)") || !w.ms(c.open_time_ns) || !w.lit(R"(,"end":)") || !w.ms(c.close_time_ns) ||
          !w.lit(R"(,"interval":)") || !w.str(interval) || !w.lit(R"(,"open":)") || !w.decimal_str(c.open) ||
          !w.lit(R"(,"close":)") || !w.decimal_str(c.close) || !w.lit(R"(,"high":)") || !w.decimal_str(c.high) ||
          !w.lit(R"(,"low":)") || !w.decimal_str(c.low) || !w.lit(R"(,"volume":)") || !w.decimal_str(c.volume) ||
          !w.lit(R"(,"turnover":)") || !w.decimal_str(c.quote_volume) || !w.lit(R"(,"confirm":)") ||
          !w.boolean(c.closed) || !w.lit(R"(,"timestamp":)") || !w.ms(c.exchange_ts_ns) || !w.lit('}'))
        return false;
    } while (w.lit(','));
    return w.lit(']');
  }

  // The reply to a ping (pong) or a subscription (ack), as spot and linear send it:
  // {"success":..,"ret_msg":..,"conn_id":..[,"req_id":..],"op":..}. It writes the output only once the
  // whole message is read.
  bool fast_reply(wire_shape& w) {
    bool success = false;
    std::string_view ret_msg, conn_id, req_id, op;
    if (!w.boolean(success) || !w.lit(R"(,"ret_msg":)") || !w.str(ret_msg) || !w.lit(R"(,"conn_id":)") ||
        !w.str(conn_id) || (w.lit(R"(,"req_id":)") && !w.str(req_id)) || !w.lit(R"(,"op":)") || !w.str(op) ||
        !w.lit('}') || !w.at_end())
      return false;
    finish_control(reply_kind(op), op, ret_msg, req_id, success);
    return true;
  }

  // {"topic":..,<"type","ts","cts","cs","data" in any order, each at most once>}; "data" must be
  // there and "type" be "snapshot" or "delta". Or a reply (fast_reply).
  [[gnu::flatten]] bool parse_fast(std::string_view msg) {
    wire_shape w(msg.data(), msg.size());
    std::string_view name;
    if (w.lit(R"({"success":)")) return fast_reply(w);
    if (!w.lit(R"({"topic":)") || !w.str(name)) return false;
    out->topic.assign(name);
    topic = split_topic(out->topic);
    envelope env;
    unsigned seen = 0;
    while (w.lit(',')) {
      unsigned field = 0;
      bool ok = false;
      if (w.lit(R"("data":)")) {
        field = 1;
        ok = (seen & field) == 0 && fast_data(w);
        env.have_data = true;
      } else if (w.lit(R"("type":)")) {
        field = 2;
        ok = w.str(env.type);
        env.have_type = true;
      } else if (w.lit(R"("ts":)")) {
        field = 4;
        ok = w.ms(env.ts_ns);
      } else if (w.lit(R"("cts":)")) {
        field = 8;
        ok = w.ms(env.cts_ns);
      } else if (w.lit(R"("cs":)")) {
        field = 16;
        ok = w.u64(env.cs);
      }
      if (!ok || (seen & field) != 0) return false;
      seen |= field;
    }
    if (!w.lit('}') || !w.at_end() || !env.have_data || (env.type != "snapshot" && env.type != "delta")) return false;
    return finish_topic(env);
  }
  bool fast_data(wire_shape& w) {
    switch (topic.kind) {
      case bybit_kind::book: return fast_book(w);
      case bybit_kind::ticker: return fast_ticker(w);
      case bybit_kind::trades: return fast_trades(w);
      case bybit_kind::candles: return fast_candles(w);
      default: return false;  // control traffic and unmapped topics: the general path
    }
  }

  // ---- the message

  // Flattened: every reader below is inlined into this one function (the per-field lambdas would
  // otherwise stay calls, about a tenth of the time).
  [[gnu::flatten]] bool parse(std::string_view msg) {
    od::document doc;
    if (auto ec = parser.iterate(msg.data(), msg.size(), msg.size() + simdjson::SIMDJSON_PADDING).get(doc))
      return fail_json(ec);
    od::object obj;
    if (auto ec = doc.get_object().get(obj)) {
      if (ec == simdjson::INCORRECT_TYPE) return fail("not a JSON object");
      return fail_json(ec);
    }
    envelope env;
    std::string_view op, ret_msg, req_id;
    bool have_op = false, have_success = false, success = false, have_args = false, deferred_data = false;
    what = "message";
    if (!for_fields(obj, [&](std::string_view key, od::value& v) {
          if (key == "topic") {
            std::string_view t;
            if (!get_string(v, key, t)) return false;
            out->topic.assign(t);
            topic = split_topic(out->topic);
            return true;
          }
          if (key == "data") {
            env.have_data = true;
            if (!out->topic.empty()) return read_data(v);
            deferred_data = true;
            return defer_data(v);
          }
          if (key == "type") return env.have_type = true, get_string(v, key, env.type);
          if (key == "ts") return read_ms(v, key, env.ts_ns);
          if (key == "cts") return read_ms(v, key, env.cts_ns);
          if (key == "cs") return read_u64(v, key, env.cs);
          if (key == "op") return have_op = true, get_string(v, key, op);
          if (key == "success") return have_success = true, get_bool(v, key, success);
          if (key == "ret_msg") return get_string(v, key, ret_msg);
          if (key == "req_id") return get_string(v, key, req_id);
          if (key == "args") have_args = true;
          return true;
        }))
      return false;

    if (out->topic.empty()) {
      bybit_control::kind what;
      if (env.have_type && env.type == "COMMAND_RESP") {
        what = bybit_control::kind::ack;
      } else if (have_op && op == "pong") {
        what = bybit_control::kind::pong;
      } else if (have_op && have_success) {
        what = reply_kind(op);
      } else if (have_op && (have_args || op == "ping")) {
        what = bybit_control::kind::request;
      } else {
        return fail("neither a topic message nor a reply");
      }
      finish_control(what, op, ret_msg, req_id, !have_success || success);
      return true;
    }

    if (deferred_data && !read_deferred()) return false;
    return finish_topic(env);
  }

  // Control traffic once its fields are read (by either path).
  // A reply ({"success":..,"op":..}): to a ping (op "ping", or "pong") or to anything else (an ack).
  static bybit_control::kind reply_kind(std::string_view op) {
    return op == "ping" || op == "pong" ? bybit_control::kind::pong : bybit_control::kind::ack;
  }
  void finish_control(bybit_control::kind what, std::string_view op, std::string_view ret_msg, std::string_view req_id,
                      bool success) {
    auto& c = out->control;
    out->kind = bybit_kind::control;
    c.what = what;
    c.op.assign(op);
    c.ret_msg.assign(ret_msg);
    c.req_id.assign(req_id);
    c.success = success;
  }

  // A topic message once its fields are read (by either path): the kind, the envelope's times and
  // sequences, symbol and instrument on every event.
  bool finish_topic(const envelope& env) {
    out->kind = topic.kind;
    if (topic.kind == bybit_kind::other) return true;
    if (!env.have_data) return failf("'{}' message has no 'data'", out->topic.substr(0, 60));
    const bool snapshot = env.have_type && env.type == "snapshot";
    const bool delta = env.have_type && env.type == "delta";
    const std::string& instrument =
        instruments.get(topic.symbol, [&](std::string_view s) { return symbols.normalize(s); });

    switch (topic.kind) {
      case bybit_kind::book: {
        if (!snapshot && !delta) return fail("orderbook 'type' is neither snapshot nor delta");
        auto& b = out->book;
        b.symbol.assign(topic.symbol);
        b.depth = topic.depth;
        b.snapshot = snapshot;
        b.ts_ns = env.ts_ns;
        b.cts_ns = env.cts_ns;
        break;
      }
      case bybit_kind::ticker: {
        if (!snapshot && !delta) return fail("tickers 'type' is neither snapshot nor delta");
        auto& tk = out->tick;
        tk.exchange = exchange_id::bybit;
        tk.symbol.assign(topic.symbol);
        tk.instrument.assign(instrument);
        tk.exchange_ts_ns = env.ts_ns;
        tk.receive_ts_ns = receive_ns;
        tk.sequence = env.cs;
        out->ticker_delta = delta;
        break;
      }
      case bybit_kind::trades:
        for (std::size_t i = 0; i < trades_used; ++i) {
          trade& t = out->trades[i];
          t.exchange = exchange_id::bybit;
          t.symbol.assign(topic.symbol);
          t.instrument.assign(instrument);
          t.receive_ts_ns = receive_ns;
        }
        break;
      case bybit_kind::candles: {
        const std::string interval = bybit_interval_name(topic.param);
        for (std::size_t i = 0; i < candles_used; ++i) {
          candle& c = out->candles[i];
          c.exchange = exchange_id::bybit;
          c.symbol.assign(topic.symbol);
          c.instrument.assign(instrument);
          c.receive_ts_ns = receive_ns;
          c.interval = interval;
          if (c.exchange_ts_ns == 0) c.exchange_ts_ns = env.ts_ns;
        }
        break;
      }
      default: break;
    }
    return true;
  }
};

bybit_parser::bybit_parser(bybit_symbols symbols) : impl_(std::make_unique<impl>()) {
  impl_->symbols = std::move(symbols);
}
bybit_parser::~bybit_parser() = default;
bybit_parser::bybit_parser(bybit_parser&&) noexcept = default;
bybit_parser& bybit_parser::operator=(bybit_parser&&) noexcept = default;

const bybit_symbols& bybit_parser::symbols() const noexcept { return impl_->symbols; }

bool bybit_parser::parse_padded(std::string_view msg, std::int64_t receive_ns, bybit_message& out,
                                bybit_parse_error& error) {
  auto& p = *impl_;
  // The previous message's entries were reused or are dropped here (a call only when the count changed).
  const auto fit = [&p, &out] {
    if (out.trades.size() != p.trades_used) out.trades.resize(p.trades_used);
    if (out.candles.size() != p.candles_used) out.candles.resize(p.candles_used);
  };
  p.start(out, error, receive_ns);
  if (fast_path_enabled()) {
    if (p.parse_fast(msg)) {
      fit();
      ++fast_path_hits();
      return true;
    }
    // Nothing the fast path wrote counts. It writes nothing before it has read a topic: control
    // traffic costs one comparison.
    if (!out.topic.empty()) p.start(out, error, receive_ns);
  }
  const bool ok = p.parse(msg);
  fit();
  if (ok) return true;
  // Which book the bad message concerned, from the parsed topic or, failing that, the raw text.
  const std::string_view topic = out.topic.empty() ? topic_from_text(msg) : std::string_view(out.topic);
  const topic_parts parts = split_topic(topic);
  error.symbol.assign(parts.symbol);
  error.book = parts.kind == bybit_kind::book;
  if (error.reason.empty()) error.reason = "malformed message";
  return false;
}

bool bybit_parser::parse(std::string_view msg, std::int64_t receive_ns, bybit_message& out, bybit_parse_error& error) {
  return parse_padded(padded_copy(impl_->padded, msg), receive_ns, out, error);
}

book_update to_book_update(const bybit_book_message& m, const bybit_symbols& symbols, std::int64_t receive_ns) {
  book_update u;
  fill_header(u, exchange_id::bybit, m.symbol, symbols.normalize(m.symbol), m.ts_ns, receive_ns);
  u.sequence = m.update_id;
  u.first_sequence = m.update_id;
  u.snapshot = m.snapshot || m.update_id == 1;
  u.bids = m.bids;
  u.asks = m.asks;
  return u;
}

void merge_ticker(ticker& state, const ticker& delta) {
  for (const auto& k : ticker_keys)
    if (!(delta.*(k.member)).empty()) state.*(k.member) = delta.*(k.member);
  state.exchange = delta.exchange;
  if (!delta.symbol.empty()) state.symbol = delta.symbol;
  if (!delta.instrument.empty()) state.instrument = delta.instrument;
  state.exchange_ts_ns = delta.exchange_ts_ns;
  state.receive_ts_ns = delta.receive_ts_ns;
  state.sequence = delta.sequence;
}

}  // namespace mdfan::adapters
