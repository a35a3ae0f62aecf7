#pragma once
// The Kraken WebSocket v2 protocol session (sans-I/O): subscriptions, application pings, the book
// rules (checksum after every message, truncation to the subscribed depth, per-symbol resync by
// unsubscribe + subscribe), native or trade-built candles. Also the decoder tools use.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/common/session.hpp"
#include "adapters/options.hpp"
#include "core/metrics.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

// What a Kraken connection subscribes to, from adapter_options (validated).
struct kraken_config {
  std::vector<std::string> symbols;  // native "BTC/USD", no duplicates, in configuration order
  bool ticker = false, trade = false, book = false, candle = false;
  unsigned depth = 10;             // book depth: 10, 25, 100, 500 or 1000
  std::uint64_t ohlc_minutes = 0;  // native ohlc interval; 0 when candles are built from trades
  std::string candle_interval;     // "1m", as events carry it
  std::int64_t candle_interval_ns = 0;

  // Kraken documents no cap on symbols per request; mdfan keeps requests (and the snapshot burst
  // each one triggers) moderate.
  static constexpr std::size_t max_symbols_per_request = 50;
  // Symbols per connection for the live adapter (one session per connection).
  static constexpr std::size_t max_symbols_per_connection = 100;
};

// Throws std::invalid_argument naming the setting (symbols, book_depth, candle_interval, types).
kraken_config make_kraken_config(const adapter_options& opts);

// One session covering cfg.symbols. `log` may be null (spdlog's default logger).
std::unique_ptr<protocol_session> make_kraken_session(const kraken_config& cfg, metrics_registry& metrics,
                                                      std::shared_ptr<spdlog::logger> log);
// The same from adapter_options (replay): every configured symbol in one session.
std::unique_ptr<protocol_session> make_kraken_session(const adapter_options& opts, metrics_registry& metrics,
                                                      std::shared_ptr<spdlog::logger> log);

// The stateless parser tools use: events as decoded, books as decoded snapshots/deltas (Kraken has
// no sequence numbers: sequence 0), control traffic as nothing.
std::unique_ptr<message_decoder> make_kraken_decoder();

}  // namespace mdfan::adapters
