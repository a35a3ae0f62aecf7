#pragma once
// What the application asks of an exchange adapter, whatever the exchange. Each exchange turns these
// into its own configuration (channels, URLs, limits); see registry.hpp.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mdfan/event.hpp"

namespace mdfan::adapters {

struct adapter_options {
  exchange_id exchange = exchange_id::binance;
  // Instruments in the exchange's native spelling ("BTC/USD", "BTC-USD", "BTCUSDT", "BTC-USDT") or as
  // BASE-QUOTE; each exchange maps both to its native form and to the normalized BASE-QUOTE.
  std::vector<std::string> symbols;
  // Event types to subscribe to.
  std::vector<event_type> types{event_type::ticker, event_type::trade, event_type::book};
  // WebSocket base: scheme://host[:port] (the exchange's paths are appended by the adapter, e.g.
  // "/v2" for Kraken, "/ws/v5/public" and "/ws/v5/business" for OKX). Empty: the exchange's own.
  std::string ws_url;
  // REST base, for exchanges that need REST snapshots (Binance). Empty: the exchange's own.
  std::string rest_url;
  // Candle interval ("1m", "5m", "1h", "1d"). Where the exchange has no native channel for it,
  // candles are aggregated from trades.
  std::string candle_interval = "1m";
  // Order book depth to subscribe to (levels per side); 0: the exchange's default for a full,
  // checksummed book (Kraken 10, Bybit 50/200, OKX 400, Coinbase full).
  unsigned book_depth = 0;
  // Levels per side in emitted book snapshots where the exchange's book is deeper (Binance REST
  // snapshots); 0: all.
  std::size_t snapshot_depth = 0;
  // Bybit only: "spot" or "linear" (the v5 public category).
  std::string market = "spot";
  // Sees every raw frame received, before parsing, on the connection's strand (`mdfan record`).
  // `connection` names the connection ("okx#0", "okx-business#0"). Optional.
  std::function<void(std::string_view connection, std::string_view msg, std::int64_t receive_ns)> tap;
  // Back-pressure (optional): asked after each read from an exchange connection; false pauses reading
  // that connection until it returns true (feed::ws_client_config::read_gate). The host closes it
  // while the manager holds too many events not yet routed, so a burst cannot grow memory without
  // bound: TCP pushes back on the exchange instead.
  std::function<bool()> read_gate;
};

}  // namespace mdfan::adapters
