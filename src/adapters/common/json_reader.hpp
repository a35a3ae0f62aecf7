#pragma once
// What every exchange parser does with a simdjson On-Demand document: read a field as a string,
// integer, decimal, object or array and say precisely why when it cannot; walk an object's fields
// in document order by their raw keys; read [[price, size, ...], ...] book levels; map native
// symbols to normalized instruments once per symbol. Header-only: the hot functions inline into
// each parser, the error paths stay out of line.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/common/wire_shape.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

// "a string", "a number", ...: a JSON type as an error reason names it.
inline std::string_view describe(simdjson::ondemand::json_type t) noexcept {
  using jt = simdjson::ondemand::json_type;
  switch (t) {
    case jt::array: return "an array";
    case jt::object: return "an object";
    case jt::number: return "a number";
    case jt::string: return "a string";
    case jt::boolean: return "a boolean";
    case jt::null: return "null";
  }
  return "?";
}

// `msg` copied into `buf` and followed by simdjson's padding: for a parse() of unpadded input.
inline std::string_view padded_copy(std::string& buf, std::string_view msg) {
  buf.assign(msg);
  buf.append(simdjson::SIMDJSON_PADDING, '\0');
  return {buf.data(), msg.size()};
}

inline bool is_negative(const decimal& d) noexcept { return !d.empty() && d.str().front() == '-'; }
// A book level's price or size: a decimal that is not negative.
inline bool parse_level_decimal(std::string_view s, decimal& d) noexcept {
  return decimal::parse(s, d) && !is_negative(d);
}

// Appends a level made of decimals already read. Out of line on purpose: inside the large flattened
// readers GCC judges the level loop cold and expands the 62-byte copy of a level (or the zero fill of
// one made in place by emplace_back()) as `rep movsb` / `rep stosb`, slow to start, once per level;
// here the fill and the copy are a few vector moves. (A decimal's own construction writes only its
// length.)
[[gnu::noinline]] inline void add_level(std::vector<price_level>& levels, const decimal& price, const decimal& size) {
  price_level& l = levels.emplace_back();
  l.price = price;
  l.size = size;
}

// A book level's price or size on the fast path: a decimal string (wire_shape::decimal_str) that is
// not negative, as parse_level_decimal() takes one.
inline bool wire_level_decimal(wire_shape& w, decimal& d) noexcept { return w.decimal_str(d) && !is_negative(d); }

// The fast path's book side in the form Binance and Bybit send, [["price","size"],...]: exactly two
// non-negative decimal strings per level (wire_shape.hpp); false for anything else.
inline bool wire_levels(wire_shape& w, std::vector<price_level>& out) {
  out.clear();
  if (!w.lit('[')) return false;
  if (w.lit(']')) return true;
  do {
    decimal price, size;
    if (!w.lit('[') || !wire_level_decimal(w, price) || !w.lit(',') || !wire_level_decimal(w, size) || !w.lit(']'))
      return false;
    add_level(out, price, size);
  } while (w.lit(','));
  return w.lit(']');
}

// An RFC 3339 time -> ns since the epoch: "YYYY-MM-DD" 'T' (or 't', ' ') "HH:MM:SS", an optional
// fraction (digits past the 9th ignored), then "Z" or, unless `utc_only`, any "+hh:mm"/"-hh:mm"
// offset ("+00:00" and "-00:00" always). Times before 1970 or past 2262 are rejected. Fixed
// positions, no loops but the fraction's: exchanges stamp every trade with one.
inline bool rfc3339_ns(std::string_view s, std::int64_t& ns, bool utc_only) noexcept {
  if (s.size() < 20) return false;
  const char* const p = s.data();
  auto two = [p](std::size_t i, unsigned& v) {
    const unsigned a = static_cast<unsigned char>(p[i]) - '0', b = static_cast<unsigned char>(p[i + 1]) - '0';
    v = a * 10 + b;
    return a < 10 && b < 10;
  };
  unsigned y_hi = 0, y_lo = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!two(0, y_hi) || !two(2, y_lo) || p[4] != '-' || !two(5, mo) || p[7] != '-' || !two(8, d) ||
      (p[10] != 'T' && p[10] != 't' && p[10] != ' ') || !two(11, h) || p[13] != ':' || !two(14, mi) || p[16] != ':' ||
      !two(17, sec))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  std::size_t i = 19;
  std::int64_t frac = 0;
  if (p[i] == '.') {
    int n = 0;
    for (++i; i < s.size() && static_cast<unsigned>(static_cast<unsigned char>(p[i]) - '0') < 10; ++i, ++n)
      if (n < 9) frac = frac * 10 + (p[i] - '0');
    if (n == 0) return false;
    for (; n < 9; ++n) frac *= 10;
  }
  std::int64_t offset_s = 0;
  const std::size_t zone = s.size() - i;
  if (zone == 1 && (p[i] == 'Z' || p[i] == 'z')) {
    // UTC
  } else if (zone == 6 && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
    unsigned oh = 0, om = 0;
    if (!two(i + 1, oh) || !two(i + 4, om) || (utc_only && (oh != 0 || om != 0))) return false;
    offset_s = (p[i] == '-' ? -1 : 1) * static_cast<std::int64_t>(oh * 3600 + om * 60);
  } else {
    return false;
  }
  // Days since 1970-01-01 of the proleptic Gregorian date (Howard Hinnant's days_from_civil).
  const std::int64_t y = static_cast<std::int64_t>(y_hi * 100 + y_lo) - (mo <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + static_cast<std::int64_t>(doe) - 719468;
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  if (secs < 0 || secs > std::numeric_limits<std::int64_t>::max() / 1'000'000'000 - 1) return false;
  ns = secs * 1'000'000'000 + frac;
  return true;
}

// Key -> decimal member, for objects whose fields are mostly decimals (tickers, candles).
template <class T>
struct decimal_key {
  std::string_view key;
  decimal T::*member;
};

// A table of decimal_keys with a constant index: a key's length and three of its bytes pick the one
// entry it can be, and one comparison decides (a ticker of 26 fields looks up every field, most of them
// not in the table). Built at compile time by index_keys(); two keys of a table that share a slot
// fail to compile ("decimal key slots collide": change the slot function's constants).
template <class T, std::size_t N>
class decimal_keys {
 public:
  static_assert(N < 255);
  consteval explicit decimal_keys(const decimal_key<T> (&keys)[N]) {
    for (std::size_t i = 0; i < N; ++i) {
      if (keys[i].key.empty()) throw "decimal keys must not be empty";
      std::uint8_t& s = slots_[slot_of(keys[i].key)];
      if (s != 0) throw "decimal key slots collide";
      s = static_cast<std::uint8_t>(i + 1);
      keys_[i] = keys[i];
    }
  }
  // The entry of `key`, or nullptr.
  const decimal_key<T>* entry(std::string_view key) const noexcept {
    if (key.empty()) return nullptr;
    const std::uint8_t s = slots_[slot_of(key)];
    if (s == 0) return nullptr;
    const decimal_key<T>& k = keys_[s - 1];
    return same_text(k.key, key) ? &k : nullptr;
  }
  decimal* find(std::string_view key, T& obj) const noexcept {
    const decimal_key<T>* k = entry(key);
    return k != nullptr ? &(obj.*(k->member)) : nullptr;
  }
  const decimal_key<T>* begin() const noexcept { return keys_; }
  const decimal_key<T>* end() const noexcept { return keys_ + N; }

 private:
  static constexpr std::size_t slot_of(std::string_view k) noexcept {
    const auto byte = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(k[i])); };
    return (k.size() + byte(0) + 3 * byte(k.size() - 1) + byte(k.size() > 5 ? 5 : k.size() - 1)) & 63;
  }
  decimal_key<T> keys_[N]{};
  std::uint8_t slots_[64]{};  // entry + 1; 0: no key
};
template <class T, std::size_t N>
consteval decimal_keys<T, N> index_keys(const decimal_key<T> (&keys)[N]) {
  return decimal_keys<T, N>(keys);
}

// The base of each exchange parser's state: the error sink of the message being parsed and the
// reading primitives. Every primitive returns false after recording a reason; the first reason of a
// message is kept (later ones are consequences). Reasons read "<what>: field '<key>' is <actual>,
// expected <expected>", "<what>: missing field '<key>'", "not JSON (<simdjson's message>)".
struct json_reader {
  using value = simdjson::ondemand::value;
  using object = simdjson::ondemand::object;
  using array = simdjson::ondemand::array;
  using document = simdjson::ondemand::document;

  std::string* reason = nullptr;  // the current message's error reason; set by begin()
  std::string_view what;          // the object being read, for error reasons

  enum decimal_rule : unsigned {
    any = 0,
    non_negative = 1,  // "-1" is an error
    empty_ok = 2,      // "" leaves the decimal empty (the exchange's way of saying "no value")
  };

  void begin(std::string& r, std::string_view w = "message") noexcept {
    reason = &r;
    what = w;
  }

  // ---- errors (out of line: never on the happy path)

  [[gnu::cold, gnu::noinline]] bool fail(std::string r) {
    if (reason->empty()) *reason = std::move(r);
    return false;
  }
  template <typename... Args>
  [[gnu::cold, gnu::noinline]] bool failf(fmt::format_string<Args...> f, Args&&... args) {
    if (!reason->empty()) return false;
    return fail(fmt::format(f, std::forward<Args>(args)...));
  }
  [[gnu::cold, gnu::noinline]] bool fail_json(simdjson::error_code ec) {
    return failf("not JSON ({})", simdjson::error_message(ec));
  }
  [[gnu::cold, gnu::noinline]] bool missing(std::string_view key) { return failf("{}: missing field '{}'", what, key); }
  // `v` was not what `expected` says: names what it was instead.
  [[gnu::cold, gnu::noinline]] bool wrong(value& v, std::string_view key, std::string_view expected) {
    simdjson::ondemand::json_type t;
    if (auto ec = v.type().get(t)) return fail_json(ec);
    return failf("{}: field '{}' is {}, expected {}", what, key, describe(t), expected);
  }
  // A failed get_*(): a type or range error is the field's fault, anything else the document's.
  [[gnu::cold, gnu::noinline]] bool bad_value(simdjson::error_code ec, value& v, std::string_view key,
                                              std::string_view expected) {
    if (ec == simdjson::INCORRECT_TYPE || ec == simdjson::NUMBER_ERROR || ec == simdjson::NUMBER_OUT_OF_RANGE)
      return wrong(v, key, expected);
    return fail_json(ec);
  }

  // ---- values

  // A string value's text as written, viewed in place in the input: no copy, no call into simdjson.
  // Only for values validated as digits afterwards (decimals, times, counts): an escape is not
  // unescaped, so it fails that validation, as an escaped digit should on the wire. INCORRECT_TYPE
  // for a value that is not a string, which stays unread.
  [[gnu::always_inline]] static simdjson::error_code plain_text_of(value& v, std::string_view& s) noexcept {
    std::string_view raw = v.raw_json_token();  // the string and any white space up to the next token
    while (raw.size() > 2 && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
      raw.remove_suffix(1);
    if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
      s = raw.substr(1, raw.size() - 2);
      return simdjson::SUCCESS;
    }
    return v.get_string().get(s);
  }
  // Any string value as a view: in place when it has no escape (no copy, no call into simdjson),
  // else unescaped by simdjson.
  [[gnu::always_inline]] static simdjson::error_code text_of(value& v, std::string_view& s) noexcept {
    if (auto ec = plain_text_of(v, s)) return ec;
    if (std::memchr(s.data(), '\\', s.size()) == nullptr) return simdjson::SUCCESS;
    return v.get_string().get(s);
  }
  bool get_string(value& v, std::string_view key, std::string_view& s) {
    if (auto ec = v.get_string().get(s)) return bad_value(ec, v, key, "a string");
    return true;
  }
  bool get_nonempty_string(value& v, std::string_view key, std::string_view& s) {
    if (!get_string(v, key, s)) return false;
    if (s.empty()) return failf("{}: field '{}' is empty", what, key);
    return true;
  }
  bool get_uint(value& v, std::string_view key, std::uint64_t& u) {
    if (auto ec = v.get_uint64().get(u)) return bad_value(ec, v, key, "an unsigned integer");
    return true;
  }
  bool get_int(value& v, std::string_view key, std::int64_t& i) {
    if (auto ec = v.get_int64().get(i)) return bad_value(ec, v, key, "an integer");
    return true;
  }
  bool get_bool(value& v, std::string_view key, bool& b) {
    if (auto ec = v.get_bool().get(b)) return bad_value(ec, v, key, "a boolean");
    return true;
  }
  bool get_object(value& v, std::string_view key, object& o) {
    if (auto ec = v.get_object().get(o)) return bad_value(ec, v, key, "an object");
    return true;
  }
  bool get_array(value& v, std::string_view key, array& a) {
    if (auto ec = v.get_array().get(a)) return bad_value(ec, v, key, "an array");
    return true;
  }
  // A decimal sent as a string, kept as its exact text.
  bool get_decimal(value& v, std::string_view key, decimal& d, unsigned rule = any) {
    std::string_view s;
    if (auto ec = plain_text_of(v, s)) return bad_value(ec, v, key, "a decimal string");
    return text_decimal(s, key, d, rule);
  }
  bool text_decimal(std::string_view s, std::string_view key, decimal& d, unsigned rule = any) {
    if (s.empty() && (rule & empty_ok) != 0) return true;
    if (!decimal::parse(s, d)) return failf("{}: field '{}' is not a decimal: '{}'", what, key, s.substr(0, 40));
    if ((rule & non_negative) != 0 && is_negative(d))
      return failf("{}: field '{}' is negative: '{}'", what, key, s.substr(0, 40));
    return true;
  }
  // Integer milliseconds since the epoch -> ns.
  bool get_ms(value& v, std::string_view key, std::int64_t& ns) {
    std::uint64_t ms = 0;
    if (auto ec = v.get_uint64().get(ms)) return bad_value(ec, v, key, "a time in ms");
    return ms_to_ns(ms, key, ns);
  }
  bool ms_to_ns(std::uint64_t ms, std::string_view key, std::int64_t& ns) {
    if (!epoch_ms_to_ns(ms, ns)) return failf("{}: time field '{}' out of range", what, key);
    return true;
  }

  // ---- structure

  // An object's fields in document order: f(std::string_view key, value& v) -> bool. Keys are read in
  // place (exchange keys are plain ASCII); only a key written with an escape is unescaped.
  template <class F>
  [[gnu::always_inline]] bool for_fields(object& obj, F&& f) {
    for (auto field_r : obj) {
      simdjson::ondemand::field field;
      if (auto ec = std::move(field_r).get(field)) return fail_json(ec);
      const char* raw = field.key().raw();
      std::size_t n = 0;
      while (raw[n] != '"' && raw[n] != '\\') ++n;  // stage 1 indexed the closing quote
      std::string_view key(raw, n);
      if (raw[n] != '"') {
        if (auto ec = field.unescaped_key().get(key)) return fail_json(ec);
      }
      if (!f(key, field.value())) return false;
    }
    return true;
  }
  // An array's elements: f(value& v) -> bool.
  template <class F>
  [[gnu::always_inline]] bool for_items(array& arr, F&& f) {
    for (auto item_r : arr) {
      value item;
      if (auto ec = std::move(item_r).get(item)) return fail_json(ec);
      if (!f(item)) return false;
    }
    return true;
  }
  // `v` is an array of objects: f(object& o) -> bool for each.
  template <class F>
  bool for_objects(value& v, std::string_view key, F&& f) {
    array arr;
    if (!get_array(v, key, arr)) return false;
    return for_items(arr, [&](value& item) {
      object o;
      if (auto ec = item.get_object().get(o)) {
        if (ec == simdjson::INCORRECT_TYPE) return failf("{}: an entry of '{}' is not an object", what, key);
        return fail_json(ec);
      }
      return f(o);
    });
  }

  // [[price, size, ...], ...]: `entry(value& x, std::size_t n, decimal& d)` reads entry n (0 price,
  // 1 size) of a level. Entries after the first two are skipped, or an error when `pairs_only`.
  // Appends to `out`.
  template <class Entry>
  bool read_levels_with(value& v, std::string_view key, std::vector<price_level>& out, Entry&& entry,
                        bool pairs_only = false) {
    array arr;
    if (auto ec = v.get_array().get(arr)) return bad_value(ec, v, key, "an array of levels");
    for (auto level_r : arr) {
      array level;
      if (auto ec = level_r.get_array().get(level)) {
        if (ec == simdjson::INCORRECT_TYPE) return failf("{}: a level in '{}' is not an array", what, key);
        return fail_json(ec);
      }
      decimal price, size;
      std::size_t n = 0;
      for (auto x_r : level) {
        value x;
        if (auto ec = std::move(x_r).get(x)) return fail_json(ec);
        if (n < 2 && !entry(x, n, n == 0 ? price : size)) return false;
        ++n;
      }
      if (n < 2 || (pairs_only && n > 2))
        return failf("{}: a level in '{}' has {} entries, expected [price, size]", what, key, n);
      add_level(out, price, size);
    }
    return true;
  }
  // Levels of non-negative decimal strings (Binance, OKX); entries after the first two (order
  // counts, deprecated fields) skipped.
  bool read_levels(value& v, std::string_view key, std::vector<price_level>& out) {
    return read_levels_with(v, key, out, [&](value& x, std::size_t n, decimal& d) {
      std::string_view s;
      if (auto ec = plain_text_of(x, s)) return bad_level(ec, key, n, s);
      if (!parse_level_decimal(s, d)) return bad_level({}, key, n, s);
      return true;
    });
  }
  [[gnu::cold, gnu::noinline]] bool bad_level(simdjson::error_code ec, std::string_view key, std::size_t n,
                                              std::string_view s) {
    const std::string_view which = n == 0 ? "price" : "size";
    if (ec == simdjson::INCORRECT_TYPE)
      return failf("{}: a level in '{}' has a {} that is not a string", what, key, which);
    if (ec) return fail_json(ec);
    return failf("{}: a level in '{}' has a bad {} '{}'", what, key, which, s.substr(0, 40));
  }

  // After the root object: anything but the end of the input is trailing content.
  bool at_end(document& doc) {
    // Past the end of the document, current_location() reports OUT_OF_BOUNDS.
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
      return fail("trailing content after the JSON object");
    return true;
  }
};

// Native symbol -> normalized instrument, worked out once per symbol so that the normalization
// (overrides, quote-asset list, case) is not redone for every message. One per parser. Bounded:
// past max_entries (far more symbols than a connection carries) it forgets everything and starts over.
class symbol_cache {
 public:
  static constexpr std::size_t max_entries = 4096;

  template <class Normalize>
  const std::string& get(std::string_view native, Normalize&& normalize) {
    if (last_ != nullptr && same_text(last_->first, native)) return last_->second;
    auto it = map_.find(native);
    if (it == map_.end()) {
      if (map_.size() >= max_entries) map_.clear();
      it = map_.emplace(std::string(native), std::string(normalize(native))).first;
    }
    last_ = &*it;
    return it->second;
  }
  void clear() noexcept {
    map_.clear();
    last_ = nullptr;
  }

 private:
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, hash, std::equal_to<>> map_;
  const std::pair<const std::string, std::string>* last_ = nullptr;
};

// Back to a default value, keeping the capacity of its strings and vectors: an output reused from one
// message to the next then allocates nothing in the steady state. (Assigning a default-constructed
// value keeps a string's buffer, but frees a vector's.)
// The events are reset field by field (a decimal by its length alone) rather than by assigning a
// temporary, which would zero and copy every decimal's bytes: a ticker has twelve. Each event is
// checked against a copy of the fields reset here, so a field added to an event that changes its size
// fails to compile until its reset is added.
template <class T>
void reset_keep_capacity(T& v) {
  v = T{};
}
inline void reset_keep_capacity(event_header& h) {
  h.exchange = exchange_id::binance;
  h.instrument.clear();
  h.symbol.clear();
  h.exchange_ts_ns = h.receive_ts_ns = 0;
  h.sequence = 0;
}
namespace reset_check {
struct ticker_fields : event_header {
  decimal d[12];
};
struct trade_fields : event_header {
  std::string id;
  decimal price, size;
  side aggressor;
};
struct candle_fields : event_header {
  std::string interval;
  std::int64_t open, close;
  decimal d[6];
  std::uint64_t trades;
  bool closed;
};
struct book_fields : event_header {
  bool snapshot;
  std::uint64_t first;
  std::vector<price_level> bids, asks;
};
}  // namespace reset_check
static_assert(sizeof(ticker) == sizeof(reset_check::ticker_fields), "reset every ticker field below");
static_assert(sizeof(trade) == sizeof(reset_check::trade_fields), "reset every trade field below");
static_assert(sizeof(candle) == sizeof(reset_check::candle_fields), "reset every candle field below");
static_assert(sizeof(book_update) == sizeof(reset_check::book_fields), "reset every book_update field below");
inline void reset_keep_capacity(ticker& t) {
  reset_keep_capacity(static_cast<event_header&>(t));
  for (decimal* d : {&t.bid_price, &t.bid_size, &t.ask_price, &t.ask_size, &t.last_price, &t.last_size, &t.open_24h,
                     &t.high_24h, &t.low_24h, &t.volume_24h, &t.quote_volume_24h, &t.change_24h})
    d->clear();
}
inline void reset_keep_capacity(trade& t) {
  reset_keep_capacity(static_cast<event_header&>(t));
  t.trade_id.clear();
  t.price.clear();
  t.size.clear();
  t.aggressor = side::none;
}
inline void reset_keep_capacity(candle& c) {
  reset_keep_capacity(static_cast<event_header&>(c));
  c.interval.clear();
  c.open_time_ns = c.close_time_ns = 0;
  for (decimal* d : {&c.open, &c.high, &c.low, &c.close, &c.volume, &c.quote_volume}) d->clear();
  c.trades = 0;
  c.closed = false;
}
inline void reset_keep_capacity(book_update& b) {
  reset_keep_capacity(static_cast<event_header&>(b));
  b.snapshot = false;
  b.first_sequence = 0;
  b.bids.clear();
  b.asks.clear();
}

// Element `used` of a vector reused across messages (reset, capacity kept), or a new one; `used`
// counts the elements of the current message. Once it is read, shrink the vector to `used`.
template <class T>
T& next_slot(std::vector<T>& v, std::size_t& used) {
  if (used < v.size()) {
    reset_keep_capacity(v[used]);
    return v[used++];
  }
  ++used;
  return v.emplace_back();
}
// The same for a vector of events: the slot is reused when it holds a T already.
template <class T>
T& next_event(std::vector<event>& v, std::size_t& used) {
  if (used < v.size()) {
    event& e = v[used++];
    if (T* same = std::get_if<T>(&e)) {
      reset_keep_capacity(*same);
      return *same;
    }
    return e.emplace<T>();
  }
  ++used;
  return std::get<T>(v.emplace_back(std::in_place_type<T>));
}

// The header every event carries; `instrument` comes from a symbol_cache.
inline void fill_header(event_header& h, exchange_id ex, std::string_view symbol, std::string_view instrument,
                        std::int64_t exchange_ts, std::int64_t receive_ns) {
  h.exchange = ex;
  h.symbol.assign(symbol);
  h.instrument.assign(instrument);
  h.exchange_ts_ns = exchange_ts;
  h.receive_ts_ns = receive_ns;
}

}  // namespace mdfan::adapters
