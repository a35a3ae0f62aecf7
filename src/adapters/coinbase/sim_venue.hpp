#pragma once
// The Coinbase Advanced Trade venue of the simulator (see sim_venue.cpp).
#include <memory>

#include "adapters/sim/simulator.hpp"
#include "adapters/sim/venue.hpp"

namespace mdfan::sim {

std::unique_ptr<venue> make_coinbase_venue(const sim_config& cfg);

}  // namespace mdfan::sim
