#pragma once
// The fast path of the exchange parsers: reading a message in the exact shape the exchange sends it
// — its fields in the exchange's own order, compact, strings of printable ASCII without escapes,
// integers plain — without a JSON parser. A parser tries the shape of each hot message type first;
// any difference at all (another field, another order, white space, an escape, a number in another
// form, a value the general path would refuse) makes the cursor fail, and the message goes to the
// general simdjson path, whose result and error text are the ones that count. The shapes accept only
// text that is valid JSON and that the general path reads to the same events, so the fast path
// changes the cost of a message and nothing else; the exchange fuzz targets check that on every
// input (events and errors the same with the fast path on and off).
//
// Why: a trade or book delta is 100-600 bytes; simdjson's indexing pass and On-Demand's navigation
// are a fixed cost per message that one pass over the expected bytes does not pay.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

namespace mdfan::adapters {

// Whether parsers on this thread try the fast path before simdjson. On by default; tests and
// benchmarks turn it off to compare the two paths.
inline bool& fast_path_enabled() noexcept {
  thread_local bool on = true;
  return on;
}
// Messages this thread's parsers read on the fast path. (The rest went to the general path.)
inline std::uint64_t& fast_path_hits() noexcept {
  thread_local std::uint64_t hits = 0;
  return hits;
}

// The per-exchange counter of fast-path reads in /metrics (beside mdfan_adapter_messages_total). An
// exchange that changes its message shape moves every message to the general path: correct, but
// costlier, and visible as a falling share.
inline constexpr const char* fast_path_metric = "mdfan_adapter_fast_path_messages_total";
inline constexpr const char* fast_path_metric_help =
    "Exchange messages read by the parser's fast path (the rest took the general JSON path; a falling share "
    "means the exchange changed its message shape)";

// Integer milliseconds since the epoch -> ns; false when it does not fit (the one range every parser
// path applies to exchange times).
inline bool epoch_ms_to_ns(std::uint64_t ms, std::int64_t& ns) noexcept {
  constexpr std::uint64_t max_ms = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / 1'000'000;
  if (ms > max_ms) return false;
  ns = static_cast<std::int64_t>(ms) * 1'000'000;
  return true;
}

// A cursor over one message. Every read returns false when the bytes are not exactly what it
// expects, and the caller gives up on the fast path. Nothing past `end` is read.
class wire_shape {
 public:
  wire_shape(const char* begin, std::size_t len) noexcept : p_(begin), end_(begin + len) {}

  // These exact bytes (keys, punctuation).
  bool lit(std::string_view s) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < s.size() || std::memcmp(p_, s.data(), s.size()) != 0) return false;
    p_ += s.size();
    return true;
  }
  bool lit(char c) noexcept {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool peek(char c) const noexcept { return p_ != end_ && *p_ == c; }

  // A string of printable ASCII without escapes: its content.
  bool str(std::string_view& out) noexcept {
    if (p_ == end_ || *p_ != '"') return false;
    const char* b = ++p_;
    while (p_ != end_ && plain(*p_)) ++p_;
    if (p_ == end_ || *p_ != '"') return false;
    out = std::string_view(b, static_cast<std::size_t>(p_ - b));
    ++p_;
    return true;
  }

  // A non-negative integer as JSON writes one (no sign, no leading zero, no fraction or exponent),
  // at most 19 digits (so it fits without a range check).
  bool u64(std::uint64_t& v) noexcept {
    const char* b = p_;
    v = 0;
    while (p_ != end_ && digit(*p_)) v = v * 10 + static_cast<std::uint64_t>(*p_++ - '0');
    const auto n = p_ - b;
    if (n == 0 || n > 19 || (n > 1 && *b == '0')) return false;
    return p_ == end_ || (*p_ != '.' && *p_ != 'e' && *p_ != 'E');
  }

  // Integer milliseconds since the epoch -> ns, in the range the general path accepts.
  bool ms(std::int64_t& ns) noexcept {
    std::uint64_t v = 0;
    return u64(v) && epoch_ms_to_ns(v, ns);
  }

  // A JSON number in the grammar's strict form (-?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?): its text, for
  // exchanges that send prices as numbers and whose parsers keep the literal digits.
  bool number(std::string_view& out) noexcept {
    const char* b = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !digit(*p_)) return false;
    if (*p_++ == '0') {
      if (p_ != end_ && digit(*p_)) return false;
    } else {
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    if (p_ != end_ && *p_ == '.' && !digits_after_mark()) return false;
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      if (end_ - p_ >= 2 && (p_[1] == '+' || p_[1] == '-')) ++p_;
      if (!digits_after_mark()) return false;
    }
    out = std::string_view(b, static_cast<std::size_t>(p_ - b));
    return true;
  }

  bool boolean(bool& b) noexcept {
    if (lit("true")) return b = true, true;
    if (lit("false")) return b = false, true;
    return false;
  }

  bool at_end() const noexcept { return p_ == end_; }

 private:
  static bool plain(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  }
  // Past the mark at p_ ('.', 'e', or an exponent sign) and at least one digit after it.
  bool digits_after_mark() noexcept {
    const char* d = ++p_;
    while (p_ != end_ && digit(*p_)) ++p_;
    return p_ != d;
  }
  static bool digit(char c) noexcept { return static_cast<unsigned>(static_cast<unsigned char>(c) - '0') < 10U; }

  const char* p_;
  const char* end_;
};

}  // namespace mdfan::adapters
