#pragma once
// Binance adapter configuration and the pure pieces derived from it: stream names, the split of
// streams over connections, REST URLs. No I/O here, so all of it is unit-testable.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/binance/symbols.hpp"
#include "core/backoff.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

struct binance_config {
  std::string ws_url = "wss://stream.binance.com:9443";  // base; "/stream?streams=..." is appended
  std::string rest_url = "https://api.binance.com";      // base; "/api/v3/depth?..." is appended
  // "BTCUSDT", "btcusdt" or "BTC-USDT". The dashed form also fixes the normalized name.
  std::vector<std::string> symbols;
  // Per-symbol streams: trade, aggTrade, ticker (24 h), miniTicker, bookTicker, depth, depth@100ms,
  // depth<5|10|20>[@100ms] (partial books, emitted as snapshots), kline_<interval>.
  // Use either a diff depth stream or a partial one per symbol, not both: they share the book topic.
  std::vector<std::string> channels{"trade", "ticker", "bookTicker", "depth@100ms", "kline_1m"};
  // Native -> normalized overrides for symbols the quote-suffix rule splits wrongly ("BTCUSD1" -> "BTC-USD1").
  std::map<std::string, std::string> symbol_overrides;

  unsigned depth_limit = 1000;     // REST snapshot levels, 1..5000 (weight: <=100: 5, <=500: 25, <=1000: 50, else 250)
  std::size_t snapshot_depth = 0;  // levels per side in emitted book snapshots (0: all the REST snapshot has)
  std::size_t max_buffered_diffs = 10000;  // per symbol while unsynced; overflow resyncs (counted)

  // Streams go in the connection URL (no SUBSCRIBE messages, so nothing counts against the 5 msg/s
  // limit and every reconnect resubscribes by itself). A connection carries at most this many
  // streams, and its URL at most max_url_length characters (Binance rejects URLs above ~8000).
  std::size_t max_streams_per_connection = 1024;
  std::size_t max_url_length = 8000;

  std::chrono::milliseconds idle_timeout{30000};     // no frame (Binance pings every 20 s): reconnect; 0: never
  std::chrono::milliseconds connect_timeout{10000};  // TCP + TLS + WebSocket handshake
  backoff_config ws_backoff{};                       // reconnect delays
  std::chrono::milliseconds rest_timeout{10000};     // one snapshot request
  backoff_config rest_backoff{std::chrono::milliseconds{500}, std::chrono::milliseconds{30000}, 2.0};
  // REST weight spent on depth snapshots per minute, across all symbols (Binance allows 6000 per IP).
  // A burst of resyncs (e.g. after a reconnect) is spread out instead of getting the IP banned.
  unsigned rest_weight_per_minute = 3000;

  // Sees every raw frame before parsing (`mdfan record`), on the connection's strand. Optional.
  std::function<void(std::string_view connection, std::string_view msg, std::int64_t receive_ns)> tap;
  // Back-pressure from what consumes the events (adapter_options::read_gate). Optional.
  std::function<bool()> read_gate;
};

// The Binance channels carrying the given event types (the app's `exchange.channels`):
// ticker -> ticker (24 h stats) + bookTicker (best bid/ask, real time), trade -> trade,
// book -> depth@100ms (synced from REST snapshots), candle -> kline_<candle_interval> (validate() rejects
// an interval Binance does not have).
std::vector<std::string> binance_channels_for(const std::vector<event_type>& types,
                                              std::string_view candle_interval = "1m");

// Checks the configuration; returns an empty string when it is valid, else a reason naming the setting.
std::string validate(const binance_config& cfg);

// Builds the symbol map of a configuration: overrides, then the dashed forms of `symbols`.
// `natives` receives the native form of every configured symbol, in order, without duplicates.
binance_symbols make_symbols(const binance_config& cfg, std::vector<std::string>* natives = nullptr);

// "BTCUSDT" + "depth@100ms" -> "btcusdt@depth@100ms".
std::string stream_name(std::string_view native_symbol, std::string_view channel);

// A supported channel name? (see binance_config::channels)
bool valid_channel(std::string_view channel);
// "depth" or "depth@100ms": a diff stream needing the REST snapshot sync.
bool is_diff_depth_channel(std::string_view channel);

// One WebSocket connection: the URL to open and the symbols whose streams it carries.
// A symbol's streams are never split over two connections, so a disconnect affects whole symbols.
struct binance_connection_plan {
  std::string url;
  std::vector<std::string> symbols;  // native
  std::vector<std::string> streams;
};

// Splits the configured streams over connections (see max_streams_per_connection, max_url_length).
std::vector<binance_connection_plan> plan_connections(const binance_config& cfg);

// GET <rest_url>/api/v3/depth?symbol=BTCUSDT&limit=1000
std::string depth_snapshot_url(const binance_config& cfg, std::string_view native_symbol);

// Request weight of one depth snapshot at `limit` levels.
unsigned depth_snapshot_weight(unsigned limit);

}  // namespace mdfan::adapters
