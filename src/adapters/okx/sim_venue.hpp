#pragma once
// The OKX v5 venue of the simulator: /ws/v5/public (tickers, trades, books, books5, bbo-tbt) and
// /ws/v5/business (candle1m, candle1H, candle1D) on one port, the text ping/pong, subscribe and
// unsubscribe acks and errors shaped like OKX's, a books snapshot on subscribe, updates with
// seqId/prevSeqId and the (legacy, non-zero) CRC-32 checksum, and scripted book faults.
#include <memory>

#include "adapters/sim/venue.hpp"

namespace mdfan::sim {

std::unique_ptr<venue> make_okx_venue(const sim_config& cfg);

}  // namespace mdfan::sim
