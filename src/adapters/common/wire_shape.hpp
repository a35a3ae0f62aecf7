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
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

#include "mdfan/decimal.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// The time form exchanges stamp messages with, "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z", for years 1970-2099
// and every field in its calendar range -> ns since the epoch. False for anything else (offsets, lower
// case, leap seconds, other years, Feb 30, ...): the general RFC 3339 reader (json_reader.hpp's
// rfc3339_ns) then reads or refuses it. Where both accept, both give the same value (proleptic
// Gregorian days). Defined below the cursor.
inline bool wire_time_ns(std::string_view s, std::int64_t& ns) noexcept;

static_assert(std::endian::native == std::endian::little, "the fast path reads 8 bytes as one little-endian word");

// ---- words of eight bytes (in memory order: the first byte is the lowest)

inline std::uint64_t load_word(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint32_t load_word4(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Whether the n bytes at a and b are the same: compared a word at a time inline (keys and symbols are
// 2-20 bytes; a memcmp call costs more than the comparison).
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8)
      if (load_word(a + i) != load_word(b + i)) return false;
    return load_word(a + n - 8) == load_word(b + n - 8);
  }
  if (n >= 4) return load_word4(a) == load_word4(b) && load_word4(a + n - 4) == load_word4(b + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && same_bytes(a.data(), b.data(), a.size());
}

// The bytes of `w` that are not ASCII digits, flagged by bits inside each such byte. Bytes after the
// first non-digit may be flagged wrongly (carries), never a byte before it: countr_zero(...) / 8 is
// exactly the index of the first non-digit, 8 when all eight are digits. (A digit XOR '0' is 0-9: no
// bit in 0xF0, and adding 6 keeps it below 0x10; any other byte fails one of the two.)
inline std::uint64_t non_digits8(std::uint64_t w) noexcept {
  const std::uint64_t x = w ^ 0x3030303030303030ULL;
  return (x & 0xF0F0F0F0F0F0F0F0ULL) | ((x + 0x0606060606060606ULL) & 0x1010101010101010ULL);
}

// The value of eight digit bytes, the first the most significant; a zero byte counts as the digit 0,
// so a word shifted left by 8*(8-k) gives the value of its first k digits. Pairs, then quads, then the
// two halves are combined by one multiply each.
inline std::uint64_t digits8(std::uint64_t w) noexcept {
  w = ((w & 0x0F0F0F0F0F0F0F0FULL) * (10 * 256 + 1)) >> 8;
  w = ((w & 0x00FF00FF00FF00FFULL) * (100 * 65536 + 1)) >> 16;
  return ((w & 0x0000FFFF0000FFFFULL) * (10000 * 4294967296ULL + 1)) >> 32;
}

// A run of 1-19 ASCII digits (nothing else: no sign, leading zeros allowed) -> its value. Reads only
// the bytes of `s`: runs of eight or more in overlapping words, shorter ones a byte at a time.
inline bool wire_digits(std::string_view s, std::uint64_t& v) noexcept {
  const std::size_t n = s.size();
  const char* p = s.data();
  if (n == 0 || n > 19) return false;
  if (n < 8) {
    std::uint64_t x = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(p[i])) - '0';
      if (d > 9) return false;
      x = x * 10 + d;
    }
    v = x;
    return true;
  }
  // The first n % 8 digits (if any), then whole words; every byte is checked by some load.
  const std::size_t head = n % 8;
  std::uint64_t x = 0, bad = non_digits8(load_word(p + n - 8));
  if (head != 0) {
    const std::uint64_t w = load_word(p);
    bad |= non_digits8(w);
    x = digits8(w << (8 * (8 - head)));
  }
  for (std::size_t i = head; i < n; i += 8) {
    const std::uint64_t w = load_word(p + i);
    bad |= non_digits8(w);
    x = x * 100'000'000 + digits8(w);
  }
  if (bad != 0) return false;
  v = x;
  return true;
}

// A cursor over one message. Every read returns false when the bytes are not exactly what it
// expects, and the caller gives up on the fast path. Nothing past `end` is read.
class wire_shape {
 public:
  wire_shape(const char* begin, std::size_t len) noexcept : p_(begin), end_(begin + len) {}

  // These exact bytes (keys, punctuation): a literal, compared a word at a time inline.
  template <std::size_t N>
  bool lit(const char (&s)[N]) noexcept {
    constexpr std::size_t n = N - 1;  // without the terminating NUL
    if (static_cast<std::size_t>(end_ - p_) < n || !same_const<n>(p_, s)) return false;
    p_ += n;
    return true;
  }
  // The same for text chosen at run time (in 8- and 4-byte words, inline rather than a memcmp call).
  bool lit(std::string_view s) noexcept {
    const std::size_t n = s.size();
    if (static_cast<std::size_t>(end_ - p_) < n || !same_bytes(p_, s.data(), n)) return false;
    p_ += n;
    return true;
  }
  bool lit(char c) noexcept {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool peek(char c) const noexcept { return p_ != end_ && *p_ == c; }

  // A string of printable ASCII without escapes: its content. Scanned 16 bytes at a time (SSE2), then
  // 8, then the last bytes of the message one by one: tickers and books are mostly strings.
  bool str(std::string_view& out) noexcept {
    if (p_ == end_ || *p_ != '"') return false;
    const char* b = ++p_;
    p_ = past_plain(p_);
    if (p_ == end_ || *p_ != '"') return false;
    out = std::string_view(b, static_cast<std::size_t>(p_ - b));
    ++p_;
    return true;
  }

  // A string whose content the caller then validates by a grammar of printable ASCII without '"' or
  // '\\' (a decimal, a digit string): its content, found by its closing quote alone. Whatever else the
  // content holds (an escape, a control character, a non-ASCII byte), that validation refuses it.
  bool checked_str(std::string_view& out) noexcept {
    if (p_ == end_ || *p_ != '"') return false;
    const char* b = ++p_;
    while (end_ - p_ >= 8) {
      const std::uint64_t x = load_word(p_) ^ (ones * '"');
      if (const std::uint64_t quote = (x - ones) & ~x & high; quote != 0) {
        p_ += std::countr_zero(quote) / 8;
        break;
      }
      p_ += 8;
    }
    while (p_ != end_ && *p_ != '"') ++p_;
    if (p_ == end_) return false;
    out = std::string_view(b, static_cast<std::size_t>(p_ - b));
    ++p_;
    return true;
  }

  // A non-negative integer as JSON writes one (no sign, no leading zero, no fraction or exponent),
  // at most 19 digits (so it fits without a range check).
  // The digits are found eight at a time and converted by wire_digits.
  bool u64(std::uint64_t& v) noexcept {
    const char* b = p_;
    p_ = past_digits(p_);
    const auto n = static_cast<std::size_t>(p_ - b);
    if (n == 0 || n > 19 || (n > 1 && *b == '0')) return false;
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    return wire_digits(std::string_view(b, n), v);
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

  // The same without an exponent, -?(0|[1-9]d*)(.d+)? — the text of a decimal — with the digits found
  // eight at a time. False for any other form (an exponent included), and the cursor has not moved.
  bool plain_number(std::string_view& out) noexcept {
    const decimal_run r = scan_decimal(p_);
    const bool leading_zero = r.int_digits > 1 && r.int_begin[0] == '0';
    if (r.int_digits == 0 || leading_zero || (r.dot && r.frac_digits == 0)) return false;
    if (r.end != end_ && (*r.end == 'e' || *r.end == 'E')) return false;
    out = std::string_view(p_, static_cast<std::size_t>(r.end - p_));
    p_ = r.end;
    return true;
  }

  // A string holding a decimal exactly as decimal::parse() takes one ([-]digits[.digits], a digit at
  // least, at most decimal::capacity bytes), read into `d`: the grammar is checked while the digits are
  // scanned (eight at a time), so the decimal needs only the copy. The same strings as checked_str()
  // followed by decimal::parse() of its content, at about half the cost. On false the cursor has not
  // moved and `d` is unchanged.
  bool decimal_str(decimal& d) noexcept {
    if (p_ == end_ || *p_ != '"') return false;
    const char* const b = p_ + 1;
    const decimal_run r = scan_decimal(b);
    const auto n = static_cast<std::size_t>(r.end - b);
    if (r.end == end_ || *r.end != '"' || r.int_digits + r.frac_digits == 0 || n > decimal::capacity) return false;
    decimal::assign_checked(std::string_view(b, n), d);
    p_ = r.end + 1;
    return true;
  }

  // plain_number() into a decimal (its text is one): false, the cursor unmoved and `d` unchanged, for
  // any other form and for a number longer than decimal::capacity.
  bool decimal_number(decimal& d) noexcept {
    const char* const b = p_;
    std::string_view text;
    if (!plain_number(text)) return false;
    if (text.size() > decimal::capacity) {
      p_ = b;
      return false;
    }
    decimal::assign_checked(text, d);
    return true;
  }

  bool boolean(bool& b) noexcept {
    if (lit("true")) return b = true, true;
    if (lit("false")) return b = false, true;
    return false;
  }

  bool at_end() const noexcept { return p_ == end_; }
  // The next byte to read (end_ at the end).
  const char* position() const noexcept { return p_; }

 private:
  static constexpr std::uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;

  // The n bytes at p are those of s: compared eight, four, two, one at a time (n is a constant).
  template <std::size_t n>
  static bool same_const(const char* p, const char* s) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
      if (load_word(p + i) != load_word(s + i)) return false;
    if constexpr (n % 8 >= 4) {
      if (load_word4(p + i) != load_word4(s + i)) return false;
      i += 4;
    }
    if constexpr (n % 4 >= 2) {
      std::uint16_t a, b;
      std::memcpy(&a, p + i, 2);
      std::memcpy(&b, s + i, 2);
      if (a != b) return false;
      i += 2;
    }
    if constexpr (n % 2 == 1) {
      if (p[i] != s[i]) return false;
    }
    return true;
  }
  // The longest [-]digits[.digits] from `q` (either run may be empty): where it ends, where its integer
  // digits begin, and how many digits each run has. plain_number and decimal_str apply their own rules
  // to it (JSON's and decimal::parse's).
  struct decimal_run {
    const char* end;
    const char* int_begin;
    std::size_t int_digits;
    bool dot;
    std::size_t frac_digits;
  };
  decimal_run scan_decimal(const char* q) const noexcept {
    decimal_run r{};
    if (q != end_ && *q == '-') ++q;
    r.int_begin = q;
    q = past_digits(q);
    r.int_digits = static_cast<std::size_t>(q - r.int_begin);
    r.dot = q != end_ && *q == '.';
    if (r.dot) {
      const char* const frac_begin = ++q;
      q = past_digits(q);
      r.frac_digits = static_cast<std::size_t>(q - frac_begin);
    }
    r.end = q;
    return r;
  }
  // The first byte from `p` on that is not a digit (or end_).
  const char* past_digits(const char* p) const noexcept {
    while (end_ - p >= 8) {
      if (const std::uint64_t m = non_digits8(load_word(p)); m != 0) return p + std::countr_zero(m) / 8;
      p += 8;
    }
    while (p != end_ && digit(*p)) ++p;
    return p;
  }
  // The first byte from `p` on that is not plain (or end_).
  const char* past_plain(const char* p) const noexcept {
#if defined(__SSE2__)
    // The first byte that is '"', '\\', below 0x20 or above 0x7f (negative as a signed byte, so
    // below 0x20 too) ends the run of plain bytes.
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end_ - p >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i stop =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, space));
      if (const int mask = _mm_movemask_epi8(stop); mask != 0) return p + std::countr_zero(static_cast<unsigned>(mask));
      p += 16;
    }
#endif
    while (end_ - p >= 8) {
      if (const std::uint64_t m = not_plain8(load_word(p)); m != 0) return p + std::countr_zero(m) / 8;
      p += 8;
    }
    while (p != end_ && plain(*p)) ++p;
    return p;
  }
  // The bytes of `v` (8 bytes in memory order) that are control characters, non-ASCII, '"' or '\\':
  // their high bit set. Bytes after the first such byte may be flagged too (borrows), never a byte
  // before it: the lowest flag is exactly the first byte that is not plain.
  static std::uint64_t not_plain8(std::uint64_t v) noexcept {
    const auto zero_byte = [](std::uint64_t x) { return (x - ones) & ~x & high; };
    const std::uint64_t below_space = (v - 0x20 * ones) & ~v & high;
    return (v & high) | below_space | zero_byte(v ^ ('"' * ones)) | zero_byte(v ^ ('\\' * ones));
  }
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

inline bool wire_time_ns(std::string_view s, std::int64_t& ns) noexcept {
  const std::size_t n = s.size();
  if (n < 20 || n > 30 || s[n - 1] != 'Z') return false;
  const char* p = s.data();
  // "YYYY-MM-" and "DDTHH:MM" as two words: the separators compared at once, and the digit bytes
  // checked at once (a digit XOR '0' is 0-9: no bit in 0xF0, and +6 stays below 0x10).
  const std::uint64_t a = load_word(p), b = load_word(p + 8);
  // (The separators cause no carry in non_digits8, so its flags of the digit bytes are exact.)
  const auto not_digits = [](std::uint64_t w, std::uint64_t digit_bytes) { return non_digits8(w) & digit_bytes; };
  if ((a & 0xFF0000FF00000000ULL) != 0x2D00002D00000000ULL ||  // '-' at 4 and 7
      (b & 0x0000FF0000FF0000ULL) != 0x00003A0000540000ULL ||  // 'T' at 10, ':' at 13
      not_digits(a, 0x00FFFF00FFFFFFFFULL) != 0 || not_digits(b, 0xFFFF00FFFF00FFFFULL) != 0 || p[16] != ':')
    return false;
  const auto dig = [p](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(p[i])) - '0'; };
  const unsigned s0 = dig(17), s1 = dig(18);
  if (s0 > 9 || s1 > 9) return false;
  const unsigned y = dig(0) * 1000 + dig(1) * 100 + dig(2) * 10 + dig(3), mo = dig(5) * 10 + dig(6),
                 d = dig(8) * 10 + dig(9), h = dig(11) * 10 + dig(12), mi = dig(14) * 10 + dig(15), sec = s0 * 10 + s1;
  std::int64_t frac = 0;
  if (n > 20) {  // ".f" .. ".fffffffff" before the Z
    const std::size_t digits = n - 21;
    if (p[19] != '.' || digits == 0) return false;
    for (std::size_t i = 20; i < n - 1; ++i) {
      const unsigned f = dig(i);
      if (f > 9) return false;
      frac = frac * 10 + f;
    }
    constexpr std::int64_t scale[10] = {1'000'000'000, 100'000'000, 10'000'000, 1'000'000, 100'000,
                                        10'000,        1'000,       100,        10,        1};
    frac *= scale[digits];
  }
  static constexpr unsigned days_before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  static constexpr unsigned month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 2099 || mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59) return false;
  const bool leap = y % 4 == 0;  // 2000 is one; 1900 and 2100 are outside the range
  if (d < 1 || d > month_days[mo - 1] + (leap && mo == 2 ? 1U : 0U)) return false;
  const std::int64_t days = static_cast<std::int64_t>(y - 1970) * 365 + (y - 1969) / 4 + days_before[mo - 1] +
                            (leap && mo > 2 ? 1 : 0) + d - 1;
  ns = ((days * 24 + h) * 3600 + mi * 60 + sec) * 1'000'000'000 + frac;
  return true;
}

}  // namespace mdfan::adapters
