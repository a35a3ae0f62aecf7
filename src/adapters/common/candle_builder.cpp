#include "adapters/common/candle_builder.hpp"

#include <charconv>

namespace mdfan::adapters {
namespace {

constexpr std::int64_t ns_per_s = 1'000'000'000;
constexpr std::int64_t ns_per_ms = 1'000'000;
constexpr std::int64_t day_ns = 86'400 * ns_per_s;

// The digits of a decimal as an integer and its number of fractional digits ("-1.50" -> -150, 2).
// False when it does not fit (more than 38 digits cannot happen: decimals hold at most 30 chars).
bool mantissa_of(const decimal& d, __int128& m, int& scale) noexcept {
  const std::string_view s = d.str();
  if (s.empty()) return false;
  std::size_t i = 0;
  const bool neg = s[0] == '-';
  if (neg) i = 1;
  __int128 v = 0;
  int frac = -1;
  for (; i < s.size(); ++i) {
    if (s[i] == '.') {
      frac = 0;
      continue;
    }
    v = v * 10 + (s[i] - '0');
    if (frac >= 0) ++frac;
  }
  m = neg ? -v : v;
  scale = frac < 0 ? 0 : frac;
  return true;
}

bool times_pow10(__int128& v, int n) noexcept {
  for (int i = 0; i < n; ++i)
    if (__builtin_mul_overflow(v, static_cast<__int128>(10), &v)) return false;
  return true;
}

std::int64_t floor_to(std::int64_t t, std::int64_t step) noexcept {
  const std::int64_t r = t % step;
  return r < 0 ? t - r - step : t - r;
}

}  // namespace

bool parse_candle_interval(std::string_view text, std::int64_t& interval_ns) noexcept {
  if (text.size() < 2) return false;
  std::int64_t n = 0;
  const auto* end = text.data() + text.size() - 1;
  const auto r = std::from_chars(text.data(), end, n);
  if (r.ec != std::errc{} || r.ptr != end || n < 1 || text[0] == '0') return false;
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = ns_per_s; break;
    case 'm': unit = 60 * ns_per_s; break;
    case 'h': unit = 3600 * ns_per_s; break;
    case 'd': unit = day_ns; break;
    default: return false;
  }
  if (n > day_ns / unit) return false;  // at most one day: longer bars need calendar rules (weeks, months)
  interval_ns = n * unit;
  return true;
}

// ---- decimal_sum

void decimal_sum::add_scaled(__int128 m, int scale) noexcept {
  if (!valid_) return;
  if (scale > scale_) {
    if (!times_pow10(mantissa_, scale - scale_)) {
      valid_ = false;
      return;
    }
    scale_ = scale;
  } else if (scale < scale_ && !times_pow10(m, scale_ - scale)) {
    valid_ = false;
    return;
  }
  if (__builtin_add_overflow(mantissa_, m, &mantissa_)) valid_ = false;
}

void decimal_sum::add(const decimal& d) noexcept {
  __int128 m = 0;
  int scale = 0;
  if (!mantissa_of(d, m, scale)) {
    valid_ = false;
    return;
  }
  add_scaled(m, scale);
}

void decimal_sum::add_product(const decimal& a, const decimal& b) noexcept {
  __int128 ma = 0, mb = 0, p = 0;
  int sa = 0, sb = 0;
  if (!mantissa_of(a, ma, sa) || !mantissa_of(b, mb, sb) || __builtin_mul_overflow(ma, mb, &p)) {
    valid_ = false;
    return;
  }
  add_scaled(p, sa + sb);
}

decimal decimal_sum::value() const noexcept {
  if (!valid_) return {};
  char digits[48];
  int n = 0;
  const bool neg = mantissa_ < 0;
  unsigned __int128 v = neg ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(mantissa_)
                            : static_cast<unsigned __int128>(mantissa_);
  do {  // least significant digit first
    digits[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0 && n < 40);
  while (n <= scale_ && n < 47) digits[n++] = '0';  // at least one integer digit: "0.05"
  char text[64];
  std::size_t len = 0;
  if (neg) text[len++] = '-';
  for (int i = n - 1; i >= 0; --i) {
    text[len++] = digits[i];
    if (i == scale_ && scale_ > 0) text[len++] = '.';
  }
  decimal out;
  (void)decimal::parse(std::string_view(text, len), out);  // too long: stays empty
  return out;
}

// ---- candle_builder

candle_builder::candle_builder(exchange_id exchange, std::string symbol, std::string instrument, std::string interval,
                               std::int64_t interval_ns, std::int64_t grace_ns)
    : interval_ns_(interval_ns > 0 ? interval_ns : 60 * ns_per_s), grace_ns_(grace_ns < 0 ? 0 : grace_ns) {
  bar_.exchange = exchange;
  bar_.symbol = std::move(symbol);
  bar_.instrument = std::move(instrument);
  bar_.interval = std::move(interval);
}

void candle_builder::add(const decimal& price, const decimal& size, std::int64_t ts_ns, std::int64_t receive_ns,
                         const candle_emit_fn& emit) {
  __int128 p = 0;
  if (!price.scaled(p) || ts_ns < 0) {
    ++stats_.bad;
    return;
  }
  const std::int64_t start = floor_to(ts_ns, interval_ns_);
  if (open_ && start < bar_.open_time_ns) {
    ++stats_.late;
    return;
  }
  if (!open_ && stats_.closed > 0 && start <= bar_.open_time_ns) {
    // The last bar was closed by advance(); this trade belongs to it or an earlier one.
    ++stats_.late;
    return;
  }
  if (open_ && start > bar_.open_time_ns) emit_bar(true, receive_ns, emit);
  if (!open_ || start != bar_.open_time_ns) {
    open_ = true;
    bar_.open_time_ns = start;
    bar_.close_time_ns = start + interval_ns_ - ns_per_ms;  // last millisecond inside the bar, as Binance
    bar_.open = bar_.high = bar_.low = price;
    high_ = low_ = p;
    bar_.trades = 0;
    volume_.clear();
    quote_volume_.clear();
  }
  if (p > high_) {
    high_ = p;
    bar_.high = price;
  }
  if (p < low_) {
    low_ = p;
    bar_.low = price;
  }
  bar_.close = price;
  volume_.add(size);
  quote_volume_.add_product(price, size);
  ++bar_.trades;
  bar_.exchange_ts_ns = ts_ns;
  ++stats_.trades;
  dirty_ = true;
}

void candle_builder::flush(std::int64_t receive_ns, const candle_emit_fn& emit) {
  if (open_ && dirty_) emit_bar(false, receive_ns, emit);
}

void candle_builder::advance(std::int64_t now_ns, std::int64_t receive_ns, const candle_emit_fn& emit) {
  if (open_ && now_ns >= bar_.open_time_ns + interval_ns_ + grace_ns_) emit_bar(true, receive_ns, emit);
}

void candle_builder::reset() noexcept {
  open_ = dirty_ = false;
  bar_.trades = 0;
  volume_.clear();
  quote_volume_.clear();
}

void candle_builder::emit_bar(bool closed, std::int64_t receive_ns, const candle_emit_fn& emit) {
  bar_.volume = volume_.value();
  bar_.quote_volume = quote_volume_.value();
  bar_.receive_ts_ns = receive_ns;
  bar_.closed = closed;
  dirty_ = false;
  if (closed) {
    open_ = false;
    ++stats_.closed;
  }
  if (emit) emit(event{bar_});
}

}  // namespace mdfan::adapters
