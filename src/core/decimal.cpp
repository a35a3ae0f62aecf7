#include "mdfan/decimal.hpp"

namespace mdfan {

bool decimal::is_zero() const noexcept {
  for (std::size_t i = 0; i < len_; ++i) {
    const char c = buf_[i];
    if (c >= '1' && c <= '9') return false;
  }
  return len_ != 0;
}

bool decimal::scaled(__int128& out) const noexcept {
  if (len_ == 0) return false;
  constexpr int scale = 18;
  std::size_t i = 0;
  const bool neg = buf_[0] == '-';
  if (neg) i = 1;
  __int128 v = 0;
  // Integer part: at most 20 digits keeps v * 10^18 inside 127 bits.
  int int_digits = 0;
  for (; i < len_ && buf_[i] != '.'; ++i) {
    v = v * 10 + (buf_[i] - '0');
    if (v != 0 && ++int_digits > 20) return false;
  }
  int frac = 0;
  if (i < len_ && buf_[i] == '.') {
    ++i;
    for (; i < len_; ++i) {
      const int d = buf_[i] - '0';
      if (frac == scale) {
        if (d != 0) return false;  // more precision than the scale can hold
        continue;
      }
      v = v * 10 + d;
      ++frac;
    }
  }
  for (; frac < scale; ++frac) v *= 10;
  out = neg ? -v : v;
  return true;
}

}  // namespace mdfan
