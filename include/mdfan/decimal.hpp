#pragma once
// mdfan::decimal — a price or size kept as the exact text the exchange sent.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mdfan {

namespace adapters {
class wire_shape;
}

// A decimal number stored inline as its original digits ("0.00001234" stays "0.00001234").
// Never converted through double: equality is textual, ordering is numeric (see scaled()).
class decimal {
 public:
  static constexpr std::size_t capacity = 30;

  // Empty. Only the length is written: the bytes past it are never read (equality, ordering and output
  // all go through str()), so making a decimal — twelve per ticker, two per book level — costs one store.
  constexpr decimal() noexcept {}

  // Accepts [-]digits[.digits] (at least one digit, no exponent, no '+', at most `capacity` chars).
  // Returns false and leaves `out` untouched otherwise. Inline: every parser calls it per price and
  // size. Texts of 4 bytes or more are classified a vector at a time (two overlapping loads cover
  // any length up to `capacity`, nothing outside the text is read) and copied the same way.
  static bool parse(std::string_view text, decimal& out) noexcept {
    const std::size_t n = text.size();
    if (n == 0 || n > capacity) return false;
    const char* p = text.data();
#if defined(__SSE2__)
    if (n >= 4) {
      // Bit i of `digit` / `dot`: byte i of the text is a digit / '.'. Overlapping loads see some
      // bytes twice, at the same position, so OR-ing their bits is exact.
      std::uint32_t digit = 0, dot = 0;
      __m128i a, b;
      if (n >= 16) {
        a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16));
        classify(a, digit, dot, 0xffffU, 0);
        classify(b, digit, dot, 0xffffU, static_cast<unsigned>(n - 16));
      } else if (n >= 8) {
        a = _mm_set_epi64x(static_cast<long long>(load<std::uint64_t>(p + n - 8)),
                           static_cast<long long>(load<std::uint64_t>(p)));
        classify(a, digit, dot, 0xffU, 0);
        classify(_mm_srli_si128(a, 8), digit, dot, 0xffU, static_cast<unsigned>(n - 8));
      } else {
        a = _mm_set_epi32(0, 0, static_cast<int>(load<std::uint32_t>(p + n - 4)),
                          static_cast<int>(load<std::uint32_t>(p)));
        classify(a, digit, dot, 0xfU, 0);
        classify(_mm_srli_si128(a, 4), digit, dot, 0xfU, static_cast<unsigned>(n - 4));
      }
      // Every byte but a leading '-' is a digit or the one '.', and one at least is a digit.
      const std::uint32_t body = ((std::uint32_t{1} << n) - 1) & ~std::uint32_t{p[0] == '-'};
      if (((digit | dot) & body) != body || (digit & body) == 0 || (dot & (dot - 1)) != 0) return false;
      assign_checked(text, out);
      return true;
    }
#endif
    std::size_t digits = 0;
    bool dot = false;
    for (std::size_t i = p[0] == '-' ? 1 : 0; i < n; ++i) {
      const auto c = static_cast<unsigned char>(p[i]);
      if (static_cast<unsigned>(c - '0') <= 9U) {
        ++digits;
      } else if (c == '.' && !dot) {
        dot = true;
      } else {
        return false;
      }
    }
    if (digits == 0) return false;
    assign_checked(text, out);
    return true;
  }

  // Like parse(), but for literals in code and tests: an invalid literal yields an empty decimal.
  static decimal from(std::string_view text) noexcept {
    decimal d;
    (void)parse(text, d);
    return d;
  }

  std::string_view str() const noexcept { return {reinterpret_cast<const char*>(buf_), len_}; }
  // Back to empty (the bytes past the length are never read: equality and every reader use str()).
  void clear() noexcept { len_ = 0; }
  bool empty() const noexcept { return len_ == 0; }
  std::size_t size() const noexcept { return len_; }

  // True when every digit is 0 ("0", "0.000", "-0.0").
  bool is_zero() const noexcept;

  // The value scaled by 10^18 as a 128-bit integer, for ordering book levels.
  // Returns false when the value has more than 18 significant fractional digits or does not fit.
  bool scaled(__int128& out) const noexcept;

  friend bool operator==(const decimal& a, const decimal& b) noexcept { return a.str() == b.str(); }

 private:
  // The exchange parsers' fast path reads a decimal's text against parse()'s grammar as it scans the
  // message (wire_shape::decimal_str), and then needs only the copy.
  friend class adapters::wire_shape;

  // `text` is already known to be what parse() accepts: copied, in two overlapping moves.
  static void assign_checked(std::string_view text, decimal& out) noexcept {
    const std::size_t n = text.size();
    const char* p = text.data();
    if (n >= 16) {
      std::memcpy(out.buf_, p, 16);
      std::memcpy(out.buf_ + n - 16, p + n - 16, 16);
    } else if (n >= 8) {
      std::memcpy(out.buf_, p, 8);
      std::memcpy(out.buf_ + n - 8, p + n - 8, 8);
    } else if (n >= 4) {
      std::memcpy(out.buf_, p, 4);
      std::memcpy(out.buf_ + n - 4, p + n - 4, 4);
    } else if (n != 0) {  // 1-3 bytes: the first, the middle and the last (some the same byte)
      out.buf_[0] = static_cast<unsigned char>(p[0]);
      out.buf_[n / 2] = static_cast<unsigned char>(p[n / 2]);
      out.buf_[n - 1] = static_cast<unsigned char>(p[n - 1]);
    }
    out.len_ = static_cast<std::uint8_t>(n);
  }

  template <class W>
  static W load(const char* p) noexcept {
    W w;
    std::memcpy(&w, p, sizeof w);
    return w;
  }
#if defined(__SSE2__)
  // ORs into digit/dot, shifted to `at`, the bits of the low `lanes` bytes of v that are digits / '.'.
  static void classify(__m128i v, std::uint32_t& digit, std::uint32_t& dot, unsigned lanes, unsigned at) noexcept {
    const __m128i off = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(off, _mm_set1_epi8(9)), off);  // c - '0' <= 9, unsigned
    const __m128i is_dot = _mm_cmpeq_epi8(v, _mm_set1_epi8('.'));
    digit |= (static_cast<unsigned>(_mm_movemask_epi8(is_digit)) & lanes) << at;
    dot |= (static_cast<unsigned>(_mm_movemask_epi8(is_dot)) & lanes) << at;
  }
#endif

  // Unsigned: copying a decimal copies bytes past the length that were never written, which is defined
  // for unsigned char (and for no other element type but std::byte).
  unsigned char buf_[capacity];
  std::uint8_t len_ = 0;
};

}  // namespace mdfan
