#pragma once
// mdfan::decimal — a price or size kept as the exact text the exchange sent.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mdfan {

// A decimal number stored inline as its original digits ("0.00001234" stays "0.00001234").
// Never converted through double: equality is textual, ordering is numeric (see scaled()).
class decimal {
 public:
  static constexpr std::size_t capacity = 30;

  constexpr decimal() noexcept = default;

  // Accepts [-]digits[.digits] (at least one digit, no exponent, no '+', at most `capacity` chars).
  // Returns false and leaves `out` untouched otherwise. Inline: every parser calls it per price and
  // size, and one pass with an unsigned digit test is all it needs.
  static bool parse(std::string_view text, decimal& out) noexcept {
    const std::size_t n = text.size();
    if (n == 0 || n > capacity) return false;
    const char* p = text.data();
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
    std::memcpy(out.buf_, p, n);
    out.len_ = static_cast<std::uint8_t>(n);
    return true;
  }

  // Like parse(), but for literals in code and tests: an invalid literal yields an empty decimal.
  static decimal from(std::string_view text) noexcept {
    decimal d;
    (void)parse(text, d);
    return d;
  }

  std::string_view str() const noexcept { return {buf_, len_}; }
  bool empty() const noexcept { return len_ == 0; }
  std::size_t size() const noexcept { return len_; }

  // True when every digit is 0 ("0", "0.000", "-0.0").
  bool is_zero() const noexcept;

  // The value scaled by 10^18 as a 128-bit integer, for ordering book levels.
  // Returns false when the value has more than 18 significant fractional digits or does not fit.
  bool scaled(__int128& out) const noexcept;

  friend bool operator==(const decimal& a, const decimal& b) noexcept { return a.str() == b.str(); }

 private:
  char buf_[capacity] = {};
  std::uint8_t len_ = 0;
};

}  // namespace mdfan
