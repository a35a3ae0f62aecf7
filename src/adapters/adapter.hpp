#pragma once
// The interface the app holds for every exchange adapter, whatever the exchange.
#include <functional>

#include "mdfan/event.hpp"

namespace mdfan::adapters {

// Where an adapter's normalized events go (e.g. manager::ingest_local). It may be called from
// several threads at once (one strand per exchange connection) and must not block.
using event_sink_fn = std::function<void(event&&)>;

// One exchange's market-data feed: connections, subscriptions, parsing, book sync.
// Construction validates the configuration (and throws std::invalid_argument on a bad one);
// start() and stop() never throw.
class exchange_adapter {
 public:
  virtual ~exchange_adapter() = default;
  virtual exchange_id exchange() const noexcept = 0;
  // Opens the connections; events flow to the sink from then on. Call once.
  virtual void start() = 0;
  // Closes everything and stops reconnecting and fetching; `done` (optional) runs once all is
  // closed, on one of the adapter's strands. No event reaches the sink after `done`.
  virtual void stop(std::function<void()> done = {}) = 0;
};

}  // namespace mdfan::adapters
