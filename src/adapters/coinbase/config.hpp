#pragma once
// What a Coinbase adapter subscribes to, derived from adapter_options and checked once at start-up,
// and the subscribe / unsubscribe messages of the Advanced Trade market-data WebSocket.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/common/session.hpp"
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
  // Coinbase limits unauthenticated messages to 8 per second per IP. Every subscribe and unsubscribe
  // of every connection goes through one window of subscribe_rate messages per subscribe_rate_window
  // (10 % above a second: a margin for the network bunching messages up); the sessions send queued
  // messages every pace_tick. 0 messages: no pacing.
  std::size_t subscribe_rate = 8;
  std::chrono::milliseconds subscribe_rate_window{1100};
  std::chrono::milliseconds pace_tick{50};
  // Shared by the sessions of one adapter (set by make_coinbase_adapter); null: sent at once.
  std::shared_ptr<request_window> subscribe_window;
  // The connection's name in logs ("coinbase#0", "coinbase-l2#BTC-USD").
  std::string name = "coinbase";
  // sequence_num is checked per connection. A replay drives one session with the frames of every
  // connection of a recording, whose sequences interleave: it does not check them.
  bool check_sequence = true;
  std::function<void(std::string_view connection, std::string_view msg, std::int64_t receive_ns)> tap;
  // Back-pressure from what consumes the events (adapter_options::read_gate). Optional.
  std::function<bool()> read_gate;

  bool wants_market_trades() const noexcept { return trades || (candles && !native_candles); }
};

// One connection of a Coinbase adapter: its name and what its session subscribes to (a coinbase_config
// narrowed to that connection).
struct coinbase_connection_plan {
  std::string name;
  coinbase_config cfg;
};

// sequence_num is per connection and says nothing of which product a lost message was for, so the
// level2 channel of each product gets a connection of its own ("coinbase-l2#<product>": level2 +
// heartbeats): a gap there concerns that book only. ticker, market_trades and candles of every product
// share "coinbase#0" (+ heartbeats), present only when one of them is wanted. Coinbase caps neither
// products per message nor per connection.
std::vector<coinbase_connection_plan> plan_coinbase_connections(const coinbase_config& cfg);

// "btc-usd", "BTC-USD" -> "BTC-USD". Coinbase product ids are already BASE-QUOTE; other forms
// ("BTCUSD", "BTC/USD") are rejected: empty result.
std::string coinbase_product_id(std::string_view any_form);

// Checks and converts the options. Throws std::invalid_argument naming the bad setting.
coinbase_config coinbase_config_from(const adapter_options& opts);

// {"type":"subscribe","product_ids":[...],"channel":"level2"}; without product ids (heartbeats),
// the "product_ids" field is left out. `type` is "subscribe" or "unsubscribe".
std::string coinbase_request(std::string_view type, std::string_view channel, const std::vector<std::string>& products);

}  // namespace mdfan::adapters
