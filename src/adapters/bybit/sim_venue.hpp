#pragma once
// The Bybit v5 public venue of the simulator: /v5/public/spot and /v5/public/linear on one port,
// op subscribe/unsubscribe/ping with Bybit's ack and pong shapes per category, orderbook.{1,50,200,1000}
// (snapshot on subscribe, then deltas with a contiguous u per topic), tickers (spot snapshots, linear
// snapshot + deltas), publicTrade and kline, over the seeded market.
#include <memory>

#include "adapters/sim/venue.hpp"

namespace mdfan::sim {

// Faults (venue::inject): skip_sequence drops the next orderbook delta of the symbol (the next one
// skips a u); bad_checksum (Bybit has no checksum) sends the next delta with a u that does not
// advance (the previous u); malformed sends a truncated message on the symbol's orderbook topic.
std::unique_ptr<venue> make_bybit_venue(const sim_config& cfg);

}  // namespace mdfan::sim
