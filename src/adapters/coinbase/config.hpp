#pragma once
// What a Coinbase adapter subscribes to, derived from adapter_options and checked once at start-up,
// and the subscribe / unsubscribe messages of the Advanced Trade market-data WebSocket.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/options.hpp"

namespace mdfan::adapters {

struct coinbase_config {
  static constexpr std::string_view production_url = "wss://advanced-trade-ws.coinbase.com";

  std::string ws_url{production_url};  // the full URL: Coinbase serves market data at "/"
  std::vector<std::string> products;   // native product ids, "BTC-USD", no duplicates
  bool tickers = false, trades = false, books = false, candles = false;
  // Candles: Coinbase's `candles` channel has 5-minute bars only; any other interval is built from
  // market_trades (subscribed then even when trades are not wanted).
  std::string candle_interval = "1m";
  std::int64_t candle_interval_ns = 60'000'000'000;
  bool native_candles = false;
  // How long after a built bar's end it waits for trades still in flight (market_trades batches
  // trades over 250 ms) before it is emitted closed.
  std::int64_t candle_grace_ns = 2'000'000'000;
  // No frame this long: the connection is stale, reconnect. The heartbeats channel sends one per
  // second, so silence means the feed is gone (Coinbase itself closes channels idle 60-90 s).
  std::chrono::milliseconds idle_timeout{10000};
  std::function<void(std::string_view connection, std::string_view msg, std::int64_t receive_ns)> tap;

  bool wants_market_trades() const noexcept { return trades || (candles && !native_candles); }
};

// "btc-usd", "BTC-USD" -> "BTC-USD". Coinbase product ids are already BASE-QUOTE; other forms
// ("BTCUSD", "BTC/USD") are rejected: empty result.
std::string coinbase_product_id(std::string_view any_form);

// Checks and converts the options. Throws std::invalid_argument naming the bad setting.
coinbase_config coinbase_config_from(const adapter_options& opts);

// {"type":"subscribe","product_ids":[...],"channel":"level2"}; without product ids (heartbeats),
// the "product_ids" field is left out. `type` is "subscribe" or "unsubscribe".
std::string coinbase_request(std::string_view type, std::string_view channel, const std::vector<std::string>& products);

}  // namespace mdfan::adapters
