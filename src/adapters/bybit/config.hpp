#pragma once
// Bybit v5 public market data: what to subscribe to, on which connections, in which messages.
// Pure: turns adapter_options into topics, URLs and request texts; the session and the factory use it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/bybit/symbols.hpp"
#include "adapters/options.hpp"

namespace mdfan::adapters {

enum class bybit_market : std::uint8_t { spot, linear };
std::string_view to_string(bybit_market m) noexcept;

// Everything the adapter needs, validated. Built from adapter_options by make_bybit_config().
struct bybit_config {
  bybit_market market = bybit_market::spot;
  std::string ws_url;                // full URL, e.g. "wss://stream.bybit.com/v5/public/spot"
  std::vector<std::string> symbols;  // native, "BTCUSDT", configured order, no duplicates
  bybit_symbols names;               // with the overrides of the configured forms
  bool tickers = true, trades = true, books = true, candles = false;
  unsigned depth = 50;          // orderbook.<depth>
  std::string kline_interval;   // native kline interval ("1", "60", "D"); empty: none subscribed
  std::string candle_interval;  // as shown in events ("1m", "1h", "1d")
  // Intervals Bybit has no kline channel for ("2m", "10s", "45m") are built from publicTrade with
  // candle_builder; publicTrade is then subscribed even when trades are not asked for.
  bool aggregate_candles = false;
  std::int64_t candle_interval_ns = 0;

  // Subscription limits. Spot: 10 args per request (documented); linear: none documented (0 here
  // means no limit). Both: the args of one connection total at most 21,000 characters.
  std::size_t max_args_per_request = 10;
  std::size_t max_arg_chars_per_connection = 21000;

  // Application ping period (Bybit recommends 20 s) and the stale-feed watchdog. Bybit itself cuts a
  // connection after 10 min without ping or data; tickers arrive every 50-100 ms and pongs every
  // 20 s, so a minute of silence means a dead connection.
  std::chrono::milliseconds ping_interval{20000};
  std::chrono::milliseconds idle_timeout{60000};
  // A book resync (unsubscribe + subscribe) whose snapshot has not come after this long is
  // requested again at the next ping.
  std::chrono::milliseconds resync_retry{10000};
};

// Validates and converts. Throws std::invalid_argument naming the setting ("market", "symbols",
// "book_depth", "candle_interval", "ws_url") for a bad configuration.
bybit_config make_bybit_config(const adapter_options& opts);

// The production endpoint of a market and the path appended to adapter_options::ws_url.
std::string_view bybit_default_base() noexcept;        // "wss://stream.bybit.com"
std::string_view bybit_path(bybit_market m) noexcept;  // "/v5/public/spot", "/v5/public/linear"

// Book depths Bybit serves for orderbook.<depth> on spot and linear (docs @072c197: 1, 50, 200, 1000
// for both; level 1 is snapshot-only).
bool bybit_depth_supported(bybit_market m, unsigned depth) noexcept;

// "1m" -> "1", "1h" -> "60", "1d" -> "D", "1w" -> "W", "1M" -> "M"; native names ("60", "D") are
// accepted as they are. Empty for an interval Bybit has no kline channel for.
std::string bybit_native_interval(std::string_view interval);
// "5" -> "5m", "60" -> "1h", "D" -> "1d"; unknown text is returned as is.
std::string bybit_interval_name(std::string_view native);

// Topic names.
std::string bybit_book_topic(unsigned depth, std::string_view symbol);              // "orderbook.50.BTCUSDT"
std::string bybit_ticker_topic(std::string_view symbol);                            // "tickers.BTCUSDT"
std::string bybit_trade_topic(std::string_view symbol);                             // "publicTrade.BTCUSDT"
std::string bybit_kline_topic(std::string_view interval, std::string_view symbol);  // "kline.1.BTCUSDT"

// Every topic of one symbol, in subscription order (book last, so that a resubscribe of a book
// does not reorder the others).
std::vector<std::string> bybit_topics(const bybit_config& cfg, std::string_view symbol);

// Splits the symbols over connections so that the args of one connection stay within
// max_arg_chars_per_connection; all topics of one symbol share a connection (a book resync stays on
// it). Each inner vector is one connection's symbols.
std::vector<std::vector<std::string>> bybit_plan_connections(const bybit_config& cfg);

// {"req_id":"<id>","op":"subscribe"|"unsubscribe","args":[...]} messages, at most
// max_args_per_request args each (0: all in one).
std::vector<std::string> bybit_requests(std::string_view op, const std::vector<std::string>& args,
                                        std::size_t max_args_per_request, std::string_view req_id);

}  // namespace mdfan::adapters
