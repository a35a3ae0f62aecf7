#pragma once
// `--exchange replay:FILE`: an exchange adapter that feeds a recording (recording.hpp) through the
// recorded exchange's own protocol session, so replayed books pass the same sequence, checksum and
// crossed-book rules as live ones, at the recorded pace or faster.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/options.hpp"
#include "core/metrics.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

struct replay_config {
  std::string file;
  double speed = 1;       // 1: recorded pace; 10: ten times faster; 0: as fast as possible
  bool progress = false;  // draw a progress bar on stderr (when it is a terminal)
  // Symbols, channels, interval, market for the session; the exchange comes from the recording.
  adapter_options opts;
  // When set, replaces the adapter's per-event sink: events are handed over in order, in batches (at
  // full speed up to `batch_events` at a time; paced, each frame's events right after the frame), so
  // the receiver pays one hand-over per batch. The callee may leave the vector in any valid state.
  std::function<void(std::vector<event>&)> batch_sink;
  std::size_t batch_events = 256;
};

// The exchange id of a recording (for the instance's logs and topics); throws std::invalid_argument
// naming the file when it cannot be read.
exchange_id recording_exchange(const std::string& file);

class replay_adapter final : public exchange_adapter {
 public:
  // Throws std::invalid_argument when the file is not a readable recording.
  replay_adapter(replay_config cfg, event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                 metrics_registry& metrics);
  ~replay_adapter() override;
  exchange_id exchange() const noexcept override;
  void start() override;
  void stop(std::function<void()> done = {}) override;

  struct state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace mdfan::adapters
