#pragma once
// The Kraken WebSocket v2 venue of the simulator: /v2 with subscribe/unsubscribe (one ack per symbol),
// book snapshots and checksummed updates at depths 10..1000, ticker, trade, ohlc, instrument,
// status on connect, heartbeats, ping/pong, over the seeded market; book faults on request.
#include <memory>

#include "adapters/sim/venue.hpp"

namespace mdfan::sim {

std::unique_ptr<venue> make_kraken_venue(const sim_config& cfg);

}  // namespace mdfan::sim
