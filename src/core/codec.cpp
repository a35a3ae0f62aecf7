#include "core/codec.hpp"
#include "core/codec_ondemand.hpp"

#include <fmt/format.h>

#include <simdjson.h>

#include <charconv>
#include <cstring>

namespace mdfan {
namespace {

// std::to_chars into a stack buffer: no locale, no format string, no per-digit push_back.
template <class Int>
void append_integer(std::string& out, Int v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
void append_int(std::string& out, std::int64_t v) { append_integer(out, v); }
void append_uint(std::string& out, std::uint64_t v) { append_integer(out, v); }

bool needs_escape(char c) noexcept { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

using namespace std::string_view_literals;  // literals with their length known: no strlen per append

// Appends `,"name":` in one append (field names are short literals).
void append_key(std::string& out, std::string_view name) {
  char buf[48];
  if (name.size() > sizeof buf - 4) {
    out += ",\""sv;
    out += name;
    out += "\":"sv;
    return;
  }
  buf[0] = ',';
  buf[1] = '"';
  std::memcpy(buf + 2, name.data(), name.size());
  buf[2 + name.size()] = '"';
  buf[3 + name.size()] = ':';
  out.append(buf, name.size() + 4);
}

void field_decimal(std::string& out, std::string_view name, const decimal& d) {
  if (d.empty()) return;
  append_key(out, name);
  out += '"';
  out += d.str();  // decimals hold only [-0-9.]: no escaping needed
  out += '"';
}

void field_int(std::string& out, std::string_view name, std::int64_t v) {
  append_key(out, name);
  append_int(out, v);
}

void field_uint(std::string& out, std::string_view name, std::uint64_t v) {
  append_key(out, name);
  append_uint(out, v);
}

void field_string(std::string& out, std::string_view name, std::string_view v) {
  append_key(out, name);
  append_json_string(out, v);
}

void append_header(std::string& out, event_type t, const event_header& h) {
  out += "{\"type\":\""sv;
  out += to_string(t);
  out += "\",\"exchange\":\""sv;
  out += to_string(h.exchange);
  out += '"';
  field_string(out, "instrument", h.instrument);
  field_string(out, "symbol", h.symbol);
  field_int(out, "ts", h.exchange_ts_ns);
  field_int(out, "recv", h.receive_ts_ns);
  field_uint(out, "seq", h.sequence);
}

void append_levels(std::string& out, std::string_view name, const std::vector<price_level>& levels) {
  out += ",\"";
  out += name;
  out += "\":[";
  bool first = true;
  for (const auto& l : levels) {
    if (!first) out += ',';
    first = false;
    out += "[\""sv;
    out += l.price.str();
    out += "\",\""sv;
    out += l.size.str();
    out += "\"]"sv;
  }
  out += ']';
}

struct encoder {
  std::string& out;
  void operator()(const ticker& t) const {
    append_header(out, event_type::ticker, t);
    field_decimal(out, "bid", t.bid_price);
    field_decimal(out, "bid_size", t.bid_size);
    field_decimal(out, "ask", t.ask_price);
    field_decimal(out, "ask_size", t.ask_size);
    field_decimal(out, "last", t.last_price);
    field_decimal(out, "last_size", t.last_size);
    field_decimal(out, "open", t.open_24h);
    field_decimal(out, "high", t.high_24h);
    field_decimal(out, "low", t.low_24h);
    field_decimal(out, "volume", t.volume_24h);
    field_decimal(out, "quote_volume", t.quote_volume_24h);
    field_decimal(out, "change", t.change_24h);
    out += '}';
  }
  void operator()(const trade& t) const {
    append_header(out, event_type::trade, t);
    field_string(out, "id", t.trade_id);
    field_decimal(out, "price", t.price);
    field_decimal(out, "size", t.size);
    out += ",\"side\":\""sv;
    out += to_string(t.aggressor);
    out += "\"}"sv;
  }
  void operator()(const book_update& b) const {
    append_header(out, event_type::book, b);
    out += b.snapshot ? ",\"snapshot\":true" : ",\"snapshot\":false";
    field_uint(out, "first_seq", b.first_sequence);
    append_levels(out, "bids", b.bids);
    append_levels(out, "asks", b.asks);
    out += '}';
  }
  void operator()(const candle& c) const {
    append_header(out, event_type::candle, c);
    field_string(out, "interval", c.interval);
    field_int(out, "open_time", c.open_time_ns);
    field_int(out, "close_time", c.close_time_ns);
    field_decimal(out, "open", c.open);
    field_decimal(out, "high", c.high);
    field_decimal(out, "low", c.low);
    field_decimal(out, "close", c.close);
    field_decimal(out, "volume", c.volume);
    field_decimal(out, "quote_volume", c.quote_volume);
    field_uint(out, "trades", c.trades);
    out += c.closed ? ",\"closed\":true}" : ",\"closed\":false}";
  }
};

// ---- decoding ----

using simdjson::ondemand::object;
using simdjson::ondemand::value;

bool fail(std::string* error, std::string_view why) {
  if (error) *error = std::string(why);
  return false;
}

bool read_decimal(value v, decimal& d, std::string_view name, std::string* error) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS || !decimal::parse(s, d))
    return fail(error, fmt::format("field '{}' is not a decimal string", name));
  return true;
}

bool read_levels(value v, std::vector<price_level>& levels, std::string_view name, std::string* error) {
  simdjson::ondemand::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return fail(error, fmt::format("field '{}' is not an array", name));
  for (auto lv : arr) {
    simdjson::ondemand::array pair;
    if (lv.get_array().get(pair) != simdjson::SUCCESS)
      return fail(error, fmt::format("field '{}' has a level that is not an array", name));
    price_level pl;
    int n = 0;
    for (auto x : pair) {
      std::string_view s;
      if (x.get_string().get(s) != simdjson::SUCCESS) return fail(error, fmt::format("bad level in '{}'", name));
      if (n == 0 && !decimal::parse(s, pl.price)) return fail(error, fmt::format("bad price in '{}'", name));
      if (n == 1 && !decimal::parse(s, pl.size)) return fail(error, fmt::format("bad size in '{}'", name));
      ++n;
    }
    if (n != 2) return fail(error, fmt::format("level in '{}' must have 2 entries", name));
    levels.push_back(pl);
  }
  return true;
}

template <typename T>
bool read_number(value v, T& out, std::string_view name, std::string* error) {
  if constexpr (std::is_signed_v<T>) {
    std::int64_t x;
    if (v.get_int64().get(x) != simdjson::SUCCESS) return fail(error, fmt::format("field '{}' is not an integer", name));
    out = x;
  } else {
    std::uint64_t x;
    if (v.get_uint64().get(x) != simdjson::SUCCESS) return fail(error, fmt::format("field '{}' is not an integer", name));
    out = x;
  }
  return true;
}

bool read_string(value v, std::string& out, std::string_view name, std::string* error) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return fail(error, fmt::format("field '{}' is not a string", name));
  out.assign(s);
  return true;
}

// Handles one header field; returns 1 when consumed, 0 when not a header field, -1 on error.
int read_header_field(std::string_view key, value v, event_header& h, std::string* error) {
  if (key == "exchange") {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS || !parse_exchange(s, h.exchange))
      return fail(error, "field 'exchange' is not a known exchange") ? 1 : -1;
    return 1;
  }
  if (key == "instrument") return read_string(v, h.instrument, key, error) ? 1 : -1;
  if (key == "symbol") return read_string(v, h.symbol, key, error) ? 1 : -1;
  if (key == "ts") return read_number(v, h.exchange_ts_ns, key, error) ? 1 : -1;
  if (key == "recv") return read_number(v, h.receive_ts_ns, key, error) ? 1 : -1;
  if (key == "seq") return read_number(v, h.sequence, key, error) ? 1 : -1;
  return 0;
}

bool read_field(std::string_view key, value v, ticker& t, std::string* error) {
  struct entry { std::string_view name; decimal ticker::*member; };
  static constexpr entry fields[] = {
      {"bid", &ticker::bid_price},      {"bid_size", &ticker::bid_size},   {"ask", &ticker::ask_price},
      {"ask_size", &ticker::ask_size},  {"last", &ticker::last_price},     {"last_size", &ticker::last_size},
      {"open", &ticker::open_24h},      {"high", &ticker::high_24h},       {"low", &ticker::low_24h},
      {"volume", &ticker::volume_24h},  {"quote_volume", &ticker::quote_volume_24h},
      {"change", &ticker::change_24h}};
  for (const auto& f : fields)
    if (key == f.name) return read_decimal(v, t.*f.member, key, error);
  return true;  // unknown fields are ignored for forward compatibility
}

bool read_field(std::string_view key, value v, trade& t, std::string* error) {
  if (key == "id") return read_string(v, t.trade_id, key, error);
  if (key == "price") return read_decimal(v, t.price, key, error);
  if (key == "size") return read_decimal(v, t.size, key, error);
  if (key == "side") {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS || !parse_side(s, t.aggressor))
      return fail(error, "field 'side' must be buy, sell or none");
  }
  return true;
}

bool read_field(std::string_view key, value v, book_update& b, std::string* error) {
  if (key == "snapshot") {
    if (v.get_bool().get(b.snapshot) != simdjson::SUCCESS) return fail(error, "field 'snapshot' is not a boolean");
    return true;
  }
  if (key == "first_seq") return read_number(v, b.first_sequence, key, error);
  if (key == "bids") return read_levels(v, b.bids, key, error);
  if (key == "asks") return read_levels(v, b.asks, key, error);
  return true;
}

bool read_field(std::string_view key, value v, candle& c, std::string* error) {
  struct entry { std::string_view name; decimal candle::*member; };
  static constexpr entry fields[] = {{"open", &candle::open},   {"high", &candle::high},
                                     {"low", &candle::low},     {"close", &candle::close},
                                     {"volume", &candle::volume}, {"quote_volume", &candle::quote_volume}};
  for (const auto& f : fields)
    if (key == f.name) return read_decimal(v, c.*f.member, key, error);
  if (key == "interval") return read_string(v, c.interval, key, error);
  if (key == "open_time") return read_number(v, c.open_time_ns, key, error);
  if (key == "close_time") return read_number(v, c.close_time_ns, key, error);
  if (key == "trades") return read_number(v, c.trades, key, error);
  if (key == "closed") {
    if (v.get_bool().get(c.closed) != simdjson::SUCCESS) return fail(error, "field 'closed' is not a boolean");
  }
  return true;
}

template <typename T>
bool read_body(object obj, T& ev, std::string* error) {
  for (auto f : obj) {
    std::string_view key;
    if (f.unescaped_key().get(key) != simdjson::SUCCESS) return fail(error, "bad key");
    value v;
    if (f.value().get(v) != simdjson::SUCCESS) return fail(error, "bad value");
    if (key == "type") continue;
    const int h = read_header_field(key, v, ev, error);
    if (h < 0) return false;
    if (h == 0 && !read_field(key, v, ev, error)) return false;
  }
  if (ev.instrument.empty()) return fail(error, "missing field 'instrument'");
  return true;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  // Almost every string (instruments, symbols, ids, uuids) needs no escaping: copy runs of plain
  // characters in one append instead of one push_back each.
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!needs_escape(s[i])) continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    const char c = s[i];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        }
    }
  }
  out.append(s.data() + start, s.size() - start);
  out += '"';
}

void encode_json(const event& ev, std::string& out) { std::visit(encoder{out}, ev); }

bool decode_json(std::string_view json, event& out, std::string* error) {
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string padded;
  padded.assign(json);
  padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded.data(), json.size(), padded.size()).get(doc) != simdjson::SUCCESS)
    return fail(error, "not JSON");
  object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return fail(error, "not a JSON object");
  return decode_json_object(obj, out, error);
}

bool decode_json_object(object obj, event& out, std::string* error) {
  // "type" is always the first field in our encoding; find it without assuming order.
  std::string_view type_text;
  if (obj.find_field_unordered("type").get_string().get(type_text) != simdjson::SUCCESS)
    return fail(error, "missing field 'type'");
  event_type t;
  if (!parse_event_type(type_text, t)) return fail(error, "unknown event type");
  if (obj.reset().error() != simdjson::SUCCESS) return fail(error, "not JSON");
  switch (t) {
    case event_type::ticker: out.emplace<ticker>(); return read_body(obj, std::get<ticker>(out), error);
    case event_type::trade: out.emplace<trade>(); return read_body(obj, std::get<trade>(out), error);
    case event_type::book: out.emplace<book_update>(); return read_body(obj, std::get<book_update>(out), error);
    case event_type::candle: out.emplace<candle>(); return read_body(obj, std::get<candle>(out), error);
  }
  return fail(error, "unknown event type");
}

}  // namespace mdfan
