#pragma once
// The normalized market-data event model shared by every layer and by the public C++ API.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mdfan/decimal.hpp"

namespace mdfan {

enum class exchange_id : std::uint8_t { binance, coinbase, kraken, bybit, okx };
enum class event_type : std::uint8_t { ticker, trade, book, candle };
enum class side : std::uint8_t { none, buy, sell };

inline constexpr std::size_t exchange_count = 5;
inline constexpr std::size_t event_type_count = 4;

std::string_view to_string(exchange_id e) noexcept;
std::string_view to_string(event_type t) noexcept;
std::string_view to_string(side s) noexcept;
bool parse_exchange(std::string_view text, exchange_id& out) noexcept;
bool parse_event_type(std::string_view text, event_type& out) noexcept;
bool parse_side(std::string_view text, side& out) noexcept;

// Fields every event carries.
struct event_header {
  exchange_id exchange = exchange_id::binance;
  std::string instrument;           // normalized BASE-QUOTE, e.g. "BTC-USDT"
  std::string symbol;               // the exchange's native symbol, e.g. "BTCUSDT"
  std::int64_t exchange_ts_ns = 0;  // exchange event time; 0 when the exchange sends none
  std::int64_t receive_ts_ns = 0;   // local receive time (CLOCK_REALTIME, ns since the epoch)
  std::uint64_t sequence = 0;       // exchange sequence / update id; 0 when none
};

// Best bid/ask and, where the exchange sends them, last price and 24 h statistics.
// An empty decimal means the exchange did not send that field.
struct ticker : event_header {
  decimal bid_price, bid_size, ask_price, ask_size;
  decimal last_price, last_size;
  decimal open_24h, high_24h, low_24h, volume_24h, quote_volume_24h, change_24h;
};

// One executed trade.
struct trade : event_header {
  std::string trade_id;
  decimal price, size;
  side aggressor = side::none;  // taker side
};

struct price_level {
  decimal price;
  decimal size;  // absolute size at that price; zero removes the level in a delta
};

// A full book (snapshot == true) or a delta of changed levels, after the exchange's sync rules
// have been checked. header.sequence is the last update id covered; first_sequence the first.
struct book_update : event_header {
  bool snapshot = false;
  std::uint64_t first_sequence = 0;
  std::vector<price_level> bids;  // best first
  std::vector<price_level> asks;  // best first
};

// An OHLCV bar.
struct candle : event_header {
  std::string interval;  // "1m", "1h", ...
  std::int64_t open_time_ns = 0;
  std::int64_t close_time_ns = 0;
  decimal open, high, low, close, volume, quote_volume;
  std::uint64_t trades = 0;
  bool closed = false;
};

using event = std::variant<ticker, trade, book_update, candle>;

inline event_type type_of(const event& e) noexcept { return static_cast<event_type>(e.index()); }
inline const event_header& header_of(const event& e) noexcept {
  return std::visit([](const auto& v) -> const event_header& { return v; }, e);
}
inline event_header& header_of(event& e) noexcept {
  return std::visit([](auto& v) -> event_header& { return v; }, e);
}

}  // namespace mdfan
