#pragma once
// OKX adapter configuration and the pure pieces derived from it: channel names, the split of
// instruments over connections, subscribe requests. No I/O here, so all of it is unit-testable.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/options.hpp"
#include "core/backoff.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

inline constexpr std::string_view okx_production_ws = "wss://ws.okx.com:8443";
inline constexpr std::string_view okx_public_path = "/ws/v5/public";
inline constexpr std::string_view okx_business_path = "/ws/v5/business";

// Which channels one protocol session subscribes to, for which instruments.
struct okx_channels {
  std::vector<std::string> symbols;  // native instIds, e.g. "BTC-USDT"
  bool tickers = false;
  bool trades = false;
  std::string book;    // "books" (400 levels, synced by seqId), "books5", "bbo-tbt"; empty: none
  std::string candle;  // "candle1m", "candle1H", ...: served on /ws/v5/business only; empty: none
  std::size_t channel_count() const noexcept {
    return symbols.size() *
           ((tickers ? 1u : 0u) + (trades ? 1u : 0u) + (book.empty() ? 0u : 1u) + (candle.empty() ? 0u : 1u));
  }
};

// Tuning of the OKX sessions and connections. Every duration: 0 disables it.
struct okx_config {
  std::string ws_url{okx_production_ws};  // base scheme://host[:port]; the /ws/v5/... paths are appended
  okx_channels channels;                  // over all connections (split by plan_connections)
  // A subscribe request carries at most this many bytes of "args" (OKX rejects more than 64 KB).
  std::size_t max_args_bytes = 60000;
  // Instruments per /public connection when a 400-level book is subscribed (OKX asks for fewer than 30
  // such channels per connection).
  std::size_t max_books_per_connection = 20;
  // A book still waiting for its snapshot this long after its subscribe is resubscribed (doubling up
  // to 32 times this while it keeps failing, e.g. an instrument OKX refuses).
  std::chrono::milliseconds snapshot_timeout{10000};
  // OKX allows 480 subscribe/unsubscribe/login requests per connection per hour. Each connection paces
  // its requests to max_requests per request_window (an hour and a minute: a margin for the clocks);
  // beyond it requests wait, counted in mdfan_adapter_requests_delayed_total. 0: no pacing.
  std::size_t max_requests = 480;
  std::chrono::seconds request_window{3660};
  // OKX allows 3 new connections per second per IP: the first connects are this far apart.
  std::chrono::milliseconds connection_spacing{350};
  // OKX closes a connection after 30 s without data; the watchdog reconnects when nothing (not even a
  // pong) arrived for idle_timeout, and the text "ping" is sent every ping_interval.
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds ping_interval{20000};
  std::chrono::milliseconds connect_timeout{10000};
  backoff_config backoff{};
  // Sees every raw frame (adapter_options::tap). Optional.
  std::function<void(std::string_view connection, std::string_view msg, std::int64_t receive_ns)> tap;
  // Back-pressure from what consumes the events (adapter_options::read_gate). Optional.
  std::function<bool()> read_gate;
};

// "1m" -> "1m", "1h"/"1H" -> "1H", "1d"/"1D" -> "1D", "1w"/"1W" -> "1W", "1M" (month) -> "1M"; an
// optional "utc" suffix is kept ("1dutc" -> "1Dutc"). Empty when OKX has no such candle channel.
std::string okx_candle_bar(std::string_view interval);
// The normalized interval of a native bar: "1H" -> "1h", "1D" -> "1d", "1m" -> "1m", "1M" -> "1M".
std::string okx_interval_of_bar(std::string_view bar);

// adapter_options -> okx_config. Throws std::invalid_argument naming the setting (symbols,
// candle_interval, book_depth, types).
okx_config okx_config_from(const adapter_options& opts);

// A connection to open: its URL, its log name ("okx#0", "okx-business#0") and its channels.
struct okx_connection_plan {
  std::string url;
  std::string name;
  okx_channels channels;
};

// Splits the channels over connections: tickers, trades and books on /ws/v5/public (at most
// max_books_per_connection instruments per connection when a 400-level book is asked for), candles on
// /ws/v5/business (one connection).
std::vector<okx_connection_plan> plan_connections(const okx_config& cfg);

// {"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},...]} requests for the channels,
// split so that no request's args exceed max_args_bytes. `op` is "subscribe" or "unsubscribe".
std::vector<std::string> okx_requests(std::string_view op, const okx_channels& channels, std::size_t max_args_bytes);

// One request for one channel of one instrument.
std::string okx_request(std::string_view op, std::string_view channel, std::string_view inst_id);

}  // namespace mdfan::adapters
