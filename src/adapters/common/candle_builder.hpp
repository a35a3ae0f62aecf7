#pragma once
// OHLCV bars built from the trades of one instrument, for exchanges (or intervals) without a native
// candle channel. Exact: prices are compared as scaled integers and volumes are summed as integers at
// the largest number of fractional digits seen, so the text of every field is what exact decimal
// arithmetic gives ("0.3" + "0.25" = "0.55"), never a double.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "mdfan/event.hpp"

namespace mdfan::adapters {

// "1m" -> 60e9 ns. Accepts <n>s, <n>m, <n>h, <n>d with n >= 1 and at most one day in all
// ("1s".."1d"); bars are aligned on multiples of the interval since the Unix epoch (UTC).
bool parse_candle_interval(std::string_view text, std::int64_t& interval_ns) noexcept;

// An exact sum of decimals: an integer mantissa at `scale` fractional digits. The scale grows to the
// largest seen, so the text keeps the exchange's precision. Overflow makes the sum invalid (empty).
class decimal_sum {
 public:
  void add(const decimal& d) noexcept;
  // Adds price * size (a quote volume). Scales add: "21921.73" * "0.02" has 2 + 2 digits.
  void add_product(const decimal& a, const decimal& b) noexcept;
  void clear() noexcept { *this = decimal_sum{}; }
  bool valid() const noexcept { return valid_; }
  // The sum as text, e.g. "0.55"; empty when invalid or too long for a decimal.
  decimal value() const noexcept;

 private:
  void add_scaled(__int128 mantissa, int scale) noexcept;

  __int128 mantissa_ = 0;
  int scale_ = 0;
  bool valid_ = true;
};

using candle_emit_fn = std::function<void(event&&)>;

// The bars of one instrument at one interval. Feed it the instrument's trades in the order the
// exchange sent them; a bar is emitted open (closed = false) when flush() is called after trades
// changed it, and once more closed (closed = true) when a trade of a later bar arrives or the
// exchange's clock (advance()) passes its end plus the grace period. Trades older than the open
// bar are counted as late and ignored: a closed bar is never reopened.
class candle_builder {
 public:
  struct stats {
    std::uint64_t trades = 0;  // trades added to a bar
    std::uint64_t late = 0;    // trades for a bar already closed (ignored)
    std::uint64_t bad = 0;     // trades with an unorderable price or a time before the epoch (ignored)
    std::uint64_t closed = 0;  // bars closed
  };

  // `interval` is the text events carry ("1m"), `interval_ns` its length (parse_candle_interval).
  // `grace_ns`: how long after a bar's end advance() waits for trades still in flight.
  candle_builder(exchange_id exchange, std::string symbol, std::string instrument, std::string interval,
                 std::int64_t interval_ns, std::int64_t grace_ns = 0);

  // One trade at exchange time `ts_ns`. A trade of a later bar first emits the open bar closed.
  void add(const decimal& price, const decimal& size, std::int64_t ts_ns, std::int64_t receive_ns,
           const candle_emit_fn& emit);
  // Emits the open bar if trades changed it since the last flush (one event per batch of trades).
  void flush(std::int64_t receive_ns, const candle_emit_fn& emit);
  // The exchange's clock is at `now_ns`: closes (emits) the open bar once now >= its end + grace.
  void advance(std::int64_t now_ns, std::int64_t receive_ns, const candle_emit_fn& emit);
  // Forgets the open bar without emitting it (e.g. trades were lost and it cannot be trusted).
  void reset() noexcept;

  bool has_open_bar() const noexcept { return open_; }
  const candle& current() const noexcept { return bar_; }
  const stats& counts() const noexcept { return stats_; }

 private:
  void emit_bar(bool closed, std::int64_t receive_ns, const candle_emit_fn& emit);

  std::int64_t interval_ns_;
  std::int64_t grace_ns_;
  candle bar_;  // the open bar; header and interval set once
  __int128 high_ = 0, low_ = 0;
  decimal_sum volume_, quote_volume_;
  bool open_ = false;
  bool dirty_ = false;
  stats stats_;
};

}  // namespace mdfan::adapters
