#pragma once
// The Binance Spot venue: Binance's stream protocol (raw /ws/<stream>, combined /stream?streams=a/b,
// live SUBSCRIBE and friends, server pings) and the REST depth snapshot, over the seeded market.
#include <memory>

#include "adapters/sim/venue.hpp"

namespace mdfan::sim {

std::unique_ptr<venue> make_binance_venue(const sim_config& cfg);

}  // namespace mdfan::sim
