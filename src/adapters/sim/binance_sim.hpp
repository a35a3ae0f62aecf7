#pragma once
// The Binance Spot simulator: the simulator (simulator.hpp) running the Binance venue
// (binance_venue.hpp). Kept as the header the Binance tests include.
#include "adapters/sim/binance_feed.hpp"
#include "adapters/sim/binance_venue.hpp"
#include "adapters/sim/simulator.hpp"
