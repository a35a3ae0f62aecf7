#pragma once
// The Binance Spot market-data adapter: combined-stream WebSocket connections, parsing, per-symbol
// order-book sync from REST snapshots, events out through a sink.
#include <memory>
#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/binance/config.hpp"
#include "core/metrics.hpp"
#include "net/net.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

class binance_connection;
class binance_rest_limiter;

// Owns one feed::ws_client per planned connection (see plan_connections). Each connection has its
// own strand, parser and book syncs; the sink is called from those strands (possibly concurrently
// when there are several connections).
//  - subscriptions: the streams are part of the connection URL (`/stream?streams=a/b/c`), so every
//    (re)connect resubscribes by itself and no SUBSCRIBE message counts against Binance's 5
//    messages/s limit; connections are split at 1024 streams or max_url_length characters.
//  - serverShutdown: the connection reconnects at once.
//  - connection lost: its books are discarded at once (no book events until resynced after reconnect).
//  - a book asking for a snapshot: GET <rest_url>/api/v3/depth, paced by rest_weight_per_minute,
//    with a timeout and retries with backoff.
// Metrics (label exchange="binance"): mdfan_adapter_messages_total, mdfan_adapter_malformed_total,
// mdfan_adapter_resyncs_total, mdfan_adapter_book_gaps_total, mdfan_adapter_stale_diffs_total,
// mdfan_adapter_buffer_overflows_total, mdfan_adapter_snapshot_failures_total, mdfan_adapter_books_synced.
class binance_adapter final : public exchange_adapter {
 public:
  // Throws std::invalid_argument when validate(cfg) fails. `log` may be null (spdlog's default).
  binance_adapter(const net::any_io_executor& ex, binance_config cfg, const event_sink_fn& sink,
                  std::shared_ptr<spdlog::logger> log, metrics_registry& metrics);
  ~binance_adapter() override;
  binance_adapter(const binance_adapter&) = delete;
  binance_adapter& operator=(const binance_adapter&) = delete;

  exchange_id exchange() const noexcept override { return exchange_id::binance; }
  void start() override;
  void stop(std::function<void()> done = {}) override;

  std::size_t connection_count() const noexcept { return connections_.size(); }

 private:
  std::vector<std::shared_ptr<binance_connection>> connections_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace mdfan::adapters
